#include "cli/commands.hpp"
#include "cli/load.hpp"
#include "run/candidate_runner.hpp"
#include "run/host_map.hpp"
#include "util/redactor.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace stagegate::cli {

namespace {

struct LintArgs {
    std::vector<std::string> paths;
};

// What lint can know without a server: the string as the client reads it, and its route.
Result<ParsedCandidate> static_check(const Candidate& candidate, const Scenario& scenario, Redactor& redactor) {
    auto text = candidate_text(candidate);
    if (!text)
        return std::unexpected(text.error());
    auto parsed = find_driver(candidate.driver)->parse(*text);
    if (!parsed)
        return parsed;
    for (const auto& secret : parsed->secrets)
        redactor.add(secret);
    auto routes = route_candidate(*parsed, scenario.database, Route{"127.0.0.1", 0});
    if (!routes)
        return std::unexpected(routes.error());
    return parsed;
}

int lint(const LintArgs& args) {
    auto scenarios = load_all(args.paths);
    if (!scenarios)
        return k_exit_invalid;
    Redactor redactor;
    int contradictions = 0;
    for (const auto& scenario : *scenarios) {
        for (const auto& secret : scenario.secrets)
            redactor.add(secret);
        for (const auto& candidate : scenario.candidates) {
            auto result = static_check(candidate, scenario, redactor);
            std::string where = candidate.mark.to_string();
            if (result) {
                fmt::print("{}: ok: {}\n", where, candidate.name);
                for (const auto& warning : result->warnings)
                    fmt::print("{}: warning: {}: {}\n", where, candidate.name, redactor.apply(warning));
                continue;
            }
            const Failure& failure = result.error();
            bool expected = !candidate.expect.pass && candidate.expect.category == failure.category;
            if (!expected)
                ++contradictions;
            fmt::print("{}: {}: {}: {} ({}){}\n", where, expected ? "ok" : "error", candidate.name,
                       redactor.apply(failure.message), to_string(failure.category),
                       expected ? ", as the scenario expects" : "");
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
