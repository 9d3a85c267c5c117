#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace stagegate::cli {

// The variable scenarios and config files name the throwaway CA's certificate file with.
inline constexpr const char* k_ca_variable = "STAGEGATE_CA_FILE";

// Finds and loads every scenario named by `paths`; prints each problem as one line on stderr
// ("file:line:col: error: ...") and returns nothing when there was any, so nothing runs.
// ${STAGEGATE_CA_FILE} reads as `ca_file` (the run's CA, made afterwards when a scenario serves TLS).
std::optional<std::vector<Scenario>> load_all(const std::vector<std::string>& paths, const std::string& ca_file);

} // namespace stagegate::cli
