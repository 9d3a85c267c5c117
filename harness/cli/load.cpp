#include "cli/load.hpp"

#include "provision/process.hpp"
#include "provision/setting_catalog.hpp"
#include "scenario/discover.hpp"
#include "scenario/loader.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace stagegate::cli {

std::optional<std::vector<Scenario>> load_all(const std::vector<std::string>& paths, const std::string& ca_file) {
    ::setenv(k_ca_variable, ca_file.c_str(), 1); // .env files expand it from the process environment too
    auto files = discover_scenarios(paths);
    if (!files) {
        fmt::print(stderr, "stagegate: error: {}\n", files.error());
        return std::nullopt;
    }
    std::vector<Scenario> scenarios;
    bool ok = true;
    auto env = process_environment();
    for (const auto& file : *files) {
        auto scenario = load_scenario(file, env);
        if (!scenario) {
            fmt::print(stderr, "{}\n", scenario.error().to_string());
            ok = false;
            continue;
        }
        if (auto unknown = check_setting_names(*scenario, system_launcher())) {
            fmt::print(stderr, "{}\n", unknown->to_string());
            ok = false;
            continue;
        }
        scenarios.push_back(std::move(*scenario));
    }
    if (!ok) {
        fmt::print(stderr, "stagegate: nothing was run: fix the scenario files above\n");
        return std::nullopt;
    }
    return scenarios;
}

} // namespace stagegate::cli
