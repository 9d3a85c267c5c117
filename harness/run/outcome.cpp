#include "run/outcome.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace stagegate {

std::string_view to_string(CheckOutcome::Status status) {
    switch (status) {
    case CheckOutcome::Status::pass:
        return "pass";
    case CheckOutcome::Status::fail:
        return "fail";
    case CheckOutcome::Status::skipped:
        return "skipped";
    }
    return "skipped";
}

std::string_view to_string(NotRun reason) {
    switch (reason) {
    case NotRun::tried:
        return "";
    case NotRun::interrupted:
        return "interrupted";
    case NotRun::timeout:
        return "timeout";
    case NotRun::fail_fast:
        return "fail-fast";
    case NotRun::scenario_error:
        return "scenario-error";
    }
    return "";
}

std::string_view explain(NotRun reason) {
    switch (reason) {
    case NotRun::tried:
        return "";
    case NotRun::interrupted:
        return "the run was interrupted";
    case NotRun::timeout:
        return "the run's --timeout passed";
    case NotRun::fail_fast:
        return "--fail-fast stopped the run after an earlier failure";
    case NotRun::scenario_error:
        return "the scenario's server or setup failed";
    }
    return "";
}

std::string ScenarioFailure::to_string() const {
    return mark.file.empty() ? message : fmt::format("{}: {}", mark.to_string(), message);
}

bool ScenarioOutcome::verdict() const {
    if (error)
        return false;
    return std::all_of(candidates.begin(), candidates.end(), [](const auto& c) { return c.verdict; });
}

bool RunOutcome::verdict() const {
    return std::all_of(scenarios.begin(), scenarios.end(), [](const auto& s) { return s.verdict(); });
}

int RunOutcome::exit_code() const {
    if (signal != 0)
        return 128 + signal;
    if (timed_out || std::any_of(scenarios.begin(), scenarios.end(), [](const auto& s) { return s.error.has_value(); }))
        return 3;
    return verdict() ? 0 : 1;
}

namespace {

// Cuts the secrets of `text`, also one split by characters a writer drops (XML 1.0 cannot carry
// most control characters: the JUnit writer leaves them out, which would join the pieces).
void cut(std::string& text, const Redactor& redactor) {
    text = redactor.apply(text);
    std::string joined = xml_sanitized(text);
    if (std::string cut_joined = redactor.apply(joined); cut_joined != joined)
        text = std::move(cut_joined);
}

void cut(std::vector<std::string>& texts, const Redactor& redactor) {
    for (auto& text : texts)
        cut(text, redactor);
}

void cut(SourceMark& mark, const Redactor& redactor) {
    cut(mark.file, redactor);
}

} // namespace

void redact(CheckOutcome& check, const Redactor& redactor) {
    cut(check.check, redactor); // check.layer is stagegate's own word
    cut(check.message, redactor);
}

void redact(CandidateOutcome& candidate, const Redactor& redactor) {
    cut(candidate.name, redactor); // candidate.phase is stagegate's own word
    cut(candidate.driver, redactor);
    cut(candidate.message, redactor);
    cut(candidate.hint, redactor);
    for (auto& check : candidate.checks)
        redact(check, redactor);
    cut(candidate.tls, redactor);
    cut(candidate.translation, redactor);
    cut(candidate.warnings, redactor);
    cut(candidate.mark, redactor);
    cut(candidate.origin, redactor);
}

void redact(StepOutcome& step, const Redactor& redactor) {
    cut(step.step, redactor);
    cut(step.result, redactor);
    cut(step.mark, redactor);
}

void redact(ScenarioOutcome& scenario, const Redactor& redactor, bool parts) {
    cut(scenario.file, redactor);
    cut(scenario.name, redactor);
    cut(scenario.server, redactor);
    if (scenario.error) {
        cut(scenario.error->mark, redactor);
        cut(scenario.error->message, redactor);
    }
    cut(scenario.client_environment, redactor);
    cut(scenario.answers_as, redactor);
    if (!parts)
        return;
    for (auto& step : scenario.maintenance)
        redact(step, redactor);
    for (auto& candidate : scenario.candidates)
        redact(candidate, redactor);
}

void redact(RunOutcome& run, const Redactor& redactor) {
    for (auto& scenario : run.scenarios)
        redact(scenario, redactor, true);
}

} // namespace stagegate
