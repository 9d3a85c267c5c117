#pragma once

// How doctest prints stagegate values in failed checks, so a wrong category reads as its report
// name ("auth", "none") instead of a number or {?}.

#include <doctest/doctest.h>

#include <expected>
#include <optional>
#include <string>

#include "run/candidate_runner.hpp"
#include "run/outcome.hpp"
#include "stagegate/failure.hpp"

namespace stagegate {

// Found by doctest through argument-dependent lookup; doctest prints enums as numbers otherwise.
inline doctest::String toString(Category category) {
    return std::string(to_string(category)).c_str();
}

inline doctest::String toString(CheckOutcome::Status status) {
    return std::string(to_string(status)).c_str();
}

// Returns why `result` failed, or "" when it holds a value. Safe in a check's message, which
// doctest also prints for passing checks (-s), when error() would be undefined.
template <typename T> std::string why(const Result<T>& result) {
    return result ? std::string() : result.error().message;
}

template <typename T> std::string why(const std::expected<T, std::string>& result) {
    return result ? std::string() : result.error();
}

} // namespace stagegate

namespace doctest {

template <> struct StringMaker<std::optional<stagegate::Category>> {
    static String convert(const std::optional<stagegate::Category>& category) {
        return category ? stagegate::toString(*category) : String("none");
    }
};

} // namespace doctest

namespace stagegate {

// Tries `candidate` alone against `database` (no maintenance), as the runner does.
inline CandidateOutcome run_alone(const Candidate& candidate, const Database& database, const Route& route,
                                  Redactor& redactor) {
    Scenario scenario;
    scenario.database = database;
    scenario.candidates.push_back(candidate);
    TrialContext context{scenario, database.answers_as, route, std::nullopt, database.access.require_tls, redactor,
                         nullptr};
    return run_candidate(candidate, candidate.expect, "", context);
}

} // namespace stagegate
