// The concurrent runner through the built binary: scenarios that use the same names run at once
// without cross-talk and print exactly as they do one by one; candidates that write keep file
// order; unknown hosts cost no connect deadline; SIGINT/SIGTERM, --fail-fast and --timeout end a
// run with every candidate reported and both reports written; --shard splits a suite; invalid
// flags start nothing.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "junit_xml.hpp"
#include "run/shard.hpp"
#include "support.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace stagegate::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

long millis_since(Clock::time_point start) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// --- reading runs ---

// Returns `console` with what may differ between two runs of one suite made equal: timings, the
// servers' ports, the run folder's paths, and which earlier scenario's server a scenario reuses
// (that depends on how many servers run at once).
std::string normalised(const std::string& console) {
    static const std::regex k_shared(" \\(shared: scenario #[0-9]+ on this server[^)]*\\)");
    static const std::regex k_ready("ready in [0-9]+ ms");
    static const std::regex k_port("127\\.0\\.0\\.1:[0-9]+");
    static const std::regex k_run_dir("/[^ ,]*/run-[0-9]+-[0-9a-f]+[^ ,]*");
    static const std::regex k_elapsed(" +[0-9]+ ms");
    std::string text = std::regex_replace(console, k_shared, "");
    text = std::regex_replace(text, k_ready, "ready in N ms");
    text = std::regex_replace(text, k_port, "127.0.0.1:PORT");
    text = std::regex_replace(text, k_run_dir, "RUN-DIR");
    return std::regex_replace(text, k_elapsed, " N ms");
}

// Returns what a run judged, per scenario in report order, without timings or ports.
json judgements(const json& report) {
    json scenarios = json::array();
    for (const auto& scenario : report.at("scenarios")) {
        json candidates = json::array();
        for (const auto& c : scenario.at("candidates")) {
            json checks = json::array();
            for (const auto& check : c.at("checks"))
                checks.push_back(json::array({check.at("check"), check.at("outcome"), check.at("category")}));
            candidates.push_back({{"name", c.at("name")},
                                  {"expected", c.at("expected")},
                                  {"outcome", c.at("outcome")},
                                  {"category", c.at("category")},
                                  {"verdict", c.at("verdict")},
                                  {"message", c.at("message")},
                                  {"not_run", c.at("not_run")},
                                  {"checks", checks}});
        }
        scenarios.push_back({{"file", scenario.at("file")},
                             {"scenario", scenario.at("scenario")},
                             {"verdict", scenario.at("verdict")},
                             {"error", scenario.at("error")},
                             {"candidates", candidates}});
    }
    return scenarios;
}

// Checks that two runs judged alike, scenario by scenario, so that a difference names its scenario.
void check_same_judgements(const json& left, const json& right) {
    REQUIRE(left.size() == right.size());
    for (std::size_t i = 0; i < left.size(); ++i) {
        CAPTURE(i);
        CHECK(left[i].dump(1) == right[i].dump(1));
    }
}

std::vector<std::string> scenario_names(const json& report) {
    std::vector<std::string> names;
    for (const auto& scenario : report.at("scenarios"))
        names.push_back(scenario.at("scenario").get<std::string>());
    return names;
}

std::vector<std::string> candidate_names(const json& scenario) {
    std::vector<std::string> names;
    for (const auto& candidate : scenario.at("candidates"))
        names.push_back(candidate.at("name").get<std::string>());
    return names;
}

// Checks that `candidate` was tried and met its expectation: "pass" or the failure category.
void check_met(const json& candidate, const std::string& category) {
    INFO("candidate: " << candidate.dump());
    CHECK(candidate["verdict"] == "pass");
    CHECK(candidate["not_run"].is_null());
    if (category == "pass") {
        CHECK(candidate["outcome"] == "pass");
        CHECK(candidate["category"].is_null());
    } else {
        CHECK(candidate["expected"] == "fail:" + category);
        CHECK(candidate["category"] == category);
    }
}

