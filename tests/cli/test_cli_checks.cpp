// The new checks through the built binary, passing and failing for real on PostgreSQL and
// MariaDB: query data and regex, setting equals/at_least/at_most, privileges (tables and
// CONNECT), read_write, identity same_as, and pool size/headroom.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace stagegate::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Judged {
    std::string name;
    std::string phase;    // "" (no maintenance), "before", "after"
    std::string category; // "pass" or the failure category
    std::string failing;  // the label of the check that failed ("" for a pass)
    std::string message;  // part of the message ("" for a pass)
};

void check_judged(const json& scenario, const Judged& want) {
    CAPTURE(want.name);
    CAPTURE(want.phase);
    const json* found = find_candidate(scenario, want.name, want.phase);
    REQUIRE_MESSAGE(found != nullptr, "no candidate " << want.name);
    const json& c = *found;
    INFO("candidate: " << c.dump());
    CHECK(c["verdict"] == "pass");
    if (want.category == "pass") {
        CHECK(c["expected"] == "pass");
        CHECK(c["outcome"] == "pass");
        CHECK(c["message"] == "every check passed");
        for (const auto& check : c["checks"])
            CHECK(check["outcome"] == "pass");
        return;
    }
    CHECK(c["expected"] == "fail:" + want.category);
    CHECK(c["outcome"] == "fail");
    CHECK(c["category"] == want.category);
    CHECK_MESSAGE(contains(c["message"].get<std::string>(), want.message), "message lacks: " << want.message);
    // the connect check passed and the named check is the one that failed
    CHECK(c["checks"][0]["outcome"] == "pass");
    bool seen = false;
    for (const auto& check : c["checks"]) {
        if (check["outcome"] == "fail") {
            CHECK(check["check"] == want.failing);
            CHECK(check["category"] == want.category);
            seen = true;
        }
    }
    CHECK(seen);
}

// The ro role's sessions are read-only (ALTER ROLE ... SET default_transaction_read_only); items
// belongs to app; other refuses CONNECT to PUBLIC; max_connections is low (20, 3 reserved).
constexpr const char* k_pg = R"(scenario: pg checks
database:
  engine: postgres
  answers_as: [db.checks.test:5432]
  settings: {max_connections: 20, work_mem: 6MB}
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'checks-app-pw'
    - sql: CREATE ROLE ro LOGIN PASSWORD 'checks-ro-pw'
    - sql: ALTER ROLE ro SET default_transaction_read_only = on
    - sql: CREATE DATABASE shop OWNER app
    - sql: CREATE DATABASE other
    - sql: REVOKE CONNECT ON DATABASE other FROM PUBLIC
    - sql: |
        CREATE TABLE items (id int PRIMARY KEY, name text, price numeric);
        INSERT INTO items VALUES (1, 'apple', 1.50), (2, 'pear', NULL);
        GRANT SELECT ON items TO ro;
      database: shop
    - sql: ALTER TABLE items OWNER TO app
      database: shop
candidates:
  - name: data ok
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable&connect_timeout=5
    checks:
      - query: SELECT id, name, price FROM items ORDER BY id
        expect_data: [[1, apple, "1.50"], [2, pear, "NULL"]]
      - query: SELECT name FROM items WHERE id = 1
        expect_match: "^app"
      - setting: max_connections
        equals: "20"
      - setting: max_connections
        at_least: 10
        at_most: 20
      - privileges: {can: [SELECT items, INSERT items, CONNECT shop], cannot: [CONNECT other]}
      - read_write: writable
      - pool: {size: 5, headroom: 5}
  - name: data wrong
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable&connect_timeout=5
    expect: {fail: expectation}
    checks:
      - query: SELECT id, name, price FROM items ORDER BY id
        expect_data: [[1, apple, "1.50"], [2, pear, "2.00"]]
  - name: match wrong
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable&connect_timeout=5
    expect: {fail: expectation}
    checks:
      - query: SELECT name FROM items WHERE id = 2
        expect_match: "^app"
  - name: setting equals wrong
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable
    expect: {fail: expectation}
    checks:
      - setting: work_mem
        equals: 4MB
  - name: setting at_least wrong
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable
    expect: {fail: expectation}
    checks:
      - setting: max_connections
        at_least: 100
  - name: setting at_most wrong
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable
    expect: {fail: expectation}
    checks:
      - setting: max_connections
        at_most: 19
  - name: ro lacks insert
    driver: libpq
    url: postgresql://ro:checks-ro-pw@db.checks.test:5432/shop?sslmode=disable
    expect: {fail: permission}
    checks:
      - privileges: {can: [SELECT items, INSERT items]}
  - name: app has a forbidden SELECT
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable
    expect: {fail: permission}
    checks:
      - privileges: {cannot: [SELECT items]}
  - name: ro read only
    driver: libpq
    url: postgresql://ro:checks-ro-pw@db.checks.test:5432/shop?sslmode=disable
    checks:
      - read_write: read-only
  - name: ro expected writable
    driver: libpq
    url: postgresql://ro:checks-ro-pw@db.checks.test:5432/shop?sslmode=disable
    expect: {fail: expectation}
    checks:
      - read_write: writable
  - name: app expected read only
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable
    expect: {fail: expectation}
    checks:
      - read_write: read-only
  - name: same db
    driver: libpq
    url: host=db.checks.test dbname=shop user=app password=checks-app-pw sslmode=disable
    checks:
      - identity: {same_as: data ok}
  - name: wrong db
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/postgres?sslmode=disable
    expect: {fail: expectation}
    checks:
      - identity: {same_as: data ok}
  - name: pool too big
    driver: libpq
    url: postgresql://app:checks-app-pw@db.checks.test:5432/shop?sslmode=disable
    expect: {fail: expectation}
    checks:
      - pool: {size: 5, headroom: 30}
)";

