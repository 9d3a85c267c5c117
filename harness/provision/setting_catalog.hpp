#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace stagegate {

class ProcessLauncher;

// Returns the names of every setting the locally installed server of `engine` accepts, read from
// the server binary itself (`postgres --describe-config`, `mariadbd --verbose --help`), once per
// process. Fails when the server is not installed.
std::expected<std::vector<std::string>, std::string> server_setting_names(Engine engine, ProcessLauncher& launcher);

// The same, read anew on every call (tests). Writes no file and touches no data folder: the
// output is read from memory, and mariadbd gets a --datadir that cannot exist.
std::expected<std::vector<std::string>, std::string> read_setting_names(Engine engine, ProcessLauncher& launcher);

// Checks every setting a scenario names (database.settings and maintenance settings steps)
// against the local server's own list; returns the first unknown one, located at its name, with
// the closest known names. Scenarios of the docker provider, and engines whose server is not
// installed here, are not checked (the server itself refuses them at start).
std::optional<ScenarioError> check_setting_names(const Scenario& scenario, ProcessLauncher& launcher);

} // namespace stagegate