// Checks that `candidate` was left untried for `reason`: judged fail, every check skipped.
void check_untried(const json& candidate, const std::string& reason) {
    INFO("candidate: " << candidate.dump());
    CHECK(candidate["not_run"] == reason);
    CHECK(candidate["verdict"] == "fail");
    for (const auto& check : candidate["checks"])
        CHECK(check["outcome"] == "skipped");
}

// Checks that `folder` holds exactly `names`: no temporary report (*.tmp-PID) left beside them.
void check_holds_exactly(const fs::path& folder, std::set<std::string> names) {
    std::set<std::string> found;
    for (const auto& entry : fs::directory_iterator(folder))
        found.insert(entry.path().filename().string());
    for (const auto& name : found)
        CHECK_MESSAGE(!contains(name, ".tmp-"), "a temporary report remains: " << name);
    CHECK(found == names);
}

// A run of the built binary with its run folders below a fresh root and a JSON report.
struct SuiteRun {
    CliResult result;
    json report;
    long took_ms = 0;
};

// Runs `stagegate run FLAGS --json FILE PATH`, checks that it leaves nothing behind, and returns
// what it printed and reported.
SuiteRun run_suite(const std::vector<std::string>& flags, const fs::path& path, const std::string& name) {
    fs::path root = fresh_runtime_root(name);
    fs::path report = fresh_dir(name + "-report") / "report.json";
    std::vector<std::string> args{"run"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--json", report.string(), path.string()});
    SuiteRun run;
    auto start = Clock::now();
    run.result = run_stagegate(args, {{"STAGEGATE_RUNTIME_DIR", root.string()}});
    run.took_ms = millis_since(start);
    INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
    REQUIRE_MESSAGE(fs::exists(report), "no JSON report");
    run.report = parse_report(report);
    check_nothing_left(root);
    return run;
}

// --- scenarios ---

// The same-names suite: every scenario has role and database `app` answering as db.shared.test,
// but its own password and its own number of rows in t. Odd scenarios are PostgreSQL, even MariaDB.
constexpr int k_same_names = 12;
const std::vector<std::string> k_same_names_categories{"pass", "auth", "dns", "refused"};

std::string secret_of(int scenario) {
    return fmt::format("conc-secret-{:02}", scenario);
}

std::string same_names_file(int scenario) {
    return fmt::format("{:02}-{}.yaml", scenario, scenario % 2 == 1 ? "postgres" : "mariadb");
}

std::string rows_of(int count) {
    std::string rows;
    for (int row = 1; row <= count; ++row)
        rows += fmt::format("{}({})", row == 1 ? "" : ", ", row);
    return rows;
}

// Scenario `i` of the same-names suite; its candidates: its own password (finds i rows), the next
// scenario's password (auth), a host with a typo (dns), a wrong port (refused).
std::string same_names_scenario(int i) {
    bool postgres = i % 2 == 1;
    int port = postgres ? 5432 : 3306;
    auto url = [&](const std::string& password, const std::string& host, int at) {
        return postgres
                   ? fmt::format("postgresql://app:{}@{}:{}/app?sslmode=disable&connect_timeout=5", password, host, at)
                   : fmt::format("mysql://app:{}@{}:{}/app?connect-timeout=5", password, host, at);
    };
    std::string setup =
        postgres ? fmt::format("    - sql: CREATE ROLE app LOGIN PASSWORD '{0}'\n"
                               "    - sql: CREATE DATABASE app OWNER app\n"
                               "    - sql: CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, {1}); "
                               "ALTER TABLE t OWNER TO app\n"
                               "      database: app\n",
                               secret_of(i), i)
                 : fmt::format("    - sql: |\n"
                               "        CREATE DATABASE app;\n"
                               "        CREATE USER 'app'@'%' IDENTIFIED BY '{0}';\n"
                               "        GRANT ALL PRIVILEGES ON app.* TO 'app'@'%';\n"
                               "        CREATE TABLE app.t (id INT);\n"
                               "        INSERT INTO app.t VALUES {1};\n",
                               secret_of(i), rows_of(i));
    int other = i % k_same_names + 1;
    return fmt::format(R"(scenario: same names {i}
database:
  engine: {engine}
  answers_as: [db.shared.test:{port}]
  setup:
{setup}candidates:
  - name: its own password
    driver: {driver}
    url: {own}
    checks:
      - query: SELECT count(*) FROM t
        expect_value: "{i}"
  - name: the password of same names {other}
    driver: {driver}
    url: {others}
    expect: {{fail: auth}}
  - name: host with a typo
    driver: {driver}
    url: {typo}
    expect: {{fail: dns}}
  - name: wrong port
    driver: {driver}
    url: {wrong_port}
    expect: {{fail: refused}}
)",
                       fmt::arg("i", i), fmt::arg("engine", postgres ? "postgres" : "mariadb"), fmt::arg("port", port),
                       fmt::arg("setup", setup), fmt::arg("driver", postgres ? "libpq" : "mysqlcppconn"),
                       fmt::arg("own", url(secret_of(i), "db.shared.test", port)), fmt::arg("other", other),
                       fmt::arg("others", url(secret_of(other), "db.shared.test", port)),
                       fmt::arg("typo", url(secret_of(i), "db.shraed.test", port)),
                       fmt::arg("wrong_port", url(secret_of(i), "db.shared.test", port + 1)));
}

