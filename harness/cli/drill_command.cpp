#include "cli/commands.hpp"
#include "cli/load.hpp"
#include "cli/outputs.hpp"
#include "provision/process.hpp"
#include "report/console.hpp"
#include "report/report_files.hpp"
#include "run/drill.hpp"
#include "run/runner.hpp"
#include "run/signals.hpp"
#include "util/output.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <thread>

namespace stagegate::cli {

namespace {

struct DrillArgs {
    std::vector<std::string> paths;
    std::string json;
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    std::string timeout;
    double min_score = -1; // unset: the score never fails the command
};

// Shows the drill's progress: a live line on a terminal, one plain line per scenario elsewhere.
class DrillObserver final : public RunObserver {
  public:
    DrillObserver(std::FILE* out, const DrillPlan& plan, const Redactor& redactor)
        : m_out(out), m_redactor(redactor), m_counts(plan, redactor), m_live(ConsoleReporter::wants_progress(out)),
          m_color(ConsoleReporter::wants_color(out)) {}
    void scenario_started(const ScenarioOutcome&) override {}
    void scenario_ready(const ScenarioOutcome&) override {}
    void candidate_finished(const ScenarioOutcome&, const CandidateOutcome& candidate) override {
        m_counts.candidate_finished(m_scenario, candidate);
    }
    void step_finished(const ScenarioOutcome&, const StepOutcome&) override {}
    void scenario_finished(const ScenarioOutcome& outcome) override {
        ++m_scenario;
        if (!m_live)
            print_line(m_out, m_redactor.apply(fmt::format("tried {} candidates and mutants of {}",
                                                           outcome.candidates.size(), outcome.name)));
    }
    void run_finished(const RunOutcome&) override {
        if (m_live)
            fmt::print(m_out, "\r\x1b[2K");
    }
    void progress(const Progress& progress) override {
        if (!m_live)
            return;
        std::string text = m_counts.text(progress);
        fmt::print(m_out, "\r\x1b[2K{}", m_color ? fmt::format("\x1b[2m{}\x1b[0m", text) : text);
        std::fflush(m_out);
    }

  private:
    std::FILE* m_out;
    const Redactor& m_redactor;
    DrillProgress m_counts;
    bool m_live;
    bool m_color;
    std::size_t m_scenario = 0; // index of the scenario whose events arrive now (they come in order)
};

int drill(const DrillArgs& args) {
    std::optional<Millis> timeout;
    if (!args.timeout.empty() && !(timeout = parse_duration(args.timeout))) {
        print_line(stderr,
                   fmt::format("stagegate: error: --timeout: expected a duration such as 90s, 15m or 1h, got \"{}\"",
                               args.timeout));
        return k_exit_invalid;
    }
    if (auto clash = output_clash({{"--json", args.json}}, args.paths)) {
        print_line(stderr, fmt::format("stagegate: error: {}", *clash));
        return k_exit_invalid;
    }
    auto setup = set_up_run(args.paths);
    if (!setup)
        return setup.error();
    Redactor& redactor = process_secrets();
    DrillPlan plan = plan_drill(setup->scenarios, redactor);
    std::FILE* console = args.json == "-" ? stderr : stdout;
    fmt::print(console, "drill: {} mutant{} of the candidates expected to pass, in {} scenario{}\n",
               plan.origins.size(), plan.origins.size() == 1 ? "" : "s", plan.scenarios.size(),
               plan.scenarios.size() == 1 ? "" : "s");
    std::fflush(console);
    DrillObserver observer(console, plan, redactor);
    RunOptions options;
    options.interrupted = interruption_flag();
    options.authority = setup->authority ? &*setup->authority : nullptr;
    options.jobs = args.jobs;
    options.timeout = timeout;
    RunOutcome outcome = run_scenarios(plan.scenarios, setup->run_dir, system_launcher(), redactor, observer, options);
    DrillResult result = judge_drill(plan, outcome, redactor);
    print_lines(console, redactor.apply(drill_text(result, plan)));
    int code = k_exit_pass;
    if (outcome.signal != 0)
        code = 128 + outcome.signal;
    else if (outcome.timed_out || std::any_of(outcome.scenarios.begin(), outcome.scenarios.end(),
                                              [](const ScenarioOutcome& s) { return s.error.has_value(); }))
        code = k_exit_infrastructure;
    else if (!result.baseline_failures.empty())
        code = k_exit_fail;
    else if (args.min_score >= 0 && result.score() + 1e-9 < args.min_score) {
        fmt::print(console, "drill: the score {:.1f}% is below --min-score {:.1f}%\n", result.score(), args.min_score);
        code = k_exit_fail;
    }
    if (!args.json.empty()) {
        if (auto written = write_report(drill_json(result, plan, redactor), args.json); !written) {
            print_line(stderr, fmt::format("stagegate: error: {}", written.error()));
            if (code == k_exit_pass)
                code = k_exit_infrastructure;
        }
    }
    return code;
}

} // namespace

void add_drill_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<DrillArgs>();
    auto* command = app.add_subcommand(
        "drill", "Mutation-test the scenarios' checks: try typo'd copies of every passing candidate and report which "
                 "ones the checks catch");
    command->add_option("paths", args->paths, "Scenario files or folders of *.yaml / *.yml")->required();
    command->add_option("--json", args->json, "Write the kill table as JSON (stagegate-drill/1) to FILE, or -")
        ->type_name("FILE|-");
    command->add_option("--jobs,-j", args->jobs, "Servers and candidates in flight at once (default: the cores)")
        ->check(CLI::Range(1u, 256u))
        ->type_name("N");
    command->add_option("--timeout", args->timeout, "Deadline for the whole drill (90s, 15m, 1h)")
        ->type_name("DURATION");
    command
        ->add_option("--min-score", args->min_score,
                     "Exit 1 when fewer than PCT percent of the mutants are caught (default: report only)")
        ->check(CLI::Range(0.0, 100.0))
        ->type_name("PCT");
    command->callback([args, &action] { action = [args] { return drill(*args); }; });
}

} // namespace stagegate::cli
