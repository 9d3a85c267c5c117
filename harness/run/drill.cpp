#include "run/drill.hpp"

#include "run/candidate_runner.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace stagegate {

namespace {

constexpr std::string_view k_separator = " ~ ";

std::string mutant_name(const std::string& original, const Mutant& mutant) {
    return fmt::format("{}{}{}", original, k_separator, mutant.kind);
}

// Returns the expectation a mutant keeps: pass where the original passes, nothing elsewhere.
std::optional<Expectation> passing(const std::optional<Expectation>& expect) {
    if (expect && expect->pass)
        return expect;
    return std::nullopt;
}

} // namespace

double DrillResult::score() const {
    std::size_t judged = killed + survived;
    double exact = judged == 0 ? 100.0 : 100.0 * static_cast<double>(killed) / static_cast<double>(judged);
    return std::round(exact * 10) / 10; // as printed, so --min-score compares what people read
}

DrillPlan plan_drill(const std::vector<Scenario>& scenarios, Redactor& redactor) {
    DrillPlan plan;
    for (std::size_t index = 0; index < scenarios.size(); ++index) {
        Scenario drilled = scenarios[index];
        const Scenario& original = scenarios[index];
        for (const auto& secret : original.secrets)
            redactor.add(secret);
        std::string protocol(protocol_of(original.database.engine));
        // Strings the scenario already expects to fail: a mutant equal to one is a typo seen before.
        std::map<std::string, std::string> failing;
        for (const auto& candidate : original.candidates) {
            bool fails = original.maintenance.empty() ? !candidate.expect.pass
                                                      : (candidate.phases.after && !candidate.phases.after->pass);
            if (!fails)
                continue;
            if (auto text = candidate_text(candidate, protocol))
                failing.emplace(text->text, candidate.name);
        }
        for (const auto& candidate : original.candidates) {
            std::optional<Expectation> plain = original.maintenance.empty() ? passing(candidate.expect) : std::nullopt;
            Phases phases{passing(candidate.phases.before), passing(candidate.phases.after)};
            if (!plain && !phases.before && !phases.after)
                continue;
            auto read = read_candidate(candidate, protocol, redactor);
            if (!read && read.error().step == PipelineStep::source) {
                plan.problems.push_back(fmt::format("{}: {}: its string cannot be read, so it has no mutants: {}",
                                                    candidate.mark.to_string(), candidate.name,
                                                    redactor.apply(read.error().failure.message)));
                continue;
            }
            if (!read) {
                plan.problems.push_back(fmt::format("{}: {}: {} cannot read its string, so it has no mutants",
                                                    candidate.mark.to_string(), candidate.name, candidate.driver));
                continue;
            }
            const Driver* driver = read->driver;
            const ParsedCandidate* parsed = &read->parsed;
            const CandidateText* text = &read->text;
            auto mutants = mutate(*driver, *parsed, text->text);
            if (!mutants) {
                plan.problems.push_back(fmt::format("{}: {}: {}, so it has no mutants", candidate.mark.to_string(),
                                                    candidate.name, mutants.error()));
                continue;
            }
            for (auto& mutant : *mutants) {
                if (auto mutant_read = driver->parse(mutant.text))
                    for (const auto& secret : mutant_read->secrets)
                        redactor.add(secret);
                Candidate copy = candidate;
                copy.name = mutant_name(candidate.name, mutant);
                copy.source = CandidateSource{};
                copy.source.url = mutant.text;
                copy.source.mark = candidate.source.mark;
                copy.expect = plain.value_or(Expectation{});
                copy.phases = phases;
                drilled.candidates.push_back(std::move(copy));
                MutantOrigin origin{index, candidate.name, std::move(mutant), ""};
                if (auto seen = failing.find(origin.mutant.text); seen != failing.end())
                    origin.same_as = seen->second;
                plan.origins.push_back(std::move(origin));
            }
        }
        plan.scenarios.push_back(std::move(drilled));
    }
    return plan;
}

