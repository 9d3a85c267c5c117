#include "cli/commands.hpp"
#include "cli/load.hpp"
#include "provision/process.hpp"
#include "provision/run_dir.hpp"
#include "provision/tls_material.hpp"
#include "report/console.hpp"
#include "report/json.hpp"
#include "run/runner.hpp"
#include "run/signals.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace stagegate::cli {

namespace {

struct RunArgs {
    std::vector<std::string> paths;
    std::string json;
};

int run(const RunArgs& args) {
    // An invalid scenario must not start anything: check the files before the run folder exists,
    // then read them again with ${STAGEGATE_CA_FILE} naming the CA file inside it.
    if (!load_all(args.paths, "/nonexistent/stagegate-throwaway-ca.pem"))
        return k_exit_invalid;
    install_signal_handlers();
    auto run_dir = RunDir::create();
    if (!run_dir) {
        fmt::print(stderr, "stagegate: infrastructure error: {}\n", run_dir.error());
        return k_exit_infrastructure;
    }
    std::filesystem::path ca_file = run_dir->path() / "stagegate-ca.pem";
    auto scenarios = load_all(args.paths, ca_file.string());
    if (!scenarios)
        return k_exit_invalid;
    std::optional<CertificateAuthority> authority;
    if (std::any_of(scenarios->begin(), scenarios->end(), [](const Scenario& s) { return s.database.tls.enabled; })) {
        auto made = CertificateAuthority::create(ca_file);
        if (!made) {
            fmt::print(stderr, "stagegate: infrastructure error: cannot make the throwaway CA: {}\n", made.error());
            return k_exit_infrastructure;
        }
        authority = std::move(*made);
    }
    Redactor redactor;
    std::FILE* console = args.json == "-" ? stderr : stdout;
    ConsoleReporter reporter(console, ConsoleReporter::wants_color(console), redactor);
    RunOptions options;
    options.interrupted = interruption_flag();
    options.authority = authority ? &*authority : nullptr;
    RunOutcome outcome = run_scenarios(*scenarios, *run_dir, system_launcher(), redactor, reporter, options);
    int code = outcome.exit_code();
    if (!args.json.empty()) {
        if (auto written = write_report(json_report(outcome, redactor), args.json); !written) {
            fmt::print(stderr, "stagegate: error: {}\n", written.error());
            if (code == k_exit_pass)
                code = k_exit_infrastructure;
        }
    }
    return code;
}

} // namespace

void add_run_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<RunArgs>();
    auto* command = app.add_subcommand("run", "Stand up each scenario's database, try its candidates, judge them");
    command->add_option("paths", args->paths, "Scenario files or folders of *.yaml / *.yml")->required();
    command->add_option("--json", args->json, "Write the JSON report (stagegate-report/1) to FILE, or - for stdout")
        ->type_name("FILE|-");
    command->callback([args, &action] { action = [args] { return run(*args); }; });
}

} // namespace stagegate::cli