fs::path write_same_names_suite() {
    fs::path suite = fresh_dir("conc-same-names");
    for (int i = 1; i <= k_same_names; ++i)
        write_file(suite / same_names_file(i), same_names_scenario(i));
    return suite;
}

// Checks a run of the same-names suite: exit 0, scenarios and candidates in file order, each
// candidate judged as its own scenario expects, and no password in any output.
void check_same_names_run(const SuiteRun& run, const fs::path& suite) {
    INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
    CHECK(run.result.exit_code == 0);
    CHECK(run.report["exit_code"] == 0);
    CHECK(run.report["stopped"].is_null());
    const json& scenarios = run.report.at("scenarios");
    REQUIRE(scenarios.size() == k_same_names);
    std::vector<std::string> secrets;
    for (int i = 1; i <= k_same_names; ++i) {
        CAPTURE(i);
        const json& scenario = scenarios[static_cast<std::size_t>(i - 1)];
        CHECK(scenario["file"] == (suite / same_names_file(i)).string());
        CHECK(scenario["scenario"] == fmt::format("same names {}", i));
        CHECK(scenario["error"].is_null());
        CHECK(candidate_names(scenario) ==
              std::vector<std::string>{"its own password",
                                       fmt::format("the password of same names {}", i % k_same_names + 1),
                                       "host with a typo", "wrong port"});
        for (std::size_t c = 0; c < k_same_names_categories.size() && c < scenario["candidates"].size(); ++c)
            check_met(scenario["candidates"][c], k_same_names_categories[c]);
        secrets.push_back(secret_of(i));
    }
    check_no_secrets(run.result, run.report.dump(), secrets);
}

// Candidates that alternately insert a row and count the rows: each count holds only when the
// candidates are tried one at a time, in file order.
std::string writes_scenario(bool postgres) {
    std::string candidates;
    for (int n = 1; n <= 5; ++n) {
        std::string url = postgres ? "postgresql://app:conc-writes-pw@db.writes.test:5432/postgres?sslmode=disable&"
                                     "connect_timeout=5"
                                   : "mysql://app:conc-writes-pw@db.writes.test:3306/app?connect-timeout=5";
        candidates += fmt::format(R"(  - name: insert row {0}
    driver: {1}
    url: {2}
    checks:
      - query: INSERT INTO t VALUES ({0})
  - name: count is {0}
    driver: {1}
    url: {2}
    checks:
      - query: SELECT count(*) FROM t
        expect_value: "{0}"
)",
                                  n, postgres ? "libpq" : "mysqlcppconn", url);
    }
    std::string database = postgres ? R"(  engine: postgres
  answers_as: [db.writes.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'conc-writes-pw'
    - sql: CREATE TABLE t (id int); ALTER TABLE t OWNER TO app
)"
                                    : R"(  engine: mariadb
  answers_as: [db.writes.test:3306]
  setup:
    - sql: |
        CREATE DATABASE app;
        CREATE USER 'app'@'%' IDENTIFIED BY 'conc-writes-pw';
        GRANT ALL PRIVILEGES ON app.* TO 'app'@'%';
        CREATE TABLE app.t (id INT);
)";
    return fmt::format("scenario: writes in file order on {}\ndatabase:\n{}candidates:\n{}",
                       postgres ? "postgres" : "mariadb", database, candidates);
}