// max_connections 25; app may SELECT and INSERT in shop; ro may only SELECT items; the
// maintenance makes the server read-only.
constexpr const char* k_maria = R"(scenario: maria checks
database:
  engine: mariadb
  answers_as: [db.checks.test:3306]
  settings: {max_connections: 25}
  setup:
    - sql: |
        CREATE DATABASE shop;
        CREATE DATABASE other;
        CREATE USER 'app'@'%' IDENTIFIED BY 'maria-app-pw';
        CREATE USER 'ro'@'%' IDENTIFIED BY 'maria-ro-pw';
        GRANT SELECT, INSERT ON shop.* TO 'app'@'%';
        CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(5,2));
        GRANT SELECT ON shop.items TO 'ro'@'%';
        INSERT INTO shop.items VALUES (1, 'apple', 1.50), (2, 'pear', NULL);
maintenance:
  - settings: {read_only: "ON"}
candidates:
  - name: data ok
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: pass}
    checks:
      - query: SELECT id, name, price FROM items ORDER BY id
        expect_data: [[1, apple, "1.50"], [2, pear, "NULL"]]
      - query: SELECT name FROM items WHERE id = 1
        expect_match: "^app"
      - setting: max_connections
        equals: "25"
      - setting: max_connections
        at_least: 20
        at_most: 25
      - privileges: {can: [SELECT items, INSERT items, CONNECT shop], cannot: [DELETE items, CONNECT other]}
      - read_write: writable
      - pool: {size: 5, headroom: 5}
  - name: data wrong
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: {fail: expectation}}
    checks:
      - query: SELECT id, name FROM items ORDER BY id
        expect_data: [[1, apple], [2, plum]]
  - name: match wrong
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: {fail: expectation}}
    checks:
      - query: SELECT name FROM items WHERE id = 2
        expect_match: "^app"
  - name: setting wrong
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: {fail: expectation}}
    checks:
      - setting: max_connections
        at_least: 100
  - name: setting at_most wrong
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: {fail: expectation}}
    checks:
      - setting: max_connections
        at_most: 24
  - name: ro lacks insert
    driver: mysqlcppconn
    url: mysql://ro:maria-ro-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: {fail: permission}}
    checks:
      - privileges: {can: [SELECT items, INSERT items]}
  - name: ro lacks CONNECT other
    driver: mysqlcppconn
    url: mysql://ro:maria-ro-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: {fail: permission}}
    checks:
      - privileges: {can: [CONNECT other]}
  - name: same db
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test/shop?connect-timeout=5
    expect: {before: pass}
    checks:
      - identity: {same_as: data ok}
  - name: wrong db
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/?connect-timeout=5
    expect: {before: {fail: expectation}}
    checks:
      - identity: {same_as: data ok}
  - name: pool too big
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: {fail: expectation}}
    checks:
      - pool: {size: 5, headroom: 30}
  - name: writable before read only after
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {before: {fail: expectation}, after: pass}
    checks:
      - read_write: read-only
  - name: writable after
    driver: mysqlcppconn
    url: mysql://app:maria-app-pw@db.checks.test:3306/shop?connect-timeout=5
    expect: {after: {fail: expectation}}
    checks:
      - read_write: writable
)";

} // namespace

