#include "cli/load.hpp"

#include "provision/process.hpp"
#include "provision/setting_catalog.hpp"
#include "run/signals.hpp"
#include "scenario/discover.hpp"
#include "scenario/loader.hpp"
#include "util/output.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace stagegate::cli {

std::optional<std::vector<Scenario>> load_all(const std::vector<std::string>& paths, const std::string& ca_file) {
    ::setenv(k_ca_variable, ca_file.c_str(), 1); // .env files expand it from the process environment too
    auto files = discover_scenarios(paths);
    if (!files) {
        print_line(stderr, fmt::format("stagegate: error: {}", files.error()));
        return std::nullopt;
    }
    std::vector<Scenario> scenarios;
    bool ok = true;
    auto env = process_environment();
    for (const auto& file : *files) {
        auto scenario = load_scenario(file, env);
        if (!scenario) {
            print_line(stderr, scenario.error().to_string());
            ok = false;
            continue;
        }
        if (auto unknown = check_setting_names(*scenario, system_launcher())) {
            print_line(stderr, unknown->to_string());
            ok = false;
            continue;
        }
        scenarios.push_back(std::move(*scenario));
    }
    if (!ok) {
        print_line(stderr, "stagegate: nothing was run: fix the scenario files above");
        return std::nullopt;
    }
    return scenarios;
}

} // namespace stagegate::cli

namespace stagegate::cli {

std::expected<RunSetup, int> set_up_run(const std::vector<std::string>& paths) {
    // An invalid scenario must not start anything: check the files before the run folder exists,
    // then read them again with ${STAGEGATE_CA_FILE} naming the CA file inside it.
    if (!load_all(paths, "/nonexistent/stagegate-throwaway-ca.pem"))
        return std::unexpected(2);
    auto run_dir = RunDir::create();
    if (!run_dir) {
        print_line(stderr, fmt::format("stagegate: infrastructure error: {}", run_dir.error()));
        return std::unexpected(3);
    }
    std::filesystem::path ca_file = run_dir->path() / "stagegate-ca.pem";
    auto scenarios = load_all(paths, ca_file.string());
    if (!scenarios)
        return std::unexpected(2);
    RunSetup setup{std::move(*scenarios), std::move(*run_dir), std::nullopt};
    if (std::any_of(setup.scenarios.begin(), setup.scenarios.end(),
                    [](const Scenario& s) { return s.database.tls.enabled; })) {
        auto made = CertificateAuthority::create(ca_file);
        if (!made) {
            print_line(stderr,
                       fmt::format("stagegate: infrastructure error: cannot make the throwaway CA: {}", made.error()));
            return std::unexpected(3);
        }
        setup.authority = std::move(*made);
    }
    return setup;
}

} // namespace stagegate::cli