DrillResult judge_drill(const DrillPlan& plan, const RunOutcome& outcome, const Redactor& redactor) {
    DrillResult result;
    // Outcomes by scenario and candidate name, every phase.
    std::vector<std::multimap<std::string, const CandidateOutcome*>> by_name(outcome.scenarios.size());
    for (std::size_t i = 0; i < outcome.scenarios.size(); ++i)
        for (const auto& candidate : outcome.scenarios[i].candidates)
            by_name[i].emplace(candidate.name, &candidate);
    std::map<std::size_t, std::size_t> originals; // scenario -> how many candidates it had before mutants
    for (std::size_t i = 0; i < plan.scenarios.size(); ++i) {
        std::size_t mutants = std::count_if(plan.origins.begin(), plan.origins.end(),
                                            [&](const MutantOrigin& origin) { return origin.scenario == i; });
        originals[i] = plan.scenarios[i].candidates.size() - mutants;
    }
    // Originals that miss their own expectation: their mutants prove nothing either way.
    std::set<std::pair<std::size_t, std::string>> failing;
    for (std::size_t i = 0; i < outcome.scenarios.size() && i < plan.scenarios.size(); ++i) {
        const ScenarioOutcome& scenario = outcome.scenarios[i];
        if (scenario.error)
            result.baseline_failures.push_back(fmt::format("{}: the scenario could not run: {}", scenario.name,
                                                           redactor.apply(scenario.error->to_string())));
        for (std::size_t c = 0; c < originals[i]; ++c) {
            const std::string& name = plan.scenarios[i].candidates[c].name;
            // The outcome's names passed the secrets boundary: look them up the same way.
            auto [first, last] = by_name[i].equal_range(redactor.apply(name));
            for (auto it = first; it != last; ++it) {
                const CandidateOutcome& candidate = *it->second;
                if (candidate.verdict || !candidate.tried())
                    continue;
                failing.insert({i, name});
                result.baseline_failures.push_back(fmt::format(
                    "{} › {}{}: expected {}, got {}: {}", scenario.name, name,
                    candidate.phase.empty() ? "" : " (" + candidate.phase + ")", candidate.expected.to_string(),
                    candidate.passed ? "pass" : fmt::format("fail:{}", to_string(*candidate.category)),
                    redactor.apply(candidate.message)));
            }
        }
    }
    for (const auto& origin : plan.origins) {
        MutantResult judged;
        judged.origin = origin;
        if (origin.scenario < by_name.size()) {
            auto [first, last] =
                by_name[origin.scenario].equal_range(redactor.apply(mutant_name(origin.candidate, origin.mutant)));
            for (auto it = first; it != last; ++it) {
                const CandidateOutcome& candidate = *it->second;
                if (!candidate.tried()) {
                    judged.untried = !judged.killed;
                } else if (!candidate.passed && !judged.killed) {
                    judged.killed = true;
                    judged.untried = false;
                    judged.phase = candidate.phase;
                    judged.category = candidate.category;
                    judged.message = redactor.apply(candidate.message);
                }
            }
            if (first == last)
                judged.untried = true;
        }
        if (failing.contains({origin.scenario, origin.candidate})) {
            judged.killed = false;
            judged.untried = true;
            judged.category.reset();
            judged.message.clear();
        }
        if (judged.killed)
            ++result.killed;
        else if (!judged.untried)
            ++result.survived;
        result.mutants.push_back(std::move(judged));
    }
    return result;
}

DrillProgress::DrillProgress(const DrillPlan& plan, const Redactor& secrets) {
    for (const auto& origin : plan.origins)
        m_mutants.emplace(origin.scenario, secrets.apply(mutant_name(origin.candidate, origin.mutant)));
}

void DrillProgress::candidate_finished(std::size_t scenario, const CandidateOutcome& candidate) {
    std::pair<std::size_t, std::string> key{scenario, candidate.name};
    if (!candidate.passed && candidate.tried() && m_mutants.contains(key))
        m_caught.insert(std::move(key));
}

std::string DrillProgress::text(const Progress& progress) const {
    return fmt::format("[{:>{}}/{} trials] {} running; {} of {} mutant{} caught so far", progress.done,
                       fmt::to_string(progress.total).size(), progress.total, progress.running, m_caught.size(),
                       m_mutants.size(), m_mutants.size() == 1 ? "" : "s");
}

