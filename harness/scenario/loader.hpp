#pragma once

#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "scenario/scenario.hpp"

namespace stagegate {

// Reads an environment variable; a function so tests can hand in a fixed environment.
using Environment = std::function<std::optional<std::string>(const std::string&)>;

// Returns the process environment as an Environment.
Environment process_environment();

// Loads and validates one scenario file: schema, duplicate keys, ${ENV} interpolation, setup
// files. Fails with the first problem, located at file:line:col.
std::expected<Scenario, ScenarioError> load_scenario(const std::filesystem::path& file, const Environment& env);

// The same from text already in memory; `file` is used for messages and relative paths.
std::expected<Scenario, ScenarioError> load_scenario_text(const std::string& text, const std::filesystem::path& file,
                                                          const Environment& env);

} // namespace stagegate
