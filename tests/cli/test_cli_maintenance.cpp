// Maintenance dry runs through the built binary: before and after phases on a real twin,
// settings steps that reload or restart, pg_hba rules, MariaDB read-only variables, and a
// failing step (exit 3).
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace stagegate::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Checks one candidate's judgement: outcome "pass", or the failure category; verdict always pass.
void check_judged(const json& scenario, const std::string& name, const std::string& phase, const std::string& category,
                  const std::string& message = "") {
    CAPTURE(name);
    CAPTURE(phase);
    const json* c = find_candidate(scenario, name, phase);
    REQUIRE_MESSAGE(c != nullptr, "no candidate " << name << " in phase " << phase);
    INFO("candidate: " << c->dump());
    CHECK((*c)["verdict"] == "pass");
    if (category == "pass") {
        CHECK((*c)["expected"] == "pass");
        CHECK((*c)["outcome"] == "pass");
        CHECK((*c)["category"].is_null());
    } else {
        CHECK((*c)["expected"] == "fail:" + category);
        CHECK((*c)["outcome"] == "fail");
        CHECK((*c)["category"] == category);
    }
    if (!message.empty())
        CHECK_MESSAGE(contains((*c)["message"].get<std::string>(), message), "message lacks: " << message);
}

constexpr const char* k_pg_old = "maint-pg-old-password";
constexpr const char* k_pg_new = "maint-pg-new-password";
constexpr const char* k_my_password = "maint-maria-password";

// Rotate the password, raise max_connections (restart), change work_mem and statement_timeout
// (reload), allow app only over TLS to users (pg_hba rules), move the port.
constexpr const char* k_pg_plan = R"(scenario: postgres plan
database:
  engine: postgres
  answers_as: [db.plan.test:5432]
  tls: {certificate: valid}
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'maint-pg-old-password'
    - sql: CREATE DATABASE users OWNER app
    - sql: |
        CREATE TABLE accounts (id int PRIMARY KEY, email text);
        INSERT INTO accounts VALUES (1, 'ada@example.com'), (2, 'grace@example.com');
        ALTER TABLE accounts OWNER TO app;
      database: users
maintenance:
  - sql: ALTER ROLE app PASSWORD 'maint-pg-new-password'
  - settings: {max_connections: 77}
  - settings: {work_mem: 8MB, statement_timeout: 7s}
  - access: {rules: [hostssl users app scram-sha-256]}
  - answers_as: [db.plan.test:6432]
candidates:
  - name: today's config
    driver: libpq
    url: postgresql://app:maint-pg-old-password@db.plan.test:5432/users?sslmode=disable&connect_timeout=5
    expect: {before: pass, after: {fail: refused}}
    checks:
      - query: SELECT count(*) FROM accounts
        expect_value: "2"
      - setting: max_connections
        equals: "100"
      - setting: work_mem
        equals: 4MB
  - name: new port, old password
    driver: libpq
    url: postgresql://app:maint-pg-old-password@db.plan.test:6432/users?sslmode=verify-full&sslrootcert=${STAGEGATE_CA_FILE}&connect_timeout=5
    expect: {after: {fail: auth}}
  - name: new config, plaintext
    driver: libpq
    url: postgresql://app:maint-pg-new-password@db.plan.test:6432/users?sslmode=disable&connect_timeout=5
    expect: {after: {fail: tls}}
  - name: new config, other database
    driver: libpq
    url: postgresql://app:maint-pg-new-password@db.plan.test:6432/postgres?sslmode=verify-full&sslrootcert=${STAGEGATE_CA_FILE}&connect_timeout=5
    expect: {after: {fail: auth}}
  - name: new config
    driver: libpq
    url: postgresql://app:maint-pg-new-password@db.plan.test:6432/users?sslmode=verify-full&sslrootcert=${STAGEGATE_CA_FILE}&connect_timeout=5
    expect: {before: {fail: refused}, after: pass}
    checks:
      - tls
      - setting: max_connections
        equals: "77"
      - setting: work_mem
        equals: 8MB
      - setting: statement_timeout
        equals: 7s
      - query: SELECT email FROM accounts ORDER BY id
        expect_data: [[ada@example.com], [grace@example.com]]
)";

