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

// The most text interpolation produces; more is refused (a variable repeated many times).
inline constexpr std::size_t k_max_interpolated_bytes = 4 * 1024 * 1024;
// How deep defaults may nest: ${A:-${B:-${C}}} is two.
inline constexpr int k_max_nesting = 8;

// Replaces ${NAME} and ${NAME:-default} (the default also when NAME is empty, as in the shell)
// with values from `env`; a default may itself hold references (${A:-${B}}), expanded only when
// it is used, at most k_max_nesting deep. `$${` is a literal `${`, and any other `$` is kept as
// it is (so PL/pgSQL's $$ bodies pass through). An unset NAME without a default is an error, as
// is a malformed reference or a result larger than k_max_interpolated_bytes. Values are never
// expanded again, so the work is linear in the input and the output.
std::expected<Interpolated, InterpolationError> interpolate(const std::string& text, const Environment& env);

// Returns true for names that hold secrets by convention (PASSWORD, SECRET, TOKEN, ...).
bool looks_secret(const std::string& name);

} // namespace stagegate