TEST_SUITE("checks") {
    TEST_CASE("checks: data, settings, privileges, read_write, identity and pool pass and fail for real") {
        auto root = fresh_runtime_root("rt-checks");
        auto dir = fresh_dir("checks");
        auto pg_file = write_file(dir / "pg-checks.yaml", k_pg);
        auto my_file = write_file(dir / "maria-checks.yaml", k_maria);
        auto result =
            run_stagegate({"run", "--json", (dir / "report.json").string(), pg_file.string(), my_file.string()},
                          {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        std::string text = read_file(dir / "report.json");
        json report = parse_report(dir / "report.json");
        CHECK(report["verdict"] == "pass");

        const json* pg = find_scenario(report, "pg checks");
        REQUIRE(pg != nullptr);
        CHECK((*pg)["error"].is_null());
        CHECK((*pg)["candidates"].size() == 14);
        for (const auto& want : std::vector<Judged>{
                 {"data ok", "", "pass", "", ""},
                 {"data wrong", "", "expectation", "query: SELECT id, name, price FROM items ORDER BY id",
                  "row 2, column 3 (price): expected \"2.00\", got \"NULL\""},
                 {"match wrong", "", "expectation", "query: SELECT name FROM items WHERE id = 2",
                  "expected a value matching /^app/, got \"pear\""},
                 {"setting equals wrong", "", "expectation", "setting: work_mem",
                  "setting work_mem is \"6MB\", expected \"4MB\""},
                 {"setting at_least wrong", "", "expectation", "setting: max_connections",
                  "setting max_connections is 20, expected at least 100"},
                 {"setting at_most wrong", "", "expectation", "setting: max_connections",
                  "setting max_connections is 20, expected at most 19"},
                 {"ro lacks insert", "", "permission", "privileges: SELECT items, INSERT items",
                  "the candidate's account lacks INSERT on items"},
                 {"app has a forbidden SELECT", "", "permission", "privileges: no SELECT items",
                  "has SELECT on items, which the scenario says it must not"},
                 {"ro read only", "", "pass", "", ""},
                 {"ro expected writable", "", "expectation", "read_write: writable",
                  "the session is read-only: every write would fail"},
                 {"app expected read only", "", "expectation", "read_write: read-only",
                  "the session accepts writes, but the scenario expects a read-only one"},
                 {"same db", "", "pass", "", ""},
                 {"wrong db", "", "expectation", "identity: same server as data ok", "lands on database postgres at"},
                 {"pool too big", "", "expectation", "pool: 5 sessions, 30 spare",
                  "a pool of 5 with 30 spare needs 35 connections, but the server allows 17 (max_connections 20, 3 "
                  "reserved for superusers"}})
            check_judged(*pg, want);
        const json* ok = find_candidate(*pg, "data ok");
        REQUIRE(ok != nullptr);
        std::vector<std::string> layers;
        for (const auto& check : (*ok)["checks"])
            layers.push_back(check["layer"]);
        CHECK(layers.size() == 8);
        CHECK(std::find(layers.begin(), layers.end(), "") == layers.end());

        const json* my = find_scenario(report, "maria checks");
        REQUIRE(my != nullptr);
        CHECK((*my)["error"].is_null());
        REQUIRE((*my)["maintenance"].size() == 1);
        CHECK((*my)["maintenance"][0]["result"] == "reload");
        CHECK((*my)["candidates"].size() == 13);
        for (const auto& want : std::vector<Judged>{
                 {"data ok", "before", "pass", "", ""},
                 {"data wrong", "before", "expectation", "query: SELECT id, name FROM items ORDER BY id",
                  "row 2, column 2 (name): expected \"plum\", got \"pear\""},
                 {"match wrong", "before", "expectation", "query: SELECT name FROM items WHERE id = 2",
                  "expected a value matching /^app/, got \"pear\""},
                 {"setting wrong", "before", "expectation", "setting: max_connections",
                  "setting max_connections is 25, expected at least 100"},
                 {"setting at_most wrong", "before", "expectation", "setting: max_connections",
                  "setting max_connections is 25, expected at most 24"},
                 {"ro lacks insert", "before", "permission", "privileges: SELECT items, INSERT items",
                  "the candidate's account lacks INSERT on items"},
                 {"ro lacks CONNECT other", "before", "permission", "privileges: CONNECT other",
                  "the candidate's account lacks CONNECT on other"},
                 {"same db", "before", "pass", "", ""},
                 {"wrong db", "before", "expectation", "identity: same server as data ok",
                  "lands on database (none) at"},
                 {"pool too big", "before", "expectation", "pool: 5 sessions, 30 spare",
                  "a pool of 5 with 30 spare needs 35 connections, but the server allows 25 (max_connections 25"},
                 {"writable before read only after", "before", "expectation", "read_write: read-only",
                  "the session accepts writes, but the scenario expects a read-only one"},
                 {"writable before read only after", "after", "pass", "", ""},
                 {"writable after", "after", "expectation", "read_write: writable",
                  "the session is read-only: every write would fail"}})
            check_judged(*my, want);

        check_no_secrets(result, text, {"checks-app-pw", "checks-ro-pw", "maria-app-pw", "maria-ro-pw"});
        check_nothing_left(root);
    }
}