// A PostgreSQL scenario whose candidates name 100 hosts it does not answer as.
std::string dead_hosts_scenario() {
    std::string text = R"(scenario: dead hosts
database:
  engine: postgres
  answers_as: [db.alive.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'conc-dead-pw'
candidates:
)";
    for (int n = 1; n <= 100; ++n) {
        // No connect_timeout: libpq would wait the default connect deadline (10 s) on a dead host.
        std::string url = n % 2 == 1
                              ? fmt::format("postgresql://app:conc-dead-pw@gone-{:03}.dead.test:5432/postgres", n)
                              : fmt::format("host=gone-{:03}.dead.test port=5432 dbname=postgres user=app", n);
        text += fmt::format("  - name: dead host {:03}\n    driver: libpq\n    url: {}\n    expect: {{fail: dns}}\n", n,
                            url);
    }
    return text;
}

// PostgreSQL scenario `i` of the signal suite: two candidates; scenario 2's setup sleeps 30 s,
// so a signal sent once scenario 1 is printed finds it unfinished.
std::string signal_scenario(int i) {
    return fmt::format(R"(scenario: signal {0}
database:
  engine: postgres
  answers_as: [db.signal.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'conc-signal-{0}'
{1}candidates:
  - name: connects
    driver: libpq
    url: postgresql://app:conc-signal-{0}@db.signal.test:5432/postgres?sslmode=disable&connect_timeout=5
  - name: wrong password
    driver: libpq
    url: postgresql://app:not-the-password@db.signal.test:5432/postgres?sslmode=disable&connect_timeout=5
    expect: {{fail: auth}}
)",
                       i, i == 2 ? "    - sql: SELECT pg_sleep(30)\n" : "");
}

// A tiny SQLite scenario: t holds `value`; each candidate reads it and expects its entry of `wants`.
std::string sqlite_scenario(const std::string& name, int value, const std::vector<int>& wants) {
    std::string file = fmt::format("/var/lib/conc/{}.db", std::regex_replace(name, std::regex("[^a-z0-9]+"), "-"));
    std::string text = fmt::format(R"(scenario: {0}
database:
  engine: sqlite
  answers_as: [{1}]
  setup:
    - sql: CREATE TABLE t (v INTEGER); INSERT INTO t VALUES ({2});
candidates:
)",
                                   name, file, value);
    for (std::size_t c = 0; c < wants.size(); ++c)
        text += fmt::format(R"(  - name: reader {0}
    driver: soci
    url: sqlite3://db={1} timeout=2
    checks:
      - query: SELECT v FROM t
        expect_value: "{2}"
)",
                            c + 1, file, wants[c]);
    return text;
}