std::string drill_text(const DrillResult& result, const DrillPlan& plan) {
    std::string out;
    std::size_t untried = std::count_if(result.mutants.begin(), result.mutants.end(),
                                        [](const MutantResult& mutant) { return mutant.untried; });
    std::string last_scenario;
    std::string last_candidate;
    for (const auto& mutant : result.mutants) {
        const Scenario& scenario = plan.scenarios[mutant.origin.scenario];
        if (scenario.name != last_scenario) {
            out += fmt::format("\n{}  ({})\n", scenario.name, scenario.file.string());
            last_scenario = scenario.name;
            last_candidate.clear();
        }
        if (mutant.origin.candidate != last_candidate) {
            out += fmt::format("  {}\n", mutant.origin.candidate);
            last_candidate = mutant.origin.candidate;
        }
        std::string fate = mutant.untried ? "NOT RUN " : mutant.killed ? "KILLED  " : "SURVIVED";
        std::string how;
        if (mutant.killed)
            how = fmt::format("caught as {}{}", to_string(*mutant.category),
                              mutant.phase.empty() ? "" : " (" + mutant.phase + ")");
        out += fmt::format("    {}  {:<18} {:<60} {}\n", fate, mutant.origin.mutant.kind,
                           mutant.origin.mutant.description, how);
        if (!mutant.origin.same_as.empty())
            out += fmt::format("              the typo of \"{}\", which the scenario expects to fail\n",
                               mutant.origin.same_as);
        if (!mutant.killed && !mutant.untried)
            out += fmt::format("              would be caught by: {}\n", mutant.origin.mutant.catches);
    }
    for (const auto& problem : plan.problems)
        out += fmt::format("\nwarning: {}\n", problem);
    if (!result.baseline_failures.empty()) {
        out += "\nthe drill needs the scenarios to meet their own expectations first; these did not:\n";
        for (const auto& failure : result.baseline_failures)
            out += fmt::format("  {}\n", failure);
    }
    out += fmt::format("\ndrill: {} mutant{}, {} killed, {} survived{}: score {:.1f}%\n", result.mutants.size(),
                       result.mutants.size() == 1 ? "" : "s", result.killed, result.survived,
                       untried ? fmt::format(", {} not run", untried) : "", result.score());
    return out;
}

std::string drill_json(const DrillResult& result, const DrillPlan& plan, const Redactor& redactor) {
    using json = nlohmann::ordered_json;
    json mutants = json::array();
    for (const auto& mutant : result.mutants) {
        const Scenario& scenario = plan.scenarios[mutant.origin.scenario];
        mutants.push_back(
            {{"scenario", scenario.name},
             {"file", scenario.file.string()},
             {"candidate", mutant.origin.candidate},
             {"kind", mutant.origin.mutant.kind},
             {"field", mutant.origin.mutant.field},
             {"description", mutant.origin.mutant.description},
             {"outcome", mutant.untried  ? "not-run"
                         : mutant.killed ? "killed"
                                         : "survived"},
             {"phase", mutant.phase.empty() ? json(nullptr) : json(mutant.phase)},
             {"category", mutant.category ? json(std::string(to_string(*mutant.category))) : json(nullptr)},
             {"message", mutant.killed ? json(mutant.message) : json(nullptr)},
             {"catches", mutant.killed ? json(nullptr) : json(mutant.origin.mutant.catches)},
             {"same_as", mutant.origin.same_as.empty() ? json(nullptr) : json(mutant.origin.same_as)}});
    }
    json report = {{"format", "stagegate-drill/1"},
                   {"score", result.score()},
                   {"killed", result.killed},
                   {"survived", result.survived},
                   {"baseline_failures", result.baseline_failures},
                   {"problems", plan.problems},
                   {"mutants", mutants}};
    return redactor.apply(report.dump(2, ' ', false, json::error_handler_t::replace)) + "\n";
}

} // namespace stagegate
