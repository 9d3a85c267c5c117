#include "run/outcome.hpp"

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

} // namespace stagegate