// Starts the signal suite with --jobs 2 and both reports, signals it once scenario 1 is printed,
// and checks the run ends with `code`, both reports whole, every candidate accounted for, nothing left.
void interrupt_suite(int signal, int code, const std::string& signal_name, const std::string& name) {
    fs::path suite = fresh_dir(name + "-suite");
    for (int i = 1; i <= 4; ++i)
        write_file(suite / fmt::format("{:02}.yaml", i), signal_scenario(i));
    fs::path root = fresh_runtime_root(name);
    fs::path reports = fresh_dir(name + "-reports");
    fs::path json_file = reports / "report.json";
    fs::path junit_file = reports / "report.xml";
    BackgroundStagegate run(
        {"run", "--jobs", "2", "--json", json_file.string(), "--junit", junit_file.string(), suite.string()},
        {{"STAGEGATE_RUNTIME_DIR", root.string()}});
    // Scenario 2 is printed only once it ends, so this is scenario 1's second candidate.
    bool first_printed = wait_until([&] { return contains(run.out(), "blocked as expected (auth)"); }, 60000);
    std::optional<int> early = run.wait(0);
    auto signalled = Clock::now();
    run.signal(signal);
    auto exit = run.wait(10000);
    long took = millis_since(signalled);
    CliResult printed{exit.value_or(-1), run.out(), run.err()};
    if (exit)
        MESSAGE("exit " << *exit << " " << took << " ms after " << signal_name);
    INFO("stdout:\n" << printed.out << "\nstderr:\n" << printed.err);
    REQUIRE_MESSAGE(first_printed, "scenario 1 was never printed");
    REQUIRE_MESSAGE(!early, "stagegate ended before it was signalled");
    REQUIRE_MESSAGE(exit.has_value(), "stagegate still runs 10 s after " << signal_name);
    CHECK(*exit == code);
    CHECK(contains(printed.out, "gate: INTERRUPTED"));
    check_nothing_left(root);
    check_holds_exactly(reports, {"report.json", "report.xml"});

    json report = parse_report(json_file);
    CHECK(report["exit_code"] == code);
    CHECK(report["stopped"] == "interrupted");
    CHECK(report["verdict"] == "fail");
    REQUIRE(scenario_names(report) == std::vector<std::string>{"signal 1", "signal 2", "signal 3", "signal 4"});
    for (const auto& scenario : report["scenarios"]) {
        CAPTURE(scenario["scenario"]);
        CHECK(scenario["error"].is_null());
        REQUIRE(candidate_names(scenario) == std::vector<std::string>{"connects", "wrong password"});
        for (const auto& candidate : scenario["candidates"]) {
            if (candidate["not_run"].is_null())
                CHECK_MESSAGE(candidate["verdict"] == "pass", candidate.dump()); // tried before the signal
            else
                check_untried(candidate, "interrupted");
        }
    }
    check_met(report["scenarios"][0]["candidates"][0], "pass");
    check_met(report["scenarios"][0]["candidates"][1], "auth");
    check_untried(report["scenarios"][1]["candidates"][0], "interrupted");
    check_untried(report["scenarios"][1]["candidates"][1], "interrupted");

    std::string junit = read_file(junit_file);
    CHECK(junit.starts_with("<?xml"));
    for (const auto& problem : junit_problems(junit))
        FAIL_CHECK("JUnit report: " << problem);
    CHECK_MESSAGE(contains(junit, "interrupted by " + signal_name), "the JUnit report does not say " << signal_name);
    check_no_secrets(printed, read_file(json_file),
                     {"conc-signal-1", "conc-signal-2", "conc-signal-3", "conc-signal-4"});
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("same-named scenarios at once: --jobs 4 judges and prints exactly as --jobs 1") {
        fs::path suite = write_same_names_suite();
        SuiteRun one = run_suite({"--jobs", "1"}, suite, "rt-conc-jobs1");
        SuiteRun four = run_suite({"--jobs", "4"}, suite, "rt-conc-jobs4");
        MESSAGE(k_same_names << " scenarios: --jobs 1 " << one.took_ms << " ms, --jobs 4 " << four.took_ms << " ms");
        check_same_names_run(one, suite);
        check_same_names_run(four, suite);
        check_same_judgements(judgements(one.report), judgements(four.report));
        CHECK(normalised(one.result.out) == normalised(four.result.out));
    }

    TEST_CASE("same-named scenarios at once: --jobs 4 run twice judges and prints the same") {
        fs::path suite = write_same_names_suite();
        SuiteRun first = run_suite({"--jobs", "4"}, suite, "rt-conc-again1");
        SuiteRun second = run_suite({"--jobs", "4"}, suite, "rt-conc-again2");
        check_same_names_run(first, suite);
        check_same_names_run(second, suite);
        check_same_judgements(judgements(first.report), judgements(second.report));
        CHECK(normalised(first.result.out) == normalised(second.result.out));
    }

    TEST_CASE("candidates that write are tried one at a time in file order under --jobs 4") {
        fs::path suite = fresh_dir("conc-writes");
        write_file(suite / "1-postgres.yaml", writes_scenario(true));
        write_file(suite / "2-mariadb.yaml", writes_scenario(false));
        SuiteRun run = run_suite({"--jobs", "4"}, suite, "rt-conc-writes");
        INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        REQUIRE(run.report["scenarios"].size() == 2);
        for (const auto& scenario : run.report["scenarios"]) {
            CAPTURE(scenario["scenario"]);
            CHECK(scenario["error"].is_null());
            std::vector<std::string> want;
            for (int n = 1; n <= 5; ++n) {
                want.push_back(fmt::format("insert row {}", n));
                want.push_back(fmt::format("count is {}", n));
            }
            REQUIRE(candidate_names(scenario) == want);
            for (const auto& candidate : scenario["candidates"])
                check_met(candidate, "pass");
        }
    }

    TEST_CASE("100 candidates naming unknown hosts cost no connect deadline under --jobs 2, and all are reported") {
        fs::path file = write_file(fresh_dir("conc-dead") / "dead.yaml", dead_hosts_scenario());
        SuiteRun run = run_suite({"--jobs", "2"}, file, "rt-conc-dead");
        std::smatch ready;
        long ready_ms = std::regex_search(run.result.out, ready, std::regex("ready in ([0-9]+) ms"))
                            ? std::stol(ready[1])
                            : run.took_ms;
        MESSAGE("100 dead hosts: " << run.took_ms << " ms in all, the server ready in " << ready_ms << " ms");
        INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 0);
        REQUIRE(run.report["scenarios"].size() == 1);
        const json& candidates = run.report["scenarios"][0]["candidates"];
        REQUIRE(candidates.size() == 100);
        for (std::size_t n = 0; n < candidates.size(); ++n) {
            CHECK(candidates[n]["name"] == fmt::format("dead host {:03}", n + 1));
            check_met(candidates[n], "dns");
        }
        CHECK_MESSAGE(ready_ms < run.took_ms, "no \"ready in\" on the console");
        // One candidate waiting out the default connect deadline (10 s) would break this. Server
        // start is left out: on a loaded machine it alone can take seconds.
        CHECK(run.took_ms - ready_ms < 8000);
        WARN_MESSAGE(run.took_ms < 8000, "the whole run took " << run.took_ms << " ms");
    }

    TEST_CASE("SIGINT mid-run: exit 130, both reports whole, untried candidates not_run interrupted, nothing left") {
        interrupt_suite(SIGINT, 130, "SIGINT", "rt-conc-sigint");
    }

    TEST_CASE("SIGTERM mid-run: exit 143, both reports whole, untried candidates not_run interrupted, nothing left") {
        interrupt_suite(SIGTERM, 143, "SIGTERM", "rt-conc-sigterm");
    }

    TEST_CASE("--fail-fast with --jobs 1: the first unmet expectation leaves the rest not_run fail-fast (exit 1)") {
        fs::path suite = fresh_dir("conc-fail-fast");
        write_file(suite / "1.yaml", sqlite_scenario("fail fast 1", 1, {1, 42, 1}));
        write_file(suite / "2.yaml", sqlite_scenario("fail fast 2", 2, {2, 2}));
        write_file(suite / "3.yaml", sqlite_scenario("fail fast 3", 3, {3}));

        SuiteRun fast = run_suite({"--jobs", "1", "--fail-fast"}, suite, "rt-conc-fail-fast");
        INFO("stdout:\n" << fast.result.out << "\nstderr:\n" << fast.result.err);
        CHECK(fast.result.exit_code == 1);
        CHECK(fast.report["exit_code"] == 1);
        CHECK(fast.report["stopped"] == "fail-fast");
        REQUIRE(scenario_names(fast.report) == std::vector<std::string>{"fail fast 1", "fail fast 2", "fail fast 3"});
        const json& first = fast.report["scenarios"][0]["candidates"];
        REQUIRE(first.size() == 3);
        check_met(first[0], "pass");
        CHECK(first[1]["verdict"] == "fail");
        CHECK(first[1]["not_run"].is_null());
        CHECK(first[1]["category"] == "expectation");
        check_untried(first[2], "fail-fast"); // queued behind the failure on the only worker
        for (std::size_t s = 1; s < 3; ++s) {
            CAPTURE(s);
            CHECK(fast.report["scenarios"][s]["error"].is_null());
            for (const auto& candidate : fast.report["scenarios"][s]["candidates"])
                check_untried(candidate, "fail-fast");
        }

        SuiteRun whole = run_suite({"--jobs", "1"}, suite, "rt-conc-no-fail-fast");
        CHECK(whole.result.exit_code == 1);
        CHECK(whole.report["stopped"].is_null());
        for (const auto& scenario : whole.report["scenarios"])
            for (const auto& candidate : scenario["candidates"])
                CHECK_MESSAGE(candidate["not_run"].is_null(), candidate.dump());
    }

    TEST_CASE("--timeout 2s cuts a 10 s setup short: exit 3 within 6 s, every candidate not_run timeout") {
        fs::path suite = fresh_dir("conc-timeout");
        write_file(suite / "1-slow.yaml", R"(scenario: slow setup
database:
  engine: postgres
  answers_as: [db.slow.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'conc-slow-pw'
    - sql: SELECT pg_sleep(10)
candidates:
  - name: connects
    driver: libpq
    url: postgresql://app:conc-slow-pw@db.slow.test:5432/postgres?sslmode=disable&connect_timeout=5
  - name: wrong password
    driver: libpq
    url: postgresql://app:nope@db.slow.test:5432/postgres?sslmode=disable&connect_timeout=5
    expect: {fail: auth}
)");
        write_file(suite / "2-quick.yaml", sqlite_scenario("after the slow one", 7, {7}));
        SuiteRun run = run_suite({"--jobs", "1", "--timeout", "2s"}, suite, "rt-conc-timeout");
        MESSAGE("--timeout 2s: the run took " << run.took_ms << " ms");
        INFO("stdout:\n" << run.result.out << "\nstderr:\n" << run.result.err);
        CHECK(run.result.exit_code == 3);
        CHECK(run.took_ms < 6000);
        CHECK(contains(run.result.out, "--timeout passed"));
        CHECK(run.report["exit_code"] == 3);
        CHECK(run.report["stopped"] == "timeout");
        CHECK(run.report["verdict"] == "fail");
        REQUIRE(scenario_names(run.report) == std::vector<std::string>{"slow setup", "after the slow one"});
        for (const auto& scenario : run.report["scenarios"]) {
            CAPTURE(scenario["scenario"]);
            CHECK(scenario["error"].is_null()); // cut short, not broken
            for (const auto& candidate : scenario["candidates"])
                check_untried(candidate, "timeout");
        }
    }

    TEST_CASE("--shard K/N: each scenario in exactly one part, dealt by its path relative to the working directory") {
        fs::path top = fresh_dir("conc-shard");
        fs::path suite = top / "suite";
        std::vector<std::string> names;
        for (int i = 1; i <= 9; ++i) {
            names.push_back(fmt::format("s{}.yaml", i));
            write_file(suite / names.back(), sqlite_scenario(fmt::format("shard {}", i), i, {i}));
        }
        fs::path root = fresh_runtime_root("rt-conc-shard");
        // The file names of the scenarios `stagegate run --shard K/N PATH` runs from `cwd`.
        auto part = [&](unsigned k, unsigned n, const std::string& path, const fs::path& cwd) {
            fs::path report = fresh_dir("conc-shard-report") / "report.json";
            auto result = run_stagegate({"run", "--shard", fmt::format("{}/{}", k, n), "--json", report.string(), path},
                                        {{"STAGEGATE_RUNTIME_DIR", root.string()}}, 60000, cwd.string());
            INFO("--shard " << k << "/" << n << " " << path << " from " << cwd.string() << "\nstdout:\n"
                            << result.out << "\nstderr:\n"
                            << result.err);
            CHECK(result.exit_code == 0);
            std::vector<std::string> files;
            if (!fs::exists(report))
                return files;
            json reported = parse_report(report);
            for (const auto& scenario : reported["scenarios"])
                files.push_back(fs::path(scenario["file"].get<std::string>()).filename().string());
            auto lines = lines_of(result.out);
            REQUIRE(!lines.empty());
            CHECK(lines.front() == fmt::format("shard {}/{}: {} of 9 scenarios", k, n, files.size()));
            return files;
        };
        // What shard_selection deals for keys `prefix` + name, in file order.
        auto dealt = [&](unsigned k, unsigned n, const std::string& prefix) {
            std::vector<std::string> keys;
            for (const auto& name : names)
                keys.push_back(prefix + name);
            std::vector<std::string> mine;
            for (std::size_t index : stagegate::shard_selection(keys, stagegate::Shard{k, n}))
                mine.push_back(names[index]);
            return mine;
        };
        for (unsigned n = 1; n <= 4; ++n) {
            CAPTURE(n);
            std::map<std::string, int> runs;
            for (unsigned k = 1; k <= n; ++k) {
                CAPTURE(k);
                auto files = part(k, n, "suite", top);
                CHECK(files == dealt(k, n, "suite/"));
                CHECK(files.size() >= 9 / n);
                CHECK(files.size() <= (9 + n - 1) / n);
                for (const auto& file : files)
                    ++runs[file];
            }
            CHECK(runs.size() == names.size());
            for (const auto& [file, times] : runs)
                CHECK_MESSAGE(times == 1, file << " runs in " << times << " parts");
        }
        // Guaranteed: the same working directory gives the same keys, so the same split, whether the
        // folder is named relative or absolute. Not guaranteed: the same split from another working
        // directory (the keys differ: "s1.yaml" instead of "suite/s1.yaml"), so a CI matrix must run
        // every job from the checkout's top.
        for (unsigned k = 1; k <= 3; ++k) {
            CAPTURE(k);
            CHECK(part(k, 3, suite.string(), top) == part(k, 3, "suite", top));
            CHECK(part(k, 3, (top / "." / "suite").string(), top) == dealt(k, 3, "suite/"));
        }
        for (unsigned k = 1; k <= 2; ++k) {
            CAPTURE(k);
            CHECK(part(k, 2, ".", suite) == dealt(k, 2, ""));
        }
    }

    TEST_CASE(
        "invalid --jobs, --timeout, --shard or report targets: exit 2, one line naming the flag, nothing started") {
        fs::path suite = write_file(fresh_dir("conc-flags") / "one.yaml", sqlite_scenario("flags", 1, {1}));
        struct Case {
            std::vector<std::string> flags;
            std::string says;
        };
        const std::vector<Case> cases{
            {{"--jobs", "0"}, "--jobs"},        {{"--jobs", "abc"}, "--jobs"},
            {{"--jobs", "-1"}, "--jobs"},       {{"--jobs", "257"}, "--jobs"},
            {{"--timeout", "5x"}, "--timeout"}, {{"--timeout", "0"}, "--timeout"},
            {{"--timeout", "0s"}, "--timeout"}, {{"--timeout", "169h"}, "--timeout"},
            {{"--shard", "3/2"}, "--shard"},    {{"--shard", "0/2"}, "--shard"},
            {{"--shard", "1"}, "--shard"},      {{"--shard", "1/0"}, "--shard"},
            {{"--shard", "a/b"}, "--shard"},    {{"--json", "-", "--junit", "-"}, "--json and --junit"},
        };
        fs::path root = fresh_runtime_root("rt-conc-flags");
        for (const auto& [flags, says] : cases) {
            std::string shown = fmt::format("{}", fmt::join(flags, " "));
            CAPTURE(shown);
            fs::path report = fresh_dir("conc-flags-report") / "report.json";
            std::vector<std::string> args{"run"};
            args.insert(args.end(), flags.begin(), flags.end());
            if (flags.front() != "--json")
                args.insert(args.end(), {"--json", report.string()});
            args.push_back(suite.string());
            auto result = run_stagegate(args, {{"STAGEGATE_RUNTIME_DIR", root.string()}});
            INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
            CHECK(result.exit_code == 2);
            CHECK(lines_of(result.err).size() == 1);
            CHECK(result.err.starts_with("stagegate: error: "));
            CHECK_MESSAGE(contains(result.err, says), "the error does not name " << says);
            CHECK(result.out.empty());
            CHECK_MESSAGE(fs::is_empty(root), "a run folder was made");
            CHECK_FALSE(fs::exists(report));
        }
    }
}
