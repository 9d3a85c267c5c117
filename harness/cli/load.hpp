#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace stagegate::cli {

// Finds and loads every scenario named by `paths`; prints each problem as one line on stderr
// ("file:line:col: error: ...") and returns nothing when there was any, so nothing runs.
std::optional<std::vector<Scenario>> load_all(const std::vector<std::string>& paths);

} // namespace stagegate::cli