// skip_name_resolve is read-only in MariaDB 10.11: the step restarts the server; a row written by
// a candidate before the step must survive the restart.
constexpr const char* k_maria_plan = R"(scenario: mariadb plan
database:
  engine: mariadb
  answers_as: [db.plan.test:3306]
  setup:
    - sql: |
        CREATE DATABASE shop;
        CREATE USER 'app'@'%' IDENTIFIED BY 'maint-maria-password';
        GRANT SELECT, INSERT ON shop.* TO 'app'@'%';
        CREATE TABLE shop.items (id INT PRIMARY KEY);
        INSERT INTO shop.items VALUES (1), (2), (3);
maintenance:
  - settings: {skip_name_resolve: "ON", max_connections: 55}
  - sql: ALTER USER 'app'@'%' IDENTIFIED BY 'maint-maria-password'
candidates:
  - name: writer
    driver: mysqlcppconn
    url: mysql://app:maint-maria-password@db.plan.test:3306/shop?connect-timeout=5
    expect: {before: pass}
    checks:
      - query: INSERT INTO items VALUES (4)
  - name: reader
    driver: mysqlcppconn
    url: mysql://app:maint-maria-password@db.plan.test:3306/shop?connect-timeout=5
    expect: {before: {fail: expectation}, after: pass}
    checks:
      - query: SELECT count(*) FROM items
        expect_value: "4"
      - setting: max_connections
        equals: "55"
      - setting: skip_name_resolve
        equals: "ON"
  - name: old port
    driver: mysqlcppconn
    url: mysql://app:maint-maria-password@db.plan.test:3307/shop?connect-timeout=5
    expect: {after: {fail: refused}}
)";

} // namespace

