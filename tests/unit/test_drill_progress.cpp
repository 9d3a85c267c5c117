#include <doctest/doctest.h>

#include "run/drill.hpp"

#include <string>

using namespace stagegate;

namespace {

MutantOrigin origin(std::size_t scenario, std::string candidate, std::string kind) {
    MutantOrigin made;
    made.scenario = scenario;
    made.candidate = std::move(candidate);
    made.mutant.kind = std::move(kind);
    return made;
}

// A plan of two scenarios: one original with two mutants in the first, one mutant in the second.
DrillPlan plan_of_three_mutants() {
    DrillPlan plan;
    plan.scenarios.resize(2);
    plan.origins.push_back(origin(0, "app", "host-drop"));
    plan.origins.push_back(origin(0, "app", "port-plus-one"));
    plan.origins.push_back(origin(1, "worker", "host-drop"));
    return plan;
}

CandidateOutcome finished(std::string name, bool passed) {
    CandidateOutcome candidate;
    candidate.name = std::move(name);
    candidate.passed = passed;
    candidate.verdict = passed; // a mutant expects to pass, so a caught one "misses" its expectation
    return candidate;
}

} // namespace

TEST_SUITE("drill progress") {
    TEST_CASE("counts trials as trials and caught mutants as caught, never as not as expected") {
        DrillProgress counts(plan_of_three_mutants(), Redactor());
        counts.candidate_finished(0, finished("app", true));
        counts.candidate_finished(0, finished("app ~ host-drop", false));
        counts.candidate_finished(0, finished("app ~ port-plus-one", true));
        Progress progress{3, 5, 2, 1};
        std::string text = counts.text(progress);
        CHECK(text == "[3/5 trials] 2 running; 1 of 3 mutants caught so far");
        CHECK(text.find("not as expected") == std::string::npos);
    }

    TEST_CASE("an original that fails is not a caught mutant, nor is a mutant never tried") {
        DrillProgress counts(plan_of_three_mutants(), Redactor());
        counts.candidate_finished(0, finished("app", false));
        CandidateOutcome untried = finished("app ~ host-drop", false);
        untried.not_run = NotRun::interrupted;
        counts.candidate_finished(0, untried);
        // The same name in another scenario is another candidate.
        counts.candidate_finished(1, finished("app ~ port-plus-one", false));
        CHECK(counts.text(Progress{3, 5, 0, 0}) == "[3/5 trials] 0 running; 0 of 3 mutants caught so far");
    }

    TEST_CASE("names that passed the secrets boundary still match the plan's") {
        Redactor secrets;
        secrets.add("worker"); // a password that happens to be a candidate's name
        DrillProgress counts(plan_of_three_mutants(), secrets);
        CandidateOutcome caught = finished("worker ~ host-drop", false);
        redact(caught, secrets); // as the executor hands it to the drill's observer
        REQUIRE(caught.name == "******** ~ host-drop");
        counts.candidate_finished(1, caught);
        CHECK(counts.text(Progress{1, 6, 0, 0}) == "[1/6 trials] 0 running; 1 of 3 mutants caught so far");
    }

    TEST_CASE("a mutant caught in both phases of a maintenance counts once") {
        DrillProgress counts(plan_of_three_mutants(), Redactor());
        counts.candidate_finished(1, finished("worker ~ host-drop", false));
        counts.candidate_finished(1, finished("worker ~ host-drop", false));
        CHECK(counts.text(Progress{2, 12, 0, 0}) == "[ 2/12 trials] 0 running; 1 of 3 mutants caught so far");
    }
}
