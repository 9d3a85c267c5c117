#include <doctest/doctest.h>

#include "canary.hpp"
#include "report/json.hpp"
#include "support.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <set>
#include <string>

using namespace stagegate;
using namespace stagegate::test;
using nlohmann::json;

namespace {

CheckOutcome check(std::string label, CheckOutcome::Status status, std::optional<Category> category, long ms) {
    return CheckOutcome{std::move(label), "data", status, category, Millis(ms), {}};
}

// A candidate that connected and ran its query, as expected.
CandidateOutcome corrected() {
    CandidateOutcome c;
    c.name = "DATABASE_URL corrected";
    c.driver = "libpq";
    c.expected = Expectation{true, Category::server};
    c.passed = true;
    c.verdict = true;
    c.message = "connected and ran 1 query";
    c.elapsed = Millis(41);
    c.tls = "TLSv1.3 (TLS_AES_256_GCM_SHA384)";
    c.checks = {check("connect", CheckOutcome::Status::pass, std::nullopt, 12),
                check("query: SELECT 1", CheckOutcome::Status::pass, std::nullopt, 3)};
    return c;
}

// A candidate refused at login, as the scenario expected.
CandidateOutcome old_password() {
    CandidateOutcome c;
    c.name = "password from before the rotation";
    c.driver = "libpq";
    c.expected = Expectation{false, Category::auth};
    c.passed = false;
    c.category = Category::auth;
    c.verdict = true;
    c.message = "password authentication failed for user \"app\"";
    c.hint = "check the user name and password (was it rotated?)";
    c.elapsed = Millis(7);
    c.checks = {check("connect", CheckOutcome::Status::fail, Category::auth, 7),
                check("query: SELECT 1", CheckOutcome::Status::skipped, std::nullopt, 0)};
    return c;
}

// A candidate expected to pass that failed on an unknown host.
CandidateOutcome typo() {
    CandidateOutcome c;
    c.name = "DATABASE_URL as edited";
    c.driver = "libpq";
    c.expected = Expectation{true, Category::server};
    c.passed = false;
    c.category = Category::dns;
    c.verdict = false;
    c.message = "host db-prmary is unknown; did you mean db-primary?";
    c.hint = "fix the host name in the connection string";
    c.elapsed = Millis(0);
    c.checks = {check("connect", CheckOutcome::Status::fail, Category::dns, 0)};
    return c;
}

ScenarioOutcome scenario(std::vector<CandidateOutcome> candidates) {
    ScenarioOutcome s;
    s.file = "scenarios/users.yaml";
    s.name = "user service";
    s.server = "PostgreSQL 15";
    s.candidates = std::move(candidates);
    return s;
}

json report_of(const RunOutcome& outcome) {
    std::string text = json_report(outcome);
    CHECK(text.ends_with("}\n"));
    return json::parse(text);
}

std::set<std::string> keys_of(const json& object) {
    std::set<std::string> keys;
    for (const auto& [key, value] : object.items())
        keys.insert(key);
    return keys;
}

// Returns every string in `value`, keys included, decoded.
void strings_in(const json& value, std::vector<std::string>& out) {
    if (value.is_string())
        out.push_back(value.get<std::string>());
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            out.push_back(key);
            strings_in(item, out);
        }
    }
    if (value.is_array()) {
        for (const auto& item : value)
            strings_in(item, out);
    }
}

// A run whose messages, hints, check labels and error hold the canary in each of its forms.
RunOutcome canary_outcome() {
    std::vector<CandidateOutcome> candidates;
    for (const auto& form : k_canary_forms) {
        CandidateOutcome c = typo();
        c.name = "candidate " + std::string(form.name);
        c.message = "password=" + std::string(form.text) + " failed";
        c.hint = "the URI was postgresql://app:" + std::string(form.text) + "@db/users";
        c.checks = {
            check("query: SELECT '" + std::string(form.text) + "'", CheckOutcome::Status::fail, Category::query, 1)};
        candidates.push_back(c);
    }
    ScenarioOutcome s = scenario(candidates);
    s.error = ScenarioFailure{{}, "setup failed: " + std::string(k_canary_forms[5].text)};
    RunOutcome outcome;
    outcome.scenarios.push_back(s);
    return outcome;
}

} // namespace

