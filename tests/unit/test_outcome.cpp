#include <doctest/doctest.h>

#include "run/outcome.hpp"

#include <csignal>

using namespace stagegate;

namespace {

CandidateOutcome candidate(bool verdict) {
    CandidateOutcome c;
    c.name = verdict ? "met" : "unmet";
    c.verdict = verdict;
    return c;
}

ScenarioOutcome scenario(std::vector<CandidateOutcome> candidates) {
    ScenarioOutcome s;
    s.candidates = std::move(candidates);
    return s;
}

} // namespace

TEST_SUITE("outcome") {
    TEST_CASE("an expectation is met by a pass it expects, or by a failure of the category it expects") {
        Expectation pass;
        Expectation dns{false, Category::dns};
        CHECK(pass.met_by(std::nullopt));
        CHECK_FALSE(pass.met_by(Category::dns));
        CHECK(dns.met_by(Category::dns));
        CHECK_FALSE(dns.met_by(Category::auth));
        CHECK_FALSE(dns.met_by(std::nullopt));
    }

    TEST_CASE("every reason for not trying a candidate has a name and an explanation") {
        for (NotRun reason : {NotRun::interrupted, NotRun::timeout, NotRun::fail_fast, NotRun::scenario_error}) {
            CHECK_FALSE(to_string(reason).empty());
            CHECK_FALSE(explain(reason).empty());
        }
        CHECK(to_string(NotRun::fail_fast) == "fail-fast");
        CHECK(to_string(NotRun::tried).empty());
    }

    TEST_CASE("a scenario failure names its step's place before the message, or gives the message alone") {
        CHECK(ScenarioFailure{{"s.yaml", 4, 3}, "setup step 1 (sql) failed: x"}.to_string() ==
              "s.yaml:4:3: setup step 1 (sql) failed: x");
        CHECK(ScenarioFailure{{}, "PostgreSQL did not start"}.to_string() == "PostgreSQL did not start");
    }

    TEST_CASE("a run where every candidate is as expected exits 0") {
        RunOutcome run;
        run.scenarios = {scenario({candidate(true), candidate(true)}), scenario({candidate(true)})};
        CHECK(run.verdict());
        CHECK(run.exit_code() == 0);
    }

    TEST_CASE("one candidate not as expected exits 1") {
        RunOutcome run;
        run.scenarios = {scenario({candidate(true)}), scenario({candidate(true), candidate(false)})};
        CHECK_FALSE(run.scenarios[1].verdict());
        CHECK_FALSE(run.verdict());
        CHECK(run.exit_code() == 1);
    }

    TEST_CASE("an infrastructure error exits 3 even beside unmet candidates") {
        RunOutcome run;
        run.scenarios = {scenario({candidate(false)}), scenario({})};
        run.scenarios[1].error = ScenarioFailure{{}, "PostgreSQL did not start"};
        CHECK_FALSE(run.scenarios[1].verdict());
        CHECK(run.exit_code() == 3);
    }

    TEST_CASE("an interrupted run exits 128 plus the signal") {
        RunOutcome run;
        run.scenarios = {scenario({candidate(true)})};
        run.signal = SIGINT;
        CHECK(run.exit_code() == 130);
        run.signal = SIGTERM;
        run.scenarios[0].error = ScenarioFailure{{}, "interrupted"};
        CHECK(run.exit_code() == 143);
    }

    TEST_CASE("check statuses have their report names") {
        CHECK(to_string(CheckOutcome::Status::pass) == "pass");
        CHECK(to_string(CheckOutcome::Status::fail) == "fail");
        CHECK(to_string(CheckOutcome::Status::skipped) == "skipped");
    }
}
