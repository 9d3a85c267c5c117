#pragma once

#include <expected>
#include <string>
#include <vector>

#include "scenario/loader.hpp"

namespace stagegate {

struct Interpolated {
    std::string text;
    std::vector<std::string> secrets; // values taken from variables whose names look secret
};

struct InterpolationError {
    std::size_t offset = 0; // where in the input the bad reference starts
    std::string message;
};

// Replaces ${NAME} and ${NAME:-default} (the default also when NAME is empty, as in the shell)
// with values from `env`; `$${` is a literal `${`, and any other `$` is kept as it is (so
// PL/pgSQL's $$ bodies pass through). An unset NAME without a default is an error, as is a
// malformed reference.
std::expected<Interpolated, InterpolationError> interpolate(const std::string& text, const Environment& env);

// Returns true for names that hold secrets by convention (PASSWORD, SECRET, TOKEN, ...).
bool looks_secret(const std::string& name);

} // namespace stagegate
