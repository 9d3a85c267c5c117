#include "report/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace stagegate {

namespace {

using json = nlohmann::ordered_json; // keys in the order of the v1 contract

json category_json(const std::optional<Category>& category) {
    return category ? json(std::string(to_string(*category))) : json(nullptr);
}

json candidate_json(const CandidateOutcome& candidate) {
    json checks = json::array();
    for (const auto& check : candidate.checks) {
        checks.push_back({{"check", check.check},
                          {"layer", check.layer},
                          {"outcome", std::string(to_string(check.status))},
                          {"category", category_json(check.category)},
                          {"elapsed_ms", check.elapsed.count()}});
    }
    json translation = json::array();
    for (const auto& line : candidate.translation)
        translation.push_back(line);
    json warnings = json::array();
    for (const auto& line : candidate.warnings)
        warnings.push_back(line);
    return {{"name", candidate.name},
            {"phase", candidate.phase.empty() ? json(nullptr) : json(candidate.phase)},
            {"driver", candidate.driver},
            {"expected", candidate.expected.to_string()},
            {"outcome", candidate.passed ? "pass" : "fail"},
            {"category", category_json(candidate.category)},
            {"verdict", candidate.verdict ? "pass" : "fail"},
            {"message", candidate.message},
            {"hint", candidate.hint},
            {"elapsed_ms", candidate.elapsed.count()},
            {"tls", candidate.tls.empty() ? json(nullptr) : json(candidate.tls)},
            {"translation", translation},
            {"warnings", warnings},
            {"origin", candidate.origin.file.empty() ? json(nullptr) : json(candidate.origin.to_string())},
            {"not_run", candidate.tried() ? json(nullptr) : json(to_string(candidate.not_run))},
            {"checks", checks}};
}

} // namespace

std::string json_report(const RunOutcome& outcome) {
    json scenarios = json::array();
    for (const auto& scenario : outcome.scenarios) {
        json candidates = json::array();
        for (const auto& candidate : scenario.candidates)
            candidates.push_back(candidate_json(candidate));
        json maintenance = json::array();
        for (const auto& step : scenario.maintenance)
            maintenance.push_back({{"step", step.step},
                                   {"outcome", step.ok ? "done" : "fail"},
                                   {"result", step.result},
                                   {"elapsed_ms", step.elapsed.count()}});
        scenarios.push_back(
            {{"file", scenario.file},
             {"scenario", scenario.name},
             {"verdict", scenario.verdict() ? "pass" : "fail"},
             {"error", scenario.error ? json(scenario.error->to_string()) : json(nullptr)},
             {"server", scenario.server.empty() ? json(nullptr) : json(scenario.server)},
             {"client_environment", scenario.client_environment.empty() ? "isolated" : scenario.client_environment},
             {"maintenance", maintenance},
             {"candidates", candidates}});
    }
    json stopped = outcome.signal != 0     ? json("interrupted")
                   : outcome.timed_out     ? json("timeout")
                   : outcome.stopped_early ? json("fail-fast")
                                           : json(nullptr);
    json report = {{"format", "stagegate-report/1"},
                   {"verdict", outcome.verdict() && outcome.signal == 0 && !outcome.timed_out ? "pass" : "fail"},
                   {"exit_code", outcome.exit_code()},
                   {"stopped", stopped},
                   {"scenarios", scenarios}};
    // Invalid UTF-8 from a server is replaced, never a lost report.
    return report.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace stagegate
