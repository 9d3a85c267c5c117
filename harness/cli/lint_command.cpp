#include "cli/commands.hpp"
#include "cli/load.hpp"
#include "run/candidate_runner.hpp"
#include "run/host_map.hpp"
#include "util/output.hpp"
#include "util/redactor.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace stagegate::cli {

namespace {

struct LintArgs {
    std::vector<std::string> paths;
};

// What lint can know without a server: the candidate pipeline of a trial short of the login (the
// string as the client reads it, its route with the names the database answers as in that
// phase, the scenario's TLS policy), against a stand-in for the server.
Result<ParsedCandidate> static_check(const Candidate& candidate, const Scenario& scenario,
                                     const std::vector<HostName>& answers_as, Redactor& redactor) {
    ServiceFileScope service(candidate);
    // Unreachable names route to a dead end (never reached here): they are not unknown hosts.
    Route stand_in{"127.0.0.1", 0};
    TrialContext context{scenario, answers_as, stand_in, std::nullopt,
                         false,    redactor,   nullptr,  DeadEnds{scenario.database.unreachable, stand_in}};
    auto prepared = prepare_candidate(candidate, context);
    if (!prepared)
        return std::unexpected(prepared.error().failure);
    return std::move(prepared->parsed);
}

// The phases a candidate is tried in, each with its expectation and the names the database
// answers as then.
std::vector<std::tuple<std::string, Expectation, std::vector<HostName>>> phases_of(const Candidate& candidate,
                                                                                   const Scenario& scenario) {
    if (scenario.maintenance.empty())
        return {{"", candidate.expect, scenario.database.answers_as}};
    std::vector<HostName> after = scenario.database.answers_as;
    for (const auto& step : scenario.maintenance) {
        if (step.kind == MaintenanceStep::Kind::answers_as)
            after = step.answers_as;
    }
    std::vector<std::tuple<std::string, Expectation, std::vector<HostName>>> out;
    if (candidate.phases.before)
        out.emplace_back("before", *candidate.phases.before, scenario.database.answers_as);
    if (candidate.phases.after)
        out.emplace_back("after", *candidate.phases.after, after);
    return out;
}

int lint(const LintArgs& args) {
    // Lint starts no server and makes no CA: the file name stands for the one a run would make.
    auto scenarios = load_all(args.paths, "/nonexistent/stagegate-throwaway-ca.pem");
    if (!scenarios)
        return k_exit_invalid;
    Redactor& redactor = process_secrets();
    int contradictions = 0;
    for (const auto& scenario : *scenarios) {
        for (const auto& secret : scenario.secrets)
            redactor.add(secret);
        for (const auto& candidate : scenario.candidates) {
            for (const auto& [phase, expect, answers_as] : phases_of(candidate, scenario)) {
                auto result = static_check(candidate, scenario, answers_as, redactor);
                std::string where = candidate.mark.to_string();
                std::string name =
                    phase.empty() ? candidate.name : fmt::format("{} ({} maintenance)", candidate.name, phase);
                if (result) {
                    print_line(stdout, fmt::format("{}: ok: {}", where, name));
                    for (const auto& warning : result->warnings)
                        print_line(stdout, redactor.apply(fmt::format("{}: warning: {}: {}", where, name, warning)));
                    continue;
                }
                const Failure& failure = result.error();
                bool expected = expect.met_by(failure.category);
                if (!expected)
                    ++contradictions;
                print_line(stdout, redactor.apply(fmt::format("{}: {}: {}: {} ({}){}", where, expected ? "ok" : "error",
                                                              name, failure.message, to_string(failure.category),
                                                              expected ? ", as the scenario expects" : "")));
            }
        }
    }
    fmt::print("{} scenario file{} checked without a server; {} candidate{} would not behave as expected\n",
               scenarios->size(), scenarios->size() == 1 ? "" : "s", contradictions, contradictions == 1 ? "" : "s");
    return contradictions == 0 ? k_exit_pass : k_exit_fail;
}

} // namespace

void add_lint_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<LintArgs>();
    auto* command = app.add_subcommand("lint", "Check scenario files and their candidates without starting a server");
    command->add_option("paths", args->paths, "Scenario files or folders of *.yaml / *.yml")->required();
    command->callback([args, &action] { action = [args] { return lint(*args); }; });
}

} // namespace stagegate::cli
