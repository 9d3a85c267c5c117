#pragma once

#include <map>
#include <string>
#include <vector>

namespace stagegate::test {

struct CliResult {
    int exit_code = -1; // 128+N when killed by signal N
    std::string out;
    std::string err;
};

// Runs the built stagegate with `args` (cwd: the repository's top folder unless given),
// capturing stdout and stderr; `env` entries are added to the environment. Kills it after
// `timeout_ms` and fails the test then.
CliResult run_stagegate(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                        int timeout_ms = 120000, const std::string& cwd = {});

} // namespace stagegate::test
