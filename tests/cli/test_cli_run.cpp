// `stagegate run`: the demo scenario end to end, the JSON report contract, exit codes 1 and 3.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

using namespace stagegate::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* k_demo_password = "rotated-in-june";
constexpr const char* k_old_password = "spring-2026";
constexpr const char* k_demo_name = "user-service after the June maintenance";
constexpr const char* k_typo_story =
    "host db-prmary.staging.internal is unknown; did you mean db-primary.staging.internal?";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Every run here gets its own runtime root, so that what it leaves behind can be checked.
std::map<std::string, std::string> runtime_env(const fs::path& root) {
    return {{"STAGEGATE_RUNTIME_DIR", root.string()}};
}

void check_no_demo_secret(const std::string& text, const std::string& where) {
    CHECK_MESSAGE(!contains(text, k_demo_password), "the demo password appears in " << where);
    CHECK_MESSAGE(!contains(text, k_old_password), "the pre-rotation password appears in " << where);
}

const json* find_scenario(const json& report, const std::string& name) {
    if (!report.contains("scenarios") || !report["scenarios"].is_array())
        return nullptr;
    for (const auto& scenario : report["scenarios"]) {
        if (scenario.value("scenario", "") == name)
            return &scenario;
    }
    return nullptr;
}

const json* find_candidate(const json& scenario, const std::string& name) {
    for (const auto& candidate : scenario["candidates"]) {
        if (candidate.value("name", "") == name)
            return &candidate;
    }
    return nullptr;
}

// The fields of one candidate and its checks, as stagegate-report/1 defines them.
void check_candidate_shape(const json& candidate) {
    INFO("candidate: " << candidate.dump());
    for (const char* key :
         {"name", "driver", "expected", "outcome", "category", "verdict", "message", "hint", "elapsed_ms", "checks"})
        CHECK_MESSAGE(candidate.contains(key), "missing key " << key);
    CHECK(candidate["name"].is_string());
    CHECK(candidate["driver"] == "libpq");
    CHECK(candidate["expected"].is_string());
    CHECK((candidate["outcome"] == "pass" || candidate["outcome"] == "fail"));
    CHECK((candidate["verdict"] == "pass" || candidate["verdict"] == "fail"));
    CHECK((candidate["category"].is_null() || candidate["category"].is_string()));
    CHECK(candidate["message"].is_string());
    CHECK(candidate["hint"].is_string());
    CHECK(candidate["elapsed_ms"].is_number_integer());
    REQUIRE(candidate["checks"].is_array());
    CHECK(!candidate["checks"].empty());
    for (const auto& check : candidate["checks"]) {
        for (const char* key : {"check", "outcome", "category", "elapsed_ms"})
            CHECK_MESSAGE(check.contains(key), "missing check key " << key);
        CHECK(check["check"].is_string());
        CHECK(check["outcome"].is_string());
        CHECK((check["category"].is_null() || check["category"].is_string()));
        CHECK(check["elapsed_ms"].is_number_integer());
    }
    // outcome pass <=> no category
    CHECK((candidate["outcome"] == "pass") == candidate["category"].is_null());
}

// The postmortem scenario's three candidates, as the JSON report must tell them.
void check_demo_report(const json& report) {
    CHECK(report["format"] == "stagegate-report/1");
    CHECK(report["verdict"] == "pass");
    const json* scenario = find_scenario(report, k_demo_name);
    REQUIRE_MESSAGE(scenario != nullptr, "no scenario named \"" << k_demo_name << "\" in " << report.dump());
    CHECK((*scenario)["file"].get<std::string>().ends_with("postmortem.yaml"));
    CHECK((*scenario)["verdict"] == "pass");
    REQUIRE((*scenario)["candidates"].is_array());
    CHECK((*scenario)["candidates"].size() == 3);
    for (const auto& candidate : (*scenario)["candidates"])
        check_candidate_shape(candidate);

    const json* typo = find_candidate(*scenario, "DATABASE_URL as edited during maintenance");
    REQUIRE(typo != nullptr);
    CHECK((*typo)["expected"] == "fail:dns");
    CHECK((*typo)["outcome"] == "fail");
    CHECK((*typo)["category"] == "dns");
    CHECK((*typo)["verdict"] == "pass");
    CHECK(contains((*typo)["message"].get<std::string>(), k_typo_story));
    REQUIRE(!(*typo)["checks"].empty());
    CHECK((*typo)["checks"][0]["check"] == "connect");
    CHECK((*typo)["checks"][0]["outcome"] == "fail");
    CHECK((*typo)["checks"][0]["category"] == "dns");

    const json* fixed = find_candidate(*scenario, "DATABASE_URL corrected");
    REQUIRE(fixed != nullptr);
    CHECK((*fixed)["expected"] == "pass");
    CHECK((*fixed)["outcome"] == "pass");
    CHECK((*fixed)["category"].is_null());
    CHECK((*fixed)["verdict"] == "pass");
    REQUIRE((*fixed)["checks"].size() == 3);
    CHECK((*fixed)["checks"][0]["check"] == "connect");
    CHECK((*fixed)["checks"][1]["check"] == "query: SELECT count(*) FROM accounts");
    for (const auto& check : (*fixed)["checks"]) {
        CHECK(check["outcome"] == "pass");
        CHECK(check["category"].is_null());
    }

    const json* old = find_candidate(*scenario, "password from before the rotation");
    REQUIRE(old != nullptr);
    CHECK((*old)["expected"] == "fail:auth");
    CHECK((*old)["outcome"] == "fail");
    CHECK((*old)["category"] == "auth");
    CHECK((*old)["verdict"] == "pass");
    CHECK((*old)["checks"][0]["outcome"] == "fail");
    CHECK((*old)["checks"][0]["category"] == "auth");
}

