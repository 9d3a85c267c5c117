// database.unreachable through the built binary: names staging has whose server does not
// answer. Candidates naming them wait until their own timeout (category timeout, the dead name
// in the message), on both engines; a libpq string with a second host fails over after
// connect_timeout as libpq's blocking connect does; and a suite of dead hosts costs about one
// connect deadline, not their sum, even with --jobs 1.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <chrono>
#include <string>

using namespace stagegate::test;
using nlohmann::json;

namespace {

// `count` libpq candidates naming the dead primary with connect_timeout=2, plus the cases that
// matter: no timeout at all (only the check's within_ms ends it), and failing over to the replica.
std::string postgres_scenario(int count) {
    std::string text = R"(scenario: dead primary on postgres
database:
  engine: postgres
  answers_as: [db-replica.dead.test:5432]
  unreachable: [db-primary.dead.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'dead-end-pw-51'
candidates:
  - name: no connect_timeout
    driver: libpq
    url: postgresql://app:dead-end-pw-51@db-primary.dead.test:5432/postgres
    expect: {fail: timeout}
    checks:
      - connect: {within_ms: 3000}
  - name: fails over to the replica
    driver: libpq
    url: postgresql://app:dead-end-pw-51@db-primary.dead.test:5432,db-replica.dead.test:5432/postgres?connect_timeout=2
    checks:
      - connect: {within_ms: 6000}
      - query: SELECT 1
        expect_value: "1"
  - name: the replica alone
    driver: libpq
    url: postgresql://app:dead-end-pw-51@db-replica.dead.test:5432/postgres?connect_timeout=2
)";
    for (int i = 0; i < count; ++i)
        text += "  - name: dead " + std::to_string(i) + R"(
    driver: libpq
    url: postgresql://app:dead-end-pw-51@db-primary.dead.test:5432/postgres?connect_timeout=2
    expect: {fail: timeout}
)";
    return text;
}

constexpr const char* k_mariadb = R"(scenario: dead primary on mariadb
database:
  engine: mariadb
  answers_as: [db-replica.dead.test:3306]
  unreachable: [db-primary.dead.test:3306]
  setup:
    - sql: CREATE USER app IDENTIFIED BY 'dead-end-pw-51'
candidates:
  - name: dead primary
    driver: mysqlcppconn
    url: mysql://app:dead-end-pw-51@db-primary.dead.test:3306/?connect-timeout=2
    expect: {fail: timeout}
  - name: the replica
    driver: mysqlcppconn
    url: mysql://app:dead-end-pw-51@db-replica.dead.test:3306/?connect-timeout=2
)";

long elapsed_ms(std::chrono::steady_clock::time_point start) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("unreachable hosts: candidates time out naming the dead host, libpq fails over, 40 dead cost one "
              "deadline") {
        auto dir = fresh_dir("unreachable");
        write_file(dir / "postgres.yaml", postgres_scenario(40));
        write_file(dir / "mariadb.yaml", k_mariadb);
        auto root = fresh_runtime_root("rt-unreachable");
        auto start = std::chrono::steady_clock::now();
        // --jobs 1: the waits need no worker, so even one worker does not add them up.
        auto result = run_stagegate({"run", "--jobs", "1", "--json", (dir / "report.json").string(), dir.string()},
                                    {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        long took = elapsed_ms(start);
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        // 41 two-second waits and a three-second one: their sum is over 80 s. Two servers' start
        // plus the failover's wait plus one deadline is a few seconds; 20 s leaves room for load.
        MESSAGE("40 dead hosts and the others: " << took << " ms");
        CHECK(took < 20000);
        json report = parse_report(dir / "report.json");
        const json* pg = find_scenario(report, "dead primary on postgres");
        REQUIRE(pg != nullptr);
        const json* dead = find_candidate(*pg, "dead 7");
        REQUIRE(dead != nullptr);
        CHECK((*dead)["category"] == "timeout");
        std::string message = (*dead)["message"];
        CHECK(contains(message, "db-primary.dead.test never answered (the scenario lists it as unreachable)"));
        CHECK((*dead)["elapsed_ms"].get<long>() >= 1900); // the client's own connect_timeout, not sooner
        const json* bare = find_candidate(*pg, "no connect_timeout");
        REQUIRE(bare != nullptr);
        CHECK(contains((*bare)["message"].get<std::string>(), "connect must finish within 3000 ms"));
        const json* failover = find_candidate(*pg, "fails over to the replica");
        REQUIRE(failover != nullptr);
        CHECK((*failover)["outcome"] == "pass");
        CHECK((*failover)["elapsed_ms"].get<long>() >= 1900); // it waited out the dead primary first
        const json* maria = find_scenario(report, "dead primary on mariadb");
        REQUIRE(maria != nullptr);
        const json* dead_maria = find_candidate(*maria, "dead primary");
        REQUIRE(dead_maria != nullptr);
        CHECK((*dead_maria)["category"] == "timeout");
        CHECK(contains((*dead_maria)["message"].get<std::string>(), "db-primary.dead.test never answered"));
        CHECK(find_candidate(*maria, "the replica") != nullptr);
        CHECK((*find_candidate(*maria, "the replica"))["outcome"] == "pass");
        check_no_secrets(result, parse_report(dir / "report.json").dump(), {"dead-end-pw-51"});
        check_nothing_left(root);
    }

    TEST_CASE("unreachable hosts: lint knows them, and suggests them for a typo") {
        auto dir = fresh_dir("unreachable-lint");
        auto file = write_file(dir / "lint.yaml", R"(scenario: dead lint
database:
  engine: postgres
  answers_as: [db-replica.dead.test:5432]
  unreachable: [db-primary.dead.test:5432]
candidates:
  - name: dead
    driver: libpq
    url: postgresql://app@db-primary.dead.test:5432/app?connect_timeout=2
    expect: {fail: timeout}
  - name: typo of the dead name
    driver: libpq
    url: postgresql://app@db-primry.dead.test:5432/app?connect_timeout=2
    expect: {fail: timeout}
)");
        auto result = run_stagegate({"lint", file.string()});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1); // the typo would fail as dns, not time out at the dead host
        CHECK(contains(result.out, "lint.yaml:7:5: ok: dead"));
        CHECK(
            contains(result.out + result.err,
                     "typo of the dead name: host db-primry.dead.test is unknown; did you mean db-primary.dead.test or "
                     "db-replica.dead.test?"));
    }

    TEST_CASE("unreachable hosts: a name both answering and unreachable, or on sqlite, is a scenario error") {
        auto dir = fresh_dir("unreachable-bad");
        auto both = write_file(dir / "both.yaml", R"(scenario: both
database:
  engine: postgres
  answers_as: [db.both.test:5432]
  unreachable: [db.both.test:5432]
candidates:
  - name: c
    driver: libpq
    url: postgresql://app@db.both.test/postgres
)");
        auto result = run_stagegate({"lint", both.string()});
        CHECK(result.exit_code == 2);
        CHECK(contains(result.err, "both.yaml:5:16: error: database.unreachable: db.both.test:5432 is also in "
                                   "answers_as: a name either answers or does not"));
        auto sqlite = write_file(dir / "sqlite.yaml", R"(scenario: sqlite
database:
  engine: sqlite
  answers_as: [/var/lib/app/app.db]
  unreachable: [db.test:5432]
candidates:
  - name: c
    driver: soci
    url: sqlite3://db=/var/lib/app/app.db
)");
        result = run_stagegate({"lint", sqlite.string()});
        CHECK(result.exit_code == 2);
        CHECK(contains(result.err, "an sqlite database is a local file: it has no hosts to be unreachable"));
    }
}
