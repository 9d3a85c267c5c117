#include "cli/commands.hpp"
#include "cli/load.hpp"
#include "cli/outputs.hpp"
#include "provision/process.hpp"
#include "report/console.hpp"
#include "report/github.hpp"
#include "report/report_files.hpp"
#include "run/runner.hpp"
#include "run/shard.hpp"
#include "run/signals.hpp"
#include "util/output.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <thread>

namespace stagegate::cli {

namespace {

struct RunArgs {
    std::vector<std::string> paths;
    std::vector<std::string> reports = std::vector<std::string>(report_files().size()); // by report_files() row
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    bool fail_fast = false;
    std::string timeout;
    std::string shard;
};

// Keeps the scenarios of `shard`; says on `console` how many of how many that is.
std::vector<Scenario> select_shard(std::vector<Scenario> all, Shard shard, std::FILE* console) {
    std::vector<std::string> keys;
    for (const auto& scenario : all)
        keys.push_back(shard_key(scenario.file));
    std::vector<Scenario> mine;
    for (std::size_t index : shard_selection(keys, shard))
        mine.push_back(std::move(all[index]));
    fmt::print(console, "shard {}/{}: {} of {} scenarios\n\n", shard.index, shard.count, mine.size(), all.size());
    return mine;
}

int run(const RunArgs& args) {
    std::vector<OutputFile> outputs;
    for (std::size_t i = 0; i < report_files().size(); ++i)
        outputs.push_back({std::string(report_files()[i].flag), args.reports[i]});
    if (auto clash = output_clash(outputs, args.paths)) {
        print_line(stderr, fmt::format("stagegate: error: {}", *clash));
        return k_exit_invalid;
    }
    std::optional<Millis> timeout;
    if (!args.timeout.empty()) {
        timeout = parse_duration(args.timeout);
        if (!timeout) {
            print_line(
                stderr,
                fmt::format("stagegate: error: --timeout: expected a duration such as 90s, 15m or 1h, got \"{}\"",
                            args.timeout));
            return k_exit_invalid;
        }
    }
    std::optional<Shard> shard;
    if (!args.shard.empty()) {
        auto parsed = parse_shard(args.shard);
        if (!parsed) {
            print_line(stderr, fmt::format("stagegate: error: {}", parsed.error()));
            return k_exit_invalid;
        }
        shard = *parsed;
    }
    auto setup = set_up_run(args.paths);
    if (!setup)
        return setup.error();
    bool reports_to_stdout = std::ranges::any_of(args.reports, [](const std::string& target) { return target == "-"; });
    std::FILE* console = reports_to_stdout ? stderr : stdout;
    if (shard)
        setup->scenarios = select_shard(std::move(setup->scenarios), *shard, console);
    Redactor& redactor = process_secrets();
    ConsoleReporter reporter(console, ConsoleReporter::wants_color(console));
    reporter.show_progress(ConsoleReporter::wants_progress(console));
    RunOptions options;
    options.interrupted = interruption_flag();
    options.authority = setup->authority ? &*setup->authority : nullptr;
    options.jobs = args.jobs;
    options.fail_fast = args.fail_fast;
    options.timeout = timeout;
    RunOutcome outcome =
        run_scenarios(setup->scenarios, setup->run_dir, system_launcher(), redactor, reporter, options);
    // The exit code is the verdict; a report that cannot be written turns only a pass into an error.
    int code = outcome.exit_code();
    for (std::size_t i = 0; i < report_files().size(); ++i) {
        const std::string& target = args.reports[i];
        if (target.empty())
            continue;
        if (auto written = write_report(report_files()[i].render(outcome), target); !written) {
            print_line(stderr, fmt::format("stagegate: error: {}", written.error()));
            if (code == k_exit_pass)
                code = k_exit_infrastructure;
        }
    }
    if (running_under_github_actions()) {
        std::string annotations = github_annotations(outcome);
        std::fputs(annotations.c_str(), console);
        std::fflush(console);
    }
    return code;
}

} // namespace

void add_run_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<RunArgs>();
    auto* command = app.add_subcommand("run", "Stand up each scenario's database, try its candidates, judge them");
    command->add_option("paths", args->paths, "Scenario files or folders of *.yaml / *.yml")->required();
    for (std::size_t i = 0; i < report_files().size(); ++i) {
        const ReportFile& format = report_files()[i];
        command->add_option(std::string(format.flag), args->reports[i], std::string(format.help))
            ->type_name(std::string(format.type_name));
    }
    command
        ->add_option("--jobs,-j", args->jobs, "Servers and candidates in flight at once (default: the number of cores)")
        ->check(CLI::Range(1u, 256u))
        ->type_name("N");
    command->add_flag("--fail-fast", args->fail_fast,
                      "Start nothing new after the first expectation not met (the rest is reported as not tried)");
    command
        ->add_option("--timeout", args->timeout,
                     "Deadline for the whole run (90s, 15m, 1h): what is unfinished then is an error (exit 3)")
        ->type_name("DURATION");
    command->add_option("--shard", args->shard, "Run only part K of N of the scenarios (CI matrices): stable split")
        ->type_name("K/N");
    command->callback([args, &action] { action = [args] { return run(*args); }; });
}

} // namespace stagegate::cli