TEST_SUITE("maintenance") {
    TEST_CASE("maintenance: before passes, after catches the configs left behind; reload, restart, pg_hba rules") {
        auto root = fresh_runtime_root("rt-maint");
        auto dir = fresh_dir("maint");
        auto pg_file = write_file(dir / "pg-plan.yaml", k_pg_plan);
        auto my_file = write_file(dir / "maria-plan.yaml", k_maria_plan);
        auto result =
            run_stagegate({"run", "--json", (dir / "report.json").string(), pg_file.string(), my_file.string()},
                          {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        std::string text = read_file(dir / "report.json");
        json report = parse_report(dir / "report.json");
        CHECK(report["verdict"] == "pass");

        { // postgres
            const json* s = find_scenario(report, "postgres plan");
            REQUIRE(s != nullptr);
            CHECK((*s)["error"].is_null());
            const json& steps = (*s)["maintenance"];
            REQUIRE(steps.size() == 5);
            for (const auto& step : steps)
                CHECK(step["outcome"] == "done");
            CHECK(steps[0]["step"] == "sql: ALTER ROLE app PASSWORD '********'");
            CHECK(steps[0]["result"] == "done");
            CHECK(steps[1]["step"] == "settings: max_connections");
            CHECK(steps[1]["result"] == "restart (max_connections needs one)");
            CHECK(steps[2]["step"] == "settings: work_mem, statement_timeout");
            CHECK(steps[2]["result"] == "reload");
            CHECK(steps[3]["result"] == "reload");
            CHECK(steps[4]["result"] == "clients now reach it as db.plan.test:6432");

            check_judged(*s, "today's config", "before", "pass");
            check_judged(*s, "new config", "before", "refused", "db.plan.test:6432 refuses connections");
            check_judged(*s, "today's config", "after", "refused",
                         "db.plan.test:5432 refuses connections; db.plan.test answers on port 6432");
            check_judged(*s, "new port, old password", "after", "auth", "password authentication failed");
            check_judged(*s, "new config, plaintext", "after", "tls", "no encryption");
            // the hostssl rule names users only: app to postgres has no pg_hba entry even over TLS
            check_judged(*s, "new config, other database", "after", "auth", "no pg_hba.conf entry");
            check_judged(*s, "new config", "after", "pass");
            const json* fresh = find_candidate(*s, "new config", "after");
            REQUIRE(fresh != nullptr);
            CHECK((*fresh)["tls"].get<std::string>().starts_with("TLSv1."));
            std::vector<std::string> labels;
            for (const auto& check : (*fresh)["checks"]) {
                labels.push_back(check["check"]);
                CHECK(check["outcome"] == "pass");
            }
            CHECK(labels == std::vector<std::string>{"connect", "tls", "setting: max_connections", "setting: work_mem",
                                                     "setting: statement_timeout",
                                                     "query: SELECT email FROM accounts ORDER BY id"});
            // the before phase really ran on the old settings
            const json* old = find_candidate(*s, "today's config", "before");
            REQUIRE(old != nullptr);
            CHECK((*old)["checks"].size() == 4);
        }

        { // mariadb
            const json* s = find_scenario(report, "mariadb plan");
            REQUIRE(s != nullptr);
            CHECK((*s)["error"].is_null());
            const json& steps = (*s)["maintenance"];
            REQUIRE(steps.size() == 2);
            CHECK(steps[0]["step"] == "settings: skip_name_resolve, max_connections");
            CHECK(steps[0]["outcome"] == "done");
            CHECK(steps[0]["result"] == "restart (skip_name_resolve needs one)");
            CHECK(steps[1]["result"] == "done");
            check_judged(*s, "writer", "before", "pass");
            check_judged(*s, "reader", "before", "expectation", "setting max_connections is \"151\", expected \"55\"");
            check_judged(*s, "reader", "after", "pass"); // the row written before the restart is still there
            check_judged(*s, "old port", "after", "refused", "db.plan.test answers on port 3306");
        }

        check_no_secrets(result, text, {k_pg_old, k_pg_new, k_my_password});
        check_nothing_left(root);
    }

    TEST_CASE("maintenance: a step the server refuses stops the scenario with exit 3, naming the setting") {
        auto root = fresh_runtime_root("rt-maint-bad");
        auto dir = fresh_dir("maint-bad");
        auto file = write_file(dir / "bad-step.yaml", R"(scenario: bad step
database:
  engine: postgres
  answers_as: [db.bad.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'maint-bad-step-pw'
maintenance:
  - settings: {work_mem: 4MB}
  - settings: {max_connections: lots}
  - sql: ALTER ROLE app PASSWORD 'maint-never-applied-pw'
candidates:
  - name: app
    driver: libpq
    url: postgresql://app:maint-bad-step-pw@db.bad.test:5432/postgres?sslmode=disable&connect_timeout=5
    expect: {before: pass, after: pass}
)");
        auto result = run_stagegate({"run", "--json", (dir / "report.json").string(), file.string()},
                                    {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 3);
        std::string text = read_file(dir / "report.json");
        json report = parse_report(dir / "report.json");
        CHECK(report["verdict"] == "fail");
        const json* s = find_scenario(report, "bad step");
        REQUIRE(s != nullptr);
        REQUIRE((*s)["error"].is_string());
        std::string error = (*s)["error"];
        CHECK(contains(error, "bad-step.yaml:9:5: maintenance step failed"));
        CHECK(contains(error, "invalid value for parameter \"max_connections\": \"lots\""));
        // the first step ran, the second failed, the third was never tried
        REQUIRE((*s)["maintenance"].size() == 2);
        CHECK((*s)["maintenance"][0]["outcome"] == "done");
        CHECK((*s)["maintenance"][0]["result"] == "reload");
        CHECK((*s)["maintenance"][1]["outcome"] == "fail");
        CHECK((*s)["maintenance"][1]["step"] == "settings: max_connections");
        // the before phase ran and passed; the after phase was not tried, and says so
        REQUIRE((*s)["candidates"].size() == 2);
        CHECK((*s)["candidates"][0]["phase"] == "before");
        CHECK((*s)["candidates"][0]["verdict"] == "pass");
        CHECK((*s)["candidates"][0]["not_run"].is_null());
        CHECK((*s)["candidates"][1]["phase"] == "after");
        CHECK((*s)["candidates"][1]["not_run"] == "scenario-error");
        check_no_secrets(result, text, {"maint-bad-step-pw", "maint-never-applied-pw"});
        check_nothing_left(root);
    }

    TEST_CASE("maintenance: a misspelt setting in a step is a scenario error with a suggestion (exit 2)") {
        // Since 57ca06b the names are checked against the installed server before anything starts,
        // so the step never reaches the server.
        auto dir = fresh_dir("maint-typo");
        auto file = write_file(dir / "typo-step.yaml", R"(scenario: typo step
database:
  engine: postgres
  answers_as: [db.bad.test:5432]
maintenance:
  - settings: {max_conections: 50}
candidates:
  - name: app
    driver: libpq
    url: postgresql://app:maint-typo-step-pw@db.bad.test:5432/postgres
)");
        auto result = run_stagegate({"run", "--json", (dir / "report.json").string(), file.string()});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(contains(result.err,
                       "typo-step.yaml:6:16: error: maintenance[0].settings.max_conections: unknown setting "
                       "\"max_conections\" (did you mean max_connections"));
        CHECK(!fs::exists(dir / "report.json"));
        CHECK(!contains(result.out + result.err, "maint-typo-step-pw"));
    }

    // postgres --describe-config leaves out preset settings (block_size, server_version, ...):
    // they are refused as fixed, not as unknown.
    TEST_CASE("maintenance: an internal PostgreSQL setting is refused as read-only, not as unknown") {
        auto dir = fresh_dir("maint-internal");
        auto file = write_file(dir / "internal.yaml", R"(scenario: internal setting
database:
  engine: postgres
  answers_as: [db.bad.test:5432]
maintenance:
  - settings: {block_size: 16384}
candidates:
  - name: app
    driver: libpq
    url: postgresql://app:pw-internal-1@db.bad.test:5432/postgres
)");
        auto result = run_stagegate({"run", file.string()});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(!contains(result.out + result.err, "does not have it"));
        CHECK(contains(result.out + result.err, "block_size"));
        CHECK(result.exit_code == 2);
        CHECK(contains(result.err, "maintenance[0].settings.block_size: block_size is fixed when PostgreSQL is built "
                                   "or the cluster is made: no setting can change it"));
    }
}

TEST_SUITE("client environment") {
    // PGPASSWORD and ~/.pgpass count only for a scenario that opts in: the same string without a
    // password fails as auth in an isolated scenario and passes in one with client_environment:
    // machine, and the report says which scenario opted in.
    TEST_CASE("client environment: the machine's PGPASSWORD counts only when the scenario opts in") {
        auto dir = fresh_dir("client-env");
        std::string body = R"(
database:
  engine: postgres
  answers_as: [db.env.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'env-machine-password-1'
candidates:
  - name: no password in the string
    driver: libpq
    url: postgresql://app@db.env.test:5432/postgres?connect_timeout=5
)";
        auto isolated = write_file(dir / "a-isolated.yaml", "scenario: isolated" + body + "    expect: {fail: auth}\n");
        auto machine = write_file(dir / "b-machine.yaml", "scenario: machine\nclient_environment: machine" + body);
        auto report_file = dir / "report.json";
        auto result = run_stagegate({"run", "--json", report_file.string(), isolated.string(), machine.string()},
                                    {{"PGPASSWORD", "env-machine-password-1"}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        auto report = parse_report(report_file);
        const json* first = find_scenario(report, "isolated");
        const json* second = find_scenario(report, "machine");
        REQUIRE(first != nullptr);
        REQUIRE(second != nullptr);
        CHECK((*first)["client_environment"] == "isolated");
        CHECK((*second)["client_environment"] == "machine");
        CHECK((*first)["candidates"][0]["category"] == "auth");
        CHECK((*second)["candidates"][0]["outcome"] == "pass");
        CHECK(contains(result.out, "client environment: the machine's own"));
        check_no_secrets(result, read_file(report_file), {"env-machine-password-1"});
    }
}