json parse_whole(const std::string& text) {
    json report;
    try {
        report = json::parse(text);
    } catch (const json::exception& e) {
        FAIL("not exactly one JSON document (" << e.what() << "):\n" << text);
    }
    return report;
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("run on scenarios/ exits 0 and tells the story of the typo'd host") {
        auto root = fresh_runtime_root("rt-run-demo");
        auto result = run_stagegate({"run", "scenarios/"}, runtime_env(root));
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "user-service after the June maintenance"));
        CHECK(contains(result.out, k_typo_story));
        CHECK(contains(result.out, "blocked as expected (dns)"));
        CHECK(contains(result.out, "blocked as expected (auth)"));
        CHECK(contains(result.out, "passed as expected"));
        auto lines = lines_of(result.out);
        REQUIRE(!lines.empty());
        CHECK(lines.back().starts_with("gate: PASS: "));
        CHECK(lines.back().ends_with("(exit 0)"));
        CHECK(contains(lines.back(), "0 not as expected"));
        CHECK(result.err.empty());
        check_no_demo_secret(result.out, "stdout");
        check_no_demo_secret(result.err, "stderr");
        check_nothing_left(root);
    }

    TEST_CASE("run --json - prints exactly one JSON document on stdout, the human report on stderr") {
        auto root = fresh_runtime_root("rt-run-json-stdout");
        auto result = run_stagegate({"run", "--json", "-", "scenarios/"}, runtime_env(root));
        INFO("stderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        json report = parse_whole(result.out);
        check_demo_report(report);
        CHECK(contains(result.err, k_typo_story));
        CHECK(contains(result.err, "gate: PASS: "));
        check_no_demo_secret(result.out, "the JSON report");
        check_no_demo_secret(result.err, "stderr");
    }

    TEST_CASE("run --json FILE writes the report and leaves no temporary file next to it") {
        auto root = fresh_runtime_root("rt-run-json-file");
        auto dir = fresh_dir("json-file");
        auto target = dir / "report.json";
        auto result = run_stagegate({"run", "--json", target.string(), "scenarios/"}, runtime_env(root));
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        REQUIRE(fs::exists(target));
        std::string text = read_file(target);
        check_demo_report(parse_whole(text));
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(dir))
            names.push_back(entry.path().filename().string());
        CHECK_MESSAGE(names == std::vector<std::string>{"report.json"},
                      "the report's folder holds more: " << names.size() << " entries");
        CHECK(contains(result.out, "gate: PASS: "));
        CHECK(contains(result.out, k_typo_story));
        check_no_demo_secret(text, "the JSON file");
        check_no_demo_secret(result.out, "stdout");
        check_no_demo_secret(result.err, "stderr");
    }

    TEST_CASE("run exits 1 when a candidate does not meet its expectation") {
        auto root = fresh_runtime_root("rt-run-unmet");
        auto dir = fresh_dir("unmet");
        auto file = write_file(dir / "unmet.yaml", R"(scenario: unmet expectations
database:
  engine: postgres
  answers_as: [db.unmet.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'unmet-right-pw'
candidates:
  - name: right password but expected to be refused
    driver: libpq
    url: postgresql://app:unmet-right-pw@db.unmet.test:5432/postgres?connect_timeout=5
    expect: {fail: auth}
  - name: wrong password but expected to pass
    driver: libpq
    url: postgresql://app:unmet-wrong-pw@db.unmet.test:5432/postgres?connect_timeout=5
  - name: met as expected
    driver: libpq
    url: postgresql://app:unmet-right-pw@db.unmet.test:5432/postgres?connect_timeout=5
)");
        auto report_path = dir / "report.json";
        auto result = run_stagegate({"run", "--json", report_path.string(), file.string()}, runtime_env(root));
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(contains(result.out, "expected fail:auth, got pass"));
        CHECK(contains(result.out, "expected pass, got fail:auth"));
        auto lines = lines_of(result.out);
        REQUIRE(!lines.empty());
        CHECK(lines.back().starts_with("gate: FAIL: "));
        CHECK(contains(lines.back(), "2 not as expected"));
        CHECK(lines.back().ends_with("(exit 1)"));
        REQUIRE(fs::exists(report_path));
        std::string text = read_file(report_path);
        json report = parse_whole(text);
        CHECK(report["verdict"] == "fail");
        const json* scenario = find_scenario(report, "unmet expectations");
        REQUIRE(scenario != nullptr);
        CHECK((*scenario)["verdict"] == "fail");
        for (const auto& candidate : (*scenario)["candidates"])
            check_candidate_shape(candidate);
        const json* right = find_candidate(*scenario, "right password but expected to be refused");
        REQUIRE(right != nullptr);
        CHECK((*right)["expected"] == "fail:auth");
        CHECK((*right)["outcome"] == "pass");
        CHECK((*right)["verdict"] == "fail");
        const json* wrong = find_candidate(*scenario, "wrong password but expected to pass");
        REQUIRE(wrong != nullptr);
        CHECK((*wrong)["expected"] == "pass");
        CHECK((*wrong)["outcome"] == "fail");
        CHECK((*wrong)["category"] == "auth");
        CHECK((*wrong)["verdict"] == "fail");
        const json* met = find_candidate(*scenario, "met as expected");
        REQUIRE(met != nullptr);
        CHECK((*met)["verdict"] == "pass");
        for (const char* secret : {"unmet-right-pw", "unmet-wrong-pw"}) {
            CHECK_MESSAGE(!contains(result.out, secret), secret << " appears on stdout");
            CHECK_MESSAGE(!contains(result.err, secret), secret << " appears on stderr");
            CHECK_MESSAGE(!contains(text, secret), secret << " appears in the JSON report");
        }
        check_nothing_left(root);
    }

    TEST_CASE("run exits 3 with a clear message when the server binaries are missing") {
        auto root = fresh_runtime_root("rt-run-no-bindir");
        auto dir = fresh_dir("no-bindir");
        auto file = write_file(dir / "plain.yaml", R"(scenario: plain
database:
  engine: postgres
  answers_as: [db.plain.test:5432]
candidates:
  - name: anything
    driver: libpq
    url: postgresql://postgres@db.plain.test:5432/postgres
)");
        auto env = runtime_env(root);
        env["STAGEGATE_PG_BINDIR"] = "/nonexistent/stagegate-bin";
        auto result = run_stagegate({"run", file.string()}, env);
        std::string all = result.out + result.err;
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 3);
        CHECK(contains(all, "could not stand up the database"));
        // The user must learn which folder was tried, and why it cannot serve.
        CHECK(contains(all, "STAGEGATE_PG_BINDIR=/nonexistent/stagegate-bin"));
        CHECK(contains(all, "holds no postgres and initdb binaries"));
        check_nothing_left(root);
    }

    TEST_CASE("run exits 3 when the server rejects a setting, quoting the server's reason") {
        auto root = fresh_runtime_root("rt-run-bad-setting");
        auto dir = fresh_dir("bad-setting");
        auto file = write_file(dir / "bad-setting.yaml", R"(scenario: bad setting
database:
  engine: postgres
  answers_as: [db.setting.test:5432]
  settings: {max_connections: lots}
candidates:
  - name: anything
    driver: libpq
    url: postgresql://postgres@db.setting.test:5432/postgres
)");
        auto result = run_stagegate({"run", file.string()}, runtime_env(root));
        std::string all = result.out + result.err;
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 3);
        CHECK(contains(all, "PostgreSQL did not start"));
        CHECK(contains(all, "max_connections"));
        CHECK(contains(all, "\"lots\""));
        CHECK(contains(all, "gate: ERROR"));
        check_nothing_left(root);
    }

    TEST_CASE("run exits 3 naming file:line:col of a setup step that fails") {
        auto root = fresh_runtime_root("rt-run-bad-setup");
        auto dir = fresh_dir("bad-setup");
        auto file = write_file(dir / "bad-setup.yaml", R"(scenario: bad setup
database:
  engine: postgres
  answers_as: [db.setup.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN
    - sql: CREATE TABLE broken (
candidates:
  - name: anything
    driver: libpq
    url: postgresql://app@db.setup.test:5432/postgres
)");
        auto result = run_stagegate({"run", file.string()}, runtime_env(root));
        std::string all = result.out + result.err;
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 3);
        CHECK(contains(all, file.string() + ":7:7: setup step 2"));
        CHECK(contains(all, "syntax error"));
        CHECK(!contains(all, "PASS  anything"));
        check_nothing_left(root);
    }
}
