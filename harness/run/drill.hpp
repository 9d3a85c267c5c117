#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "run/mutations.hpp"
#include "run/outcome.hpp"
#include "scenario/scenario.hpp"
#include "util/redactor.hpp"

namespace stagegate {

// Where a mutant came from: the passing candidate it was made of.
struct MutantOrigin {
    std::size_t scenario = 0; // index into the drilled scenarios
    std::string candidate;    // the original's name
    Mutant mutant;
    std::string same_as; // an expected-to-fail candidate of the scenario with exactly this string
};

// The scenarios to run for a drill: each scenario with its own candidates unchanged (the
// baseline) plus, for every candidate expected to pass, one copy per mutant of its string with
// the same checks, expected to pass where the original is. `origins` lists the mutants in
// order; a mutant candidate is named "<original> ~ <kind>".
struct DrillPlan {
    std::vector<Scenario> scenarios;
    std::vector<MutantOrigin> origins;
    std::vector<std::string> problems; // candidates whose string could not be read: no mutants
};

// Builds the plan; every secret met (also in mutants) is registered with `redactor`.
DrillPlan plan_drill(const std::vector<Scenario>& scenarios, Redactor& redactor);

// One mutant's fate.
struct MutantResult {
    MutantOrigin origin;
    bool killed = false;
    std::string phase;                // where it was caught ("" without maintenance)
    std::optional<Category> category; // how it was caught
    std::string message;              // what the checks said (redacted)
    bool untried = false;             // the run stopped first, or the original itself fails: neither
};

// Reads the run of a plan: a mutant is killed when it failed in any phase the original passes.
struct DrillResult {
    std::vector<MutantResult> mutants;
    std::vector<std::string> baseline_failures; // originals that did not meet their expectations
    std::size_t killed = 0;
    std::size_t survived = 0;
    // Returns killed / (killed + survived) as a percentage rounded to one decimal, 100 with no
    // mutants. Mutants of an original that misses its own expectation count as not run.
    double score() const;
};

DrillResult judge_drill(const DrillPlan& plan, const RunOutcome& outcome, const Redactor& redactor);

// Counts a drill as it runs, for its live progress line: trials (the originals and the mutants,
// in every phase) and the mutants caught so far. A caught mutant is what a drill wants, so it is
// never counted as an expectation not met.
class DrillProgress {
  public:
    // The run's events carry names that passed the secrets boundary: `secrets` cuts the plan's
    // names the same way, so they match.
    DrillProgress(const DrillPlan& plan, const Redactor& secrets);
    // Notes a finished candidate of the `scenario`-th drilled scenario.
    void candidate_finished(std::size_t scenario, const CandidateOutcome& candidate);
    // Returns e.g. "[ 5/21 trials] 2 running; 3 of 18 mutants caught so far".
    std::string text(const Progress& progress) const;

  private:
    std::set<std::pair<std::size_t, std::string>> m_mutants; // (scenario, mutant candidate name)
    std::set<std::pair<std::size_t, std::string>> m_caught;
};

// Renders the kill table for people, and as JSON (format "stagegate-drill/1", docs/drill.md).
std::string drill_text(const DrillResult& result, const DrillPlan& plan);
std::string drill_json(const DrillResult& result, const DrillPlan& plan, const Redactor& redactor);

} // namespace stagegate