TEST_SUITE("json_report") {
    TEST_CASE("the report has the v1 shape") {
        RunOutcome outcome;
        outcome.scenarios.push_back(scenario({corrected(), old_password()}));
        json report = report_of(outcome);

        REQUIRE(report.is_object());
        CHECK(keys_of(report) == std::set<std::string>{"format", "verdict", "exit_code", "stopped", "scenarios"});
        CHECK(report["exit_code"] == 0);
        CHECK(report["stopped"].is_null());
        CHECK(report["format"] == "stagegate-report/1");
        CHECK(report["verdict"] == "pass");
        REQUIRE(report["scenarios"].is_array());
        REQUIRE(report["scenarios"].size() == 1);

        const json& s = report["scenarios"][0];
        CHECK(keys_of(s) == std::set<std::string>{"file", "scenario", "verdict", "error", "server",
                                                  "client_environment", "maintenance", "candidates"});
        CHECK(s["file"] == "scenarios/users.yaml");
        CHECK(s["scenario"] == "user service");
        CHECK(s["verdict"] == "pass");
        CHECK(s["error"].is_null());
        REQUIRE(s["candidates"].is_array());
        REQUIRE(s["candidates"].size() == 2);

        const std::set<std::string> candidate_keys{
            "name", "phase",      "driver", "expected",    "outcome",  "category", "verdict", "message",
            "hint", "elapsed_ms", "tls",    "translation", "warnings", "origin",   "not_run", "checks"};
        const json& pass = s["candidates"][0];
        CHECK(keys_of(pass) == candidate_keys);
        CHECK(pass["name"] == "DATABASE_URL corrected");
        CHECK(pass["driver"] == "libpq");
        CHECK(pass["tls"] == "TLSv1.3 (TLS_AES_256_GCM_SHA384)");
        CHECK(s["server"] == "PostgreSQL 15");
        CHECK(pass["expected"] == "pass");
        CHECK(pass["outcome"] == "pass");
        CHECK(pass["category"].is_null());
        CHECK(pass["verdict"] == "pass");
        CHECK(pass["message"] == "connected and ran 1 query");
        CHECK(pass["hint"] == "");
        CHECK(pass["elapsed_ms"].is_number_integer());
        CHECK(pass["elapsed_ms"] == 41);
        REQUIRE(pass["checks"].is_array());
        REQUIRE(pass["checks"].size() == 2);
        const json& connect = pass["checks"][0];
        CHECK(keys_of(connect) == std::set<std::string>{"check", "layer", "outcome", "category", "elapsed_ms"});
        CHECK(connect["check"] == "connect");
        CHECK(connect["outcome"] == "pass");
        CHECK(connect["category"].is_null());
        CHECK(connect["elapsed_ms"] == 12);
        CHECK(pass["checks"][1]["check"] == "query: SELECT 1");

        const json& blocked = s["candidates"][1];
        CHECK(keys_of(blocked) == candidate_keys);
        CHECK(blocked["tls"].is_null()); // no session was opened
        CHECK(blocked["expected"] == "fail:auth");
        CHECK(blocked["outcome"] == "fail");
        CHECK(blocked["category"] == "auth");
        CHECK(blocked["verdict"] == "pass");
        CHECK(blocked["message"] == "password authentication failed for user \"app\"");
        CHECK(blocked["hint"] == "check the user name and password (was it rotated?)");
        CHECK(blocked["checks"][0]["outcome"] == "fail");
        CHECK(blocked["checks"][0]["category"] == "auth");
        CHECK(blocked["checks"][1]["outcome"] == "skipped");
        CHECK(blocked["checks"][1]["category"].is_null());
    }

    TEST_CASE("keys come out in the order of the v1 contract") {
        RunOutcome outcome;
        outcome.scenarios.push_back(scenario({old_password()}));
        auto report = nlohmann::ordered_json::parse(json_report(outcome));
        auto keys = [](const nlohmann::ordered_json& object) {
            std::vector<std::string> out;
            for (const auto& [key, value] : object.items())
                out.push_back(key);
            return out;
        };
        CHECK(keys(report) == std::vector<std::string>{"format", "verdict", "exit_code", "stopped", "scenarios"});
        const auto& s = report["scenarios"][0];
        CHECK(keys(s) == std::vector<std::string>{"file", "scenario", "verdict", "error", "server",
                                                  "client_environment", "maintenance", "candidates"});
        CHECK(keys(s["candidates"][0]) == std::vector<std::string>{"name", "phase", "driver", "expected", "outcome",
                                                                   "category", "verdict", "message", "hint",
                                                                   "elapsed_ms", "tls", "translation", "warnings",
                                                                   "origin", "not_run", "checks"});
        CHECK(keys(s["candidates"][0]["checks"][0]) ==
              std::vector<std::string>{"check", "layer", "outcome", "category", "elapsed_ms"});
    }

    TEST_CASE("the verdict is fail when a candidate is not as expected") {
        RunOutcome outcome;
        outcome.scenarios.push_back(scenario({corrected()}));
        outcome.scenarios.push_back(scenario({old_password(), typo()}));
        json report = report_of(outcome);
        CHECK(report["verdict"] == "fail");
        CHECK(report["scenarios"][0]["verdict"] == "pass");
        CHECK(report["scenarios"][1]["verdict"] == "fail");
        const json& unmet = report["scenarios"][1]["candidates"][1];
        CHECK(unmet["expected"] == "pass");
        CHECK(unmet["outcome"] == "fail");
        CHECK(unmet["category"] == "dns");
        CHECK(unmet["verdict"] == "fail");
    }

    TEST_CASE("the verdict is fail when a scenario has an error") {
        RunOutcome outcome;
        outcome.scenarios.push_back(scenario({corrected()}));
        ScenarioOutcome broken = scenario({});
        broken.error = ScenarioFailure{{}, "PostgreSQL did not start within 30 s"};
        outcome.scenarios.push_back(broken);
        json report = report_of(outcome);
        CHECK(report["verdict"] == "fail");
        CHECK(report["scenarios"][1]["verdict"] == "fail");
        CHECK(report["scenarios"][1]["error"] == "PostgreSQL did not start within 30 s");
        CHECK(report["scenarios"][1]["candidates"] == json::array());
    }

    TEST_CASE("the verdict is fail when the run was interrupted") {
        RunOutcome outcome;
        outcome.scenarios.push_back(scenario({corrected()}));
        outcome.signal = SIGINT;
        CHECK(report_of(outcome)["verdict"] == "fail");
    }

    TEST_CASE("an empty run passes") {
        json report = report_of(RunOutcome{});
        CHECK(report["verdict"] == "pass");
        CHECK(report["scenarios"] == json::array());
    }

    TEST_CASE("invalid UTF-8 in a message does not lose the report") {
        RunOutcome outcome;
        CandidateOutcome c = typo();
        c.message = "server said \xff\xfe";
        outcome.scenarios.push_back(scenario({c}));
        json report = report_of(outcome);
        CHECK(report["scenarios"][0]["candidates"][0]["message"].get<std::string>().starts_with("server said "));
    }

    TEST_CASE("no form of a secret survives in the report text") {
        Redactor redactor;
        redactor.add(k_canary);
        std::string text = json_report(redacted(canary_outcome(), redactor));
        REQUIRE(text.find("candidate XML-escaped") != std::string::npos);
        CHECK(canary_form_in(text) == "");
    }

    TEST_CASE("no form of a secret survives in the decoded report values") {
        // What jq or any JSON reader shows: JSON-escaping a backslash form must not hide it from
        // the redactor.
        Redactor redactor;
        redactor.add(k_canary);
        std::vector<std::string> strings;
        strings_in(json::parse(json_report(redacted(canary_outcome(), redactor))), strings);
        REQUIRE(strings.size() > 40);
        for (const auto& value : strings) {
            CAPTURE(value);
            CHECK(canary_form_in(value) == "");
        }
    }
}
