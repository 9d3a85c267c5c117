#include <doctest/doctest.h>

#include "canary.hpp"
#include "report/github.hpp"
#include "support.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

using namespace stagegate;
using namespace stagegate::test;

namespace {

CheckOutcome check(std::string label, CheckOutcome::Status status, std::optional<Category> category = std::nullopt) {
    return CheckOutcome{std::move(label), "data", status, category, Millis(1), {}};
}

CandidateOutcome passing(std::string name, int line) {
    CandidateOutcome c;
    c.name = std::move(name);
    c.driver = "libpq";
    c.passed = true;
    c.verdict = true;
    c.message = "every check passed";
    c.mark = {"scenarios/users.yaml", line, 5};
    c.checks = {check("connect", CheckOutcome::Status::pass)};
    return c;
}

// Expected to pass, failed on an unknown host.
CandidateOutcome typo() {
    CandidateOutcome c = passing("DATABASE_URL as edited", 22);
    c.passed = false;
    c.verdict = false;
    c.category = Category::dns;
    c.message = "host db-prmary is unknown; did you mean db-primary?";
    c.hint = "fix the host name in the connection string";
    c.checks = {check("connect", CheckOutcome::Status::fail, Category::dns)};
    return c;
}

// Refused at login, as expected: no annotation.
CandidateOutcome old_password() {
    CandidateOutcome c = passing("password from before the rotation", 15);
    c.expected = Expectation{false, Category::auth};
    c.passed = false;
    c.category = Category::auth;
    c.message = "password authentication failed for user \"app\"";
    c.checks = {check("connect", CheckOutcome::Status::fail, Category::auth)};
    return c;
}

CandidateOutcome untried(std::string name, int line, NotRun why) {
    CandidateOutcome c = passing(std::move(name), line);
    c.passed = false;
    c.verdict = false;
    c.message.clear();
    c.not_run = why;
    c.checks = {check("connect", CheckOutcome::Status::skipped)};
    return c;
}

RunOutcome run_of(std::vector<CandidateOutcome> candidates, std::optional<ScenarioFailure> error = std::nullopt) {
    ScenarioOutcome s;
    s.file = "scenarios/users.yaml";
    s.name = "user service";
    s.candidates = std::move(candidates);
    s.error = std::move(error);
    RunOutcome run;
    run.scenarios.push_back(s);
    return run;
}

// Returns `text` as the runner reads it back: the workflow command escapes undone.
std::string unescaped(std::string text) {
    for (const auto& [escape, plain] :
         {std::pair{"%3A", ":"}, {"%2C", ","}, {"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}}) {
        for (auto at = text.find(escape); at != std::string::npos; at = text.find(escape, at + 1))
            text.replace(at, 3, plain);
    }
    return text;
}

} // namespace

TEST_SUITE("github_annotations") {
    TEST_CASE("a run where everything met its expectation has no annotations") {
        CHECK(github_annotations(run_of({passing("DATABASE_URL corrected", 8), old_password()})) == "");
        CHECK(github_annotations(RunOutcome{}) == "");
    }

    TEST_CASE("a failed candidate points at the candidate in the scenario file") {
        CHECK(github_annotations(run_of({passing("DATABASE_URL corrected", 8), typo()})) ==
              "::error file=scenarios/users.yaml,line=22,col=5,title=stagegate%3A user service › DATABASE_URL as "
              "edited::host db-prmary is unknown; did you mean db-primary?%0Ahint: fix the host name in the "
              "connection string\n");
    }

    TEST_CASE("a failed candidate points at the config file line its string came from when there is one") {
        CandidateOutcome c = typo();
        c.origin = {"config/app.env", 3, 14};
        CHECK(github_annotations(run_of({c})) ==
              "::error file=config/app.env,line=3,col=14,title=stagegate%3A user service › DATABASE_URL as "
              "edited::host db-prmary is unknown; did you mean db-primary?%0Ahint: fix the host name in the "
              "connection string%0Acandidate: scenarios/users.yaml:22:5\n");
    }

    TEST_CASE("an unexpected pass is an error") {
        CandidateOutcome c = passing("reporting user on the replica", 29);
        c.expected = Expectation{false, Category::permission};
        c.verdict = false;
        c.message = "expected to fail with permission, but every check passed";
        c.phase = "after";
        CHECK(github_annotations(run_of({c})) ==
              "::error file=scenarios/users.yaml,line=29,col=5,title=stagegate%3A user service › reporting user on "
              "the replica [after]::expected to fail with permission, but every check passed\n");
    }

    TEST_CASE("a scenario error points at the step it names") {
        RunOutcome run = run_of({untried("DATABASE_URL corrected", 8, NotRun::scenario_error)},
                                ScenarioFailure{{"scenarios/users.yaml", 4, 3},
                                                "setup step 1 (sql) failed: relation \"accounts\" does not exist"});
        CHECK(github_annotations(run) ==
              "::error file=scenarios/users.yaml,line=4,col=3,title=stagegate%3A user service::setup step 1 (sql) "
              "failed: relation \"accounts\" does not exist\n");
    }

    TEST_CASE("a scenario error without a position points at the scenario file's first line") {
        RunOutcome run = run_of(
            {}, ScenarioFailure{{}, "PostgreSQL did not start within 30 s\nlog: FATAL: data directory is locked"});
        CHECK(github_annotations(run) ==
              "::error file=scenarios/users.yaml,line=1,title=stagegate%3A user service::PostgreSQL did not start "
              "within 30 s%0Alog: FATAL: data directory is locked\n");
    }

    TEST_CASE("candidates left untried are warnings, except under fail-fast") {
        RunOutcome run =
            run_of({untried("billing url", 6, NotRun::interrupted), untried("billing pool", 12, NotRun::timeout),
                    untried("fallback url", 18, NotRun::fail_fast)});
        run.signal = SIGTERM;
        CHECK(github_annotations(run) ==
              "::warning file=scenarios/users.yaml,line=6,col=5,title=stagegate%3A user service › billing url::not "
              "run: interrupted by SIGTERM\n"
              "::warning file=scenarios/users.yaml,line=12,col=5,title=stagegate%3A user service › billing pool::not "
              "run: the run's --timeout passed\n");
    }

    TEST_CASE("percent signs and line breaks are escaped everywhere, colons and commas in properties") {
        CandidateOutcome c = typo();
        c.name = "50%, then: 100%";
        c.message = "a: b, c%\r\nnext";
        c.hint.clear();
        c.origin = {"config/a,b:c%.env", 7, 2};
        c.mark.file.clear();
        RunOutcome run = run_of({c});
        run.scenarios[0].name = "x\ny";
        CHECK(github_annotations(run) ==
              "::error file=config/a%2Cb%3Ac%25.env,line=7,col=2,title=stagegate%3A x%0Ay › 50%25%2C then%3A "
              "100%25::a: b, c%25%0D%0Anext\n");
    }

    TEST_CASE("no form of a secret survives") {
        Redactor redactor;
        redactor.add(k_canary);
        std::vector<CandidateOutcome> candidates;
        for (const auto& form : k_canary_forms) {
            CandidateOutcome c = typo();
            c.name = fmt::format("candidate {} {}", form.name, form.text);
            c.message = fmt::format("password={} failed", form.text);
            c.hint = fmt::format("the URI was postgresql://app:{}@db/users", form.text);
            c.origin = {fmt::format("config/{}.env", form.text), 3, 1};
            candidates.push_back(c);
            candidates.push_back(untried(c.name, 9, NotRun::interrupted));
        }
        RunOutcome run = run_of(candidates, ScenarioFailure{{std::string(k_canary), 1, 1},
                                                            fmt::format("setup failed: {}", k_canary_forms[5].text)});
        run.scenarios[0].name = std::string(k_canary);
        std::string text = github_annotations(redacted(run, redactor));
        REQUIRE(text.find("candidate XML-escaped") != std::string::npos);
        CHECK(canary_form_in(text) == "");
        CHECK(canary_form_in(unescaped(text)) == "");
    }

    TEST_CASE("a secret that spells a command word does not break the command") {
        Redactor redactor;
        for (const char* secret : {"error", "file", "line", "title", "25"})
            redactor.add(secret);
        CandidateOutcome c = typo();
        c.message = "error in file at line 3: 100% title";
        std::string text = github_annotations(redacted(run_of({c}), redactor));
        CHECK(text.starts_with("::error file=scenarios/users.yaml,line=22,col=5,title=stagegate%3A user service › "
                               "DATABASE_URL as edited::"));
        // The values are cut before the command is written: the command's own words and escapes
        // (%25) stay, so the command is whole.
        CHECK(text.ends_with("::******** in ******** at ******** 3: 100%25 ********%0Ahint: fix the host name in the "
                             "connection string\n"));
    }

    TEST_CASE("running under GitHub Actions means GITHUB_ACTIONS=true") {
        {
            ScopedEnv value("GITHUB_ACTIONS", "true");
            CHECK(running_under_github_actions());
        }
        {
            ScopedEnv value("GITHUB_ACTIONS", "false");
            CHECK_FALSE(running_under_github_actions());
        }
        {
            ScopedEnv value("GITHUB_ACTIONS", "TRUE");
            CHECK_FALSE(running_under_github_actions());
        }
        {
            ScopedEnv value("GITHUB_ACTIONS", nullptr);
            CHECK_FALSE(running_under_github_actions());
        }
    }
}
