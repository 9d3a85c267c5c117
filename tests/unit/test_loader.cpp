#include <doctest/doctest.h>

#include "scenario/loader.hpp"
#include "support.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <string>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// The first four lines of most scenarios below, so that candidates start on line 5.
const std::string k_head = "scenario: s\n"
                           "database:\n"
                           "  engine: postgres\n"
                           "  answers_as: [db]\n";

// A valid candidate list starting on line 5.
const std::string k_candidates = "candidates:\n"
                                 "  - name: a\n"
                                 "    driver: libpq\n"
                                 "    url: postgresql://db/app\n";

// Loads `text` as "s.yaml" and returns the error it must fail with.
ScenarioError error_of(const std::string& text, const Environment& env = fixed_env({})) {
    auto result = load_scenario_text(text, "s.yaml", env);
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

// Returns "s.yaml:line:col: error: message".
std::string at(int line, int column, const std::string& message) {
    return "s.yaml:" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message;
}

const std::string k_categories =
    "config, dns, refused, timeout, tls, auth, no-database, permission, query, expectation, server";

} // namespace

TEST_SUITE("loader") {
    TEST_CASE("a full scenario loads with every field") {
        auto dir = fresh_dir("loader-full");
        write_file(dir / "sql/init.sql", "CREATE SCHEMA ${SCHEMA:-app};\n");
        write_file(dir / "config/app.env", "DATABASE_URL=postgresql://db-primary.internal/users\n");
        const std::string text = "scenario: full ${STAGE}\n"                                                // 1
                                 "database:\n"                                                              // 2
                                 "  engine: postgres\n"                                                     // 3
                                 "  provider: local\n"                                                      // 4
                                 "  answers_as: [db-primary.internal, \"replica.internal:6432\"]\n"         // 5
                                 "  settings:\n"                                                            // 6
                                 "    max_connections: \"20\"\n"                                            // 7
                                 "    log_min_duration_statement: 0\n"                                      // 8
                                 "  setup:\n"                                                               // 9
                                 "    - sql: CREATE ROLE app LOGIN PASSWORD '${APP_DB_PASSWORD}'\n"         // 10
                                 "    - file: sql/init.sql\n"                                               // 11
                                 "      database: users\n"                                                  // 12
                                 "candidates:\n"                                                            // 13
                                 "  - name: from the url\n"                                                 // 14
                                 "    driver: libpq\n"                                                      // 15
                                 "    url: postgresql://app:${APP_DB_PASSWORD}@db-primary.internal/users\n" // 16
                                 "    expect: pass\n"                                                       // 17
                                 "    checks:\n"                                                            // 18
                                 "      - connect: {within_ms: 1500}\n"                                     // 19
                                 "      - query: SELECT count(*) FROM accounts\n"                           // 20
                                 "        expect_value: \"3\"\n"                                            // 21
                                 "        timeout_ms: 2500\n"                                               // 22
                                 "      - query: SELECT 1\n"                                                // 23
                                 "        expect_rows: 1\n"                                                 // 24
                                 "  - name: from the config file\n"                                         // 25
                                 "    driver: libpq\n"                                                      // 26
                                 "    from: {file: config/app.env, key: DATABASE_URL}\n"                    // 27
                                 "    expect: {fail: auth}\n"                                               // 28
                                 "  - name: queries only\n"                                                 // 29
                                 "    driver: libpq\n"                                                      // 30
                                 "    url: postgresql://db-primary.internal/users\n"                        // 31
                                 "    checks:\n"                                                            // 32
                                 "      - query: SELECT 2\n";                                               // 33
        auto file = dir / "full.yaml";
        auto env = fixed_env({{"STAGE", "staging"}, {"APP_DB_PASSWORD", "hunter2"}});
        auto result = load_scenario_text(text, file, env);
        REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
        const Scenario& s = *result;

        CHECK(s.file == file);
        CHECK(s.name == "full staging");
        CHECK(s.database.engine == Engine::postgres);
        CHECK(s.database.provider == ProviderKind::local);

        REQUIRE(s.database.answers_as.size() == 2);
        CHECK(s.database.answers_as[0].host == "db-primary.internal");
        CHECK(s.database.answers_as[0].port == 5432);
        CHECK(s.database.answers_as[0].mark.to_string() == file.string() + ":5:16");
        CHECK(s.database.answers_as[1].host == "replica.internal");
        CHECK(s.database.answers_as[1].port == 6432);

        using Setting = std::pair<std::string, std::string>;
        CHECK(s.database.settings ==
              std::vector<Setting>{{"max_connections", "20"}, {"log_min_duration_statement", "0"}});

        REQUIRE(s.database.setup.size() == 2);
        CHECK(s.database.setup[0].sql == "CREATE ROLE app LOGIN PASSWORD 'hunter2'");
        CHECK(s.database.setup[0].origin == "sql");
        CHECK(s.database.setup[0].database.empty());
        CHECK(s.database.setup[0].mark.line == 10);
        CHECK(s.database.setup[1].sql == "CREATE SCHEMA app;\n");
        CHECK(s.database.setup[1].origin == "sql/init.sql");
        CHECK(s.database.setup[1].database == "users");
        CHECK(s.database.setup[1].mark.line == 11);

        REQUIRE(s.candidates.size() == 3);
        const Candidate& url = s.candidates[0];
        CHECK(url.name == "from the url");
        CHECK(url.driver == "libpq");
        REQUIRE(url.source.url.has_value());
        CHECK(*url.source.url == "postgresql://app:hunter2@db-primary.internal/users");
        CHECK(url.source.mark.line == 16);
        CHECK(url.mark.line == 14);
        CHECK(url.mark.column == 5);
        CHECK(url.expect.pass);
        CHECK(url.expect.to_string() == "pass");
        REQUIRE(url.checks.size() == 3);
        CHECK(std::get<ConnectCheck>(url.checks[0].spec).within_ms == 1500);
        CHECK(url.checks[0].label() == "connect");
        const auto& count = std::get<QueryCheck>(url.checks[1].spec);
        CHECK(count.sql == "SELECT count(*) FROM accounts");
        CHECK(count.expect_value == std::optional<std::string>("3"));
        CHECK_FALSE(count.expect_rows.has_value());
        CHECK(url.checks[1].timeout_ms == 2500);
        CHECK(url.checks[1].label() == "query: SELECT count(*) FROM accounts");
        const auto& one = std::get<QueryCheck>(url.checks[2].spec);
        CHECK(one.sql == "SELECT 1");
        CHECK(one.expect_rows == std::optional<long>(1));
        CHECK_FALSE(one.expect_value.has_value());
        CHECK(url.checks[2].timeout_ms == 10000);

        const Candidate& from = s.candidates[1];
        CHECK_FALSE(from.source.url.has_value());
        CHECK(from.source.file == dir / "config/app.env");
        CHECK(from.source.key == "DATABASE_URL");
        CHECK_FALSE(from.expect.pass);
        CHECK(from.expect.category == Category::auth);
        CHECK(from.expect.to_string() == "fail:auth");
        REQUIRE(from.checks.size() == 1);
        CHECK(std::get<ConnectCheck>(from.checks[0].spec).within_ms == 0);

        const Candidate& queries = s.candidates[2];
        REQUIRE(queries.checks.size() == 2);
        CHECK(std::holds_alternative<ConnectCheck>(queries.checks[0].spec));
        CHECK(std::get<QueryCheck>(queries.checks[1].spec).sql == "SELECT 2");
    }

    TEST_CASE("connect may be written as a bare word or with an empty body") {
        auto result = load_scenario_text(k_head + k_candidates + "    checks: [connect, {query: SELECT 1}]\n" +
                                             "  - name: b\n    driver: libpq\n    url: postgresql://db/app\n" +
                                             "    checks:\n      - connect:\n",
                                         "s.yaml", fixed_env({}));
        REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
        REQUIRE(result->candidates.size() == 2);
        REQUIRE(result->candidates[0].checks.size() == 2);
        CHECK(std::holds_alternative<ConnectCheck>(result->candidates[0].checks[0].spec));
        CHECK(std::holds_alternative<QueryCheck>(result->candidates[0].checks[1].spec));
        REQUIRE(result->candidates[1].checks.size() == 1);
        CHECK(std::holds_alternative<ConnectCheck>(result->candidates[1].checks[0].spec));
    }

    TEST_CASE("a long query is shortened in its label") {
        auto result = load_scenario_text(k_head + k_candidates + "    checks:\n      - query: \"SELECT\\n" +
                                             std::string(80, 'x') + "\"\n",
                                         "s.yaml", fixed_env({}));
        REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
        std::string label = result->candidates[0].checks[1].label();
        CHECK(label == "query: SELECT " + std::string(50, 'x') + "...");
    }

    TEST_CASE("values from secret-looking variables are listed as secrets") {
        auto env = fixed_env({{"APP_DB_PASSWORD", "hunter2"}, {"DB_HOST", "db"}});
        auto result = load_scenario_text(k_head + "candidates:\n  - name: a\n    driver: libpq\n"
                                                  "    url: postgresql://app:${APP_DB_PASSWORD}@${DB_HOST}/app\n",
                                         "s.yaml", env);
        REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
        CHECK(result->secrets == std::vector<std::string>{"hunter2"});
    }

    TEST_CASE("a secret-looking default counts as a secret too") {
        auto result = load_scenario_text(k_head + "candidates:\n  - name: a\n    driver: libpq\n"
                                                  "    url: postgresql://app:${APP_DB_PASSWORD:-rotated}@db/app\n",
                                         "s.yaml", fixed_env({}));
        REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
        CHECK(*result->candidates[0].source.url == "postgresql://app:rotated@db/app");
        CHECK(result->secrets == std::vector<std::string>{"rotated"});
    }

    TEST_CASE("secrets in a setup file are listed") {
        auto dir = fresh_dir("loader-setup-secret");
        write_file(dir / "init.sql", "ALTER ROLE app PASSWORD '${APP_DB_PASSWORD}';\n");
        auto text = "scenario: s\ndatabase:\n  engine: postgres\n  answers_as: [db]\n  setup:\n    "
                    "- file: init.sql\n" +
                    k_candidates;
        auto result = load_scenario_text(text, dir / "s.yaml", fixed_env({{"APP_DB_PASSWORD", "from-file"}}));
        REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
        CHECK(std::find(result->secrets.begin(), result->secrets.end(), "from-file") != result->secrets.end());
        CHECK(result->database.setup[0].sql == "ALTER ROLE app PASSWORD 'from-file';\n");
    }

    TEST_CASE("password literals in setup SQL are listed as secrets") {
        auto result = load_scenario_text(k_head +
                                             "  setup:\n"
                                             "    - sql: CREATE ROLE app LOGIN PASSWORD 'lit''eral'\n"
                                             "    - sql: alter role app password  'second'\n" +
                                             k_candidates,
                                         "s.yaml", fixed_env({}));
        REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
        // As written and as the server reads it.
        CHECK(result->secrets == std::vector<std::string>{"lit''eral", "lit'eral", "second"});
    }

    TEST_CASE("invalid YAML is located") {
        auto error = error_of("scenario: s\n"
                              "database:\n"
                              "  engine: postgres\n"
                              "   answers_as: [db]\n");
        CHECK(error.to_string() == at(4, 14, "not valid YAML: illegal map value"));
    }

    TEST_CASE("an empty file is an error") {
        CHECK(error_of("").to_string() ==
              at(1, 1, "the file is empty: a scenario needs scenario, database and candidates"));
        CHECK(error_of("# nothing but a comment\n").to_string() ==
              at(1, 1, "the file is empty: a scenario needs scenario, database and candidates"));
    }

    TEST_CASE("the top level must be a mapping") {
        CHECK(error_of("- scenario: s\n").to_string() ==
              at(1, 1, "a scenario file is a mapping with the keys scenario, database and candidates"));
        CHECK(error_of("just text\n").to_string() ==
              at(1, 1, "a scenario file is a mapping with the keys scenario, database and candidates"));
    }

    TEST_CASE("an unknown top-level key is named with a suggestion") {
        auto error = error_of(k_head + k_candidates + "scenaro: typo\n");
        CHECK(error.to_string() == at(9, 1,
                                      "scenaro: unknown key \"scenaro\"; did you mean scenario? "
                                      "allowed here: scenario, database, maintenance, client_environment, candidates"));
    }

    TEST_CASE("an unknown key without a close match lists what is allowed") {
        auto error = error_of(k_head + k_candidates + "owner: me\n");
        CHECK(error.to_string() == at(9, 1,
                                      "owner: unknown key \"owner\"; allowed here: scenario, database, maintenance, "
                                      "client_environment, candidates"));
    }

    TEST_CASE("an unknown key under database is named with its path and a suggestion") {
        auto error = error_of("scenario: s\n"
                              "database:\n"
                              "  engine: postgres\n"
                              "  answer_as: [db]\n" +
                              k_candidates);
        CHECK(error.to_string() ==
              at(4, 3,
                 "database.answer_as: unknown key \"answer_as\"; did you mean answers_as? "
                 "allowed here: engine, provider, answers_as, unreachable, settings, tls, access, setup, "
                 "setup_files_from"));
    }

    TEST_CASE("an unknown key in a candidate is named with its path and a suggestion") {
        auto error = error_of(k_head + k_candidates + "    chekcs: [connect]\n");
        CHECK(error.to_string() == at(9, 5,
                                      "candidates[0].chekcs: unknown key \"chekcs\"; did you mean checks? "
                                      "allowed here: name, driver, url, from, expect, checks"));
    }

    TEST_CASE("an unknown key in a check is named with its path") {
        auto error = error_of(k_head + k_candidates + "    checks:\n      - query: SELECT 1\n        expect_row: 1\n");
        CHECK(error.to_string() == at(11, 9,
                                      "candidates[0].checks[0].expect_row: unknown key \"expect_row\"; "
                                      "did you mean expect_rows? allowed here: query, expect_rows, expect_value, "
                                      "expect_match, expect_data, timeout_ms"));
    }

    TEST_CASE("a check naming query and another kind is read as the other kind") {
        auto error = error_of(k_head + k_candidates + "    checks:\n      - {query: SELECT 1, pool: {size: 2}}\n");
        CHECK(error.to_string() ==
              at(10, 10, "candidates[0].checks[0].query: unknown key \"query\"; allowed here: pool, timeout_ms"));
    }

    TEST_CASE("a duplicate top-level key is an error at its second occurrence") {
        auto error = error_of(k_head + k_candidates + "scenario: t\n");
        CHECK(error.to_string() == at(9, 1, "scenario: duplicate key: each key may appear once in a mapping"));
    }

    TEST_CASE("a duplicate nested key is an error with its path") {
        auto error = error_of(k_head + k_candidates + "    name: b\n");
        CHECK(error.to_string() ==
              at(9, 5, "candidates[0].name: duplicate key: each key may appear once in a mapping"));
        auto in_database = error_of(k_head + "  engine: postgres\n" + k_candidates);
        CHECK(in_database.to_string() ==
              at(5, 3, "database.engine: duplicate key: each key may appear once in a mapping"));
    }

    TEST_CASE("a missing top-level key is named") {
        CHECK(error_of(k_head).to_string() == at(1, 1, "missing required key \"candidates\""));
        CHECK(error_of("scenario: s\n" + k_candidates).to_string() == at(1, 1, "missing required key \"database\""));
        CHECK(error_of("database:\n  engine: postgres\n  answers_as: [db]\n" + k_candidates).to_string() ==
              at(1, 1, "missing required key \"scenario\""));
    }

    TEST_CASE("a missing database key is named with its path") {
        CHECK(error_of("scenario: s\ndatabase:\n  answers_as: [db]\n" + k_candidates).to_string() ==
              at(3, 3, "database: missing required key \"engine\""));
        CHECK(error_of("scenario: s\ndatabase:\n  engine: postgres\n" + k_candidates).to_string() ==
              at(3, 3, "database: missing required key \"answers_as\""));
    }

    TEST_CASE("a missing candidate key is named with its path") {
        CHECK(error_of(k_head + "candidates:\n  - driver: libpq\n    url: postgresql://db/app\n").to_string() ==
              at(6, 5, "candidates[0]: missing required key \"name\""));
        CHECK(error_of(k_head + "candidates:\n  - name: a\n    url: postgresql://db/app\n").to_string() ==
              at(6, 5, "candidates[0]: missing required key \"driver\""));
    }

    TEST_CASE("an unsupported engine is named with what this version runs") {
        auto error = error_of("scenario: s\ndatabase:\n  engine: oracle\n  answers_as: [db]\n" + k_candidates);
        CHECK(error.to_string() == at(3, 11,
                                      "database.engine: unknown value \"oracle\"; choose one of: postgres, mariadb, "
                                      "mysql, sqlite"));
        auto typo = error_of("scenario: s\ndatabase:\n  engine: mariadn\n  answers_as: [db]\n" + k_candidates);
        CHECK(typo.to_string() == at(3, 11,
                                     "database.engine: unknown value \"mariadn\" (did you mean mariadb?); choose one "
                                     "of: postgres, mariadb, mysql, sqlite"));
    }

    TEST_CASE("an unsupported provider is named with what this version has") {
        auto error = error_of(k_head + "  provider: kubernetes\n" + k_candidates);
        CHECK(error.to_string() ==
              at(5, 13, "database.provider: unknown value \"kubernetes\"; choose one of: local, docker"));
    }

    TEST_CASE("a driver that cannot reach the engine is a scenario error") {
        auto error = error_of("scenario: s\ndatabase:\n  engine: mariadb\n  answers_as: [db]\n" + k_candidates);
        CHECK(error.message == "candidates[0].driver: driver libpq cannot reach a mariadb database; use mysqlcppconn "
                               "or soci");
    }

    TEST_CASE("sqlite answers as absolute file paths and takes no settings") {
        const std::string head = "scenario: s\ndatabase:\n  engine: sqlite\n";
        const std::string soci = "candidates:\n  - name: c\n    driver: soci\n    url: sqlite3://db=/srv/app.db\n";
        auto loaded = load_scenario_text(head + "  answers_as: [/srv/app.db]\n" + soci, "s.yaml", fixed_env({}));
        REQUIRE(loaded.has_value());
        CHECK(loaded->database.engine == Engine::sqlite);
        CHECK(loaded->database.answers_as.at(0).host == "/srv/app.db");
        CHECK(loaded->database.answers_as.at(0).port == 0);
        CHECK(error_of(head + "  answers_as: [app.db]\n" + soci).message.find("is not an absolute path") !=
              std::string::npos);
        CHECK(error_of(head + "  answers_as: [/srv/app.db]\n  settings: {a: 1}\n" + soci).message ==
              "database.settings: sqlite has no server settings: set PRAGMAs in a setup step instead");
    }

    TEST_CASE("an answers_as port must be a number from 1 to 65535") {
        const std::string head = "scenario: s\ndatabase:\n  engine: postgres\n";
        const std::string allowed = "use host or host:port with a port from 1 to 65535";
        CHECK(error_of(head + "  answers_as: [db:0]\n" + k_candidates).to_string() ==
              at(4, 16, "database.answers_as[0]: invalid port \"0\": " + allowed));
        CHECK(error_of(head + "  answers_as: [db, \"db:70000\"]\n" + k_candidates).to_string() ==
              at(4, 20, "database.answers_as[1]: invalid port \"70000\": " + allowed));
        CHECK(error_of(head + "  answers_as: [\"db:x\"]\n" + k_candidates).to_string() ==
              at(4, 16, "database.answers_as[0]: invalid port \"x\": " + allowed));
    }

    TEST_CASE("answers_as must name at least one host") {
        const std::string head = "scenario: s\ndatabase:\n  engine: postgres\n";
        CHECK(error_of(head + "  answers_as: []\n" + k_candidates).to_string() ==
              at(4, 15, "database.answers_as: name at least one host the database answers as"));
        CHECK(error_of(head + "  answers_as: db\n" + k_candidates).to_string() ==
              at(4, 15, "database.answers_as: expected a list of host names, each host or host:port"));
        CHECK(error_of(head + "  answers_as: [\":5432\"]\n" + k_candidates).to_string() ==
              at(4, 16, "database.answers_as[0]: \"\" is not a host name"));
    }

    TEST_CASE("candidates must be a non-empty list") {
        CHECK(error_of(k_head + "candidates: []\n").to_string() ==
              at(5, 13, "candidates: the list is empty: name at least one candidate"));
        CHECK(error_of(k_head + "candidates: {name: a}\n").to_string() ==
              at(5, 13,
                 "candidates: expected a list of candidates (name, driver, url or from, expect, "
                 "checks)"));
    }

    TEST_CASE("a candidate has exactly one of url and from") {
        auto dir = fresh_dir("loader-url-and-from");
        write_file(dir / "app.env", "DATABASE_URL=postgresql://db/app\n");
        auto both = load_scenario_text(k_head + k_candidates + "    from: {file: app.env, key: DATABASE_URL}\n",
                                       dir / "s.yaml", fixed_env({}));
        REQUIRE_FALSE(both.has_value());
        CHECK(both.error().to_string() ==
              (dir / "s.yaml").string() + ":6:5: error: candidates[0]: a candidate has exactly one of url or from");
        CHECK(error_of(k_head + "candidates:\n  - name: a\n    driver: libpq\n").to_string() ==
              at(6, 5, "candidates[0]: a candidate has exactly one of url or from"));
    }

    TEST_CASE("an unknown driver is named with the available ones") {
        auto error = error_of(k_head + "candidates:\n  - name: a\n    driver: psycopg\n    url: postgresql://db/app\n");
        CHECK(error.to_string() ==
              at(7, 13, "candidates[0].driver: unknown driver \"psycopg\"; available: libpq, mysqlcppconn, soci"));
    }

    TEST_CASE("candidate names must be unique") {
        auto error = error_of(k_head + k_candidates + "  - name: a\n    driver: libpq\n    url: postgresql://db/app\n");
        CHECK(error.to_string() ==
              at(9, 11, "candidates[1].name: the name \"a\" is used twice: candidate names must be unique"));
    }

    TEST_CASE("an unknown expected category is named with a suggestion and the categories") {
        auto error = error_of(k_head + k_candidates + "    expect: {fail: autth}\n");
        CHECK(error.to_string() == at(9, 20,
                                      "candidates[0].expect.fail: unknown category \"autth\"; did you mean auth? "
                                      "categories: " +
                                          k_categories));
    }

    TEST_CASE("an expectation other than pass or fail is refused") {
        CHECK(error_of(k_head + k_candidates + "    expect: passs\n").to_string() ==
              at(9, 13, "candidates[0].expect: expected pass or {fail: <category>}, got \"passs\""));
        CHECK(error_of(k_head + k_candidates + "    expect: {failed: auth}\n").to_string() ==
              at(9, 14,
                 "candidates[0].expect.failed: unknown key \"failed\"; did you mean fail? allowed "
                 "here: fail"));
    }

    TEST_CASE("connect must be the first check") {
        auto error = error_of(k_head + k_candidates + "    checks:\n      - query: SELECT 1\n      - connect\n");
        CHECK(error.to_string() == at(11, 9,
                                      "candidates[0].checks[1]: connect must be the first check "
                                      "(every other check runs on its "
                                      "session)"));
    }

    TEST_CASE("within_ms must be a whole number from 1 to 600000") {
        auto check = [](const std::string& value) {
            auto error = error_of(k_head + k_candidates + "    checks:\n      - connect: {within_ms: " + value + "}\n");
            CHECK(error.to_string() == at(10, 30,
                                          "candidates[0].checks[0].connect.within_ms: expected a "
                                          "whole number from 1 to 600000, "
                                          "got \"" +
                                              value + "\""));
        };
        check("fast");
        check("0");
        check("600001");
        check("1.5");
    }

    TEST_CASE("a query must not be empty") {
        auto error = error_of(k_head + k_candidates + "    checks:\n      - query: \"  \"\n");
        CHECK(error.to_string() == at(10, 16, "candidates[0].checks[0].query: the query is empty"));
    }

    TEST_CASE("query numbers are checked") {
        CHECK(error_of(k_head + k_candidates + "    checks:\n      - query: SELECT 1\n        expect_rows: -1\n")
                  .to_string() == at(11, 22,
                                     "candidates[0].checks[0].expect_rows: expected a whole number "
                                     "from 0 to 1099511627776, got \"-1\""));
        CHECK(error_of(k_head + k_candidates + "    checks:\n      - query: SELECT 1\n        timeout_ms: 0\n")
                  .to_string() == at(11, 21,
                                     "candidates[0].checks[0].timeout_ms: expected a whole number "
                                     "from 1 to 600000, got \"0\""));
    }

    TEST_CASE("a setup step has exactly one of sql and file") {
        const std::string setup = "  setup:\n";
        CHECK(error_of(k_head + setup + "    - {sql: SELECT 1, file: x.sql}\n" + k_candidates).to_string() ==
              at(6, 7, "database.setup[0]: a step has exactly one of sql or file"));
        CHECK(error_of(k_head + setup + "    - database: users\n" + k_candidates).to_string() ==
              at(6, 7, "database.setup[0]: a step has exactly one of sql or file"));
        CHECK(error_of(k_head + setup + "    - sqll: SELECT 1\n" + k_candidates).to_string() ==
              at(6, 7,
                 "database.setup[0].sqll: unknown key \"sqll\"; did you mean sql? allowed here: "
                 "sql, file, database"));
    }

    TEST_CASE("a missing setup file is named relative to the scenario") {
        auto dir = fresh_dir("loader-setup-missing");
        auto file = dir / "s.yaml";
        auto result =
            load_scenario_text(k_head + "  setup:\n    - file: sql/missing.sql\n" + k_candidates, file, fixed_env({}));
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().to_string() == file.string() + ":6:13: error: database.setup[0].file: cannot read " +
                                                (dir / "sql/missing.sql").string() +
                                                ": no such file; check the path (relative to the scenario file)");
    }

    TEST_CASE("a missing from.file is named relative to the scenario") {
        auto dir = fresh_dir("loader-from-missing");
        auto file = dir / "s.yaml";
        auto result = load_scenario_text(k_head + "candidates:\n  - name: a\n    driver: libpq\n"
                                                  "    from: {file: missing.env, key: DATABASE_URL}\n",
                                         file, fixed_env({}));
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().to_string() == file.string() + ":8:18: error: candidates[0].from.file: cannot read " +
                                                (dir / "missing.env").string() +
                                                ": no such file; check the path (relative to the scenario file)");
    }

    TEST_CASE("from needs a file and one of key, keys or service") {
        CHECK(
            error_of(k_head + "candidates:\n  - name: a\n    driver: libpq\n    from: {file: app.env}\n").to_string() ==
            at(8, 11,
               "candidates[0].from: name exactly one of key (the whole string), keys (its parts) or service (a "
               "PostgreSQL service in a pg_service.conf file)"));
        CHECK(error_of(k_head + "candidates:\n  - name: a\n    driver: libpq\n    from: {key: A}\n").to_string() ==
              at(8, 11, "candidates[0].from: missing required key \"file\""));
    }

    TEST_CASE("an unset variable without a default says how to set it") {
        auto error = error_of(k_head + "candidates:\n  - name: a\n    driver: libpq\n"
                                       "    url: postgresql://app:${APP_DB_PASSWORD}@db/app\n");
        CHECK(error.to_string() == at(8, 10,
                                      "candidates[0].url: environment variable APP_DB_PASSWORD is not set: export it, "
                                      "or write ${APP_DB_PASSWORD:-default}"));
    }

    TEST_CASE("an unset variable in a setup file names the file") {
        auto dir = fresh_dir("loader-setup-unset");
        write_file(dir / "init.sql", "SELECT '${NOT_SET}';\n");
        auto file = dir / "s.yaml";
        auto result =
            load_scenario_text(k_head + "  setup:\n    - file: init.sql\n" + k_candidates, file, fixed_env({}));
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().to_string() == file.string() +
                                                ":6:13: error: database.setup[0].file: " + (dir / "init.sql").string() +
                                                ": environment variable NOT_SET is not set: export it, or write "
                                                "${NOT_SET:-default}");
    }

    TEST_CASE("a malformed reference is an error") {
        CHECK(error_of("scenario: s ${NAME\n" + k_head.substr(12) + k_candidates).to_string() ==
              at(1, 11, "scenario: unterminated ${...}: add the closing }"));
        CHECK(error_of("scenario: s ${1NAME}\n" + k_head.substr(12) + k_candidates).to_string() ==
              at(1, 11, "scenario: invalid variable name \"1NAME\" in ${1NAME}: use letters, digits and _"));
        CHECK(error_of("scenario: s ${}\n" + k_head.substr(12) + k_candidates).to_string() ==
              at(1, 11, "scenario: invalid variable name \"\" in ${}: use letters, digits and _"));
    }

    TEST_CASE("a non-text value where text is expected is an error") {
        CHECK(error_of("scenario: [a, b]\n" + k_head.substr(12) + k_candidates).to_string() ==
              at(1, 11, "scenario: expected a text value"));
    }

    TEST_CASE("deep nesting is an error and not a crash") {
        for (const std::string& open : {std::string("["), std::string("{a: "), std::string("- ")}) {
            std::string text;
            for (int i = 0; i < 10000; ++i)
                text += open;
            auto result = load_scenario_text(text, "s.yaml", fixed_env({}));
            REQUIRE_FALSE(result.has_value());
            CHECK(result.error().to_string().starts_with("s.yaml:"));
            CHECK(result.error().message.starts_with("not valid YAML: "));
        }
    }

    TEST_CASE("load_scenario reads the file and refuses a missing one") {
        auto dir = fresh_dir("loader-file");
        auto file = write_file(dir / "s.yaml", k_head + k_candidates);
        auto result = load_scenario(file, fixed_env({}));
        REQUIRE_MESSAGE(result.has_value(), result.error().to_string());
        CHECK(result->name == "s");
        auto missing = load_scenario(dir / "missing.yaml", fixed_env({}));
        REQUIRE_FALSE(missing.has_value());
        CHECK(missing.error().to_string().starts_with((dir / "missing.yaml").string() +
                                                      ":1:1: error: cannot read the file: "));
    }
}

TEST_SUITE("loader_input") {
    // A scenario in `dir` whose one setup step reads `file` (line 6, column 13).
    std::filesystem::path setup_scenario(const std::filesystem::path& dir, const std::string& file,
                                         const std::string& extra = "") {
        return write_file(dir / "s.yaml", k_head + extra + "  setup:\n    - file: " + file + "\n" + k_candidates);
    }

    // Loads `scenario` and returns its error as text.
    std::string load_error(const std::filesystem::path& scenario) {
        auto result = load_scenario(scenario, fixed_env({}));
        REQUIRE_FALSE(result.has_value());
        return result.error().to_string();
    }

    TEST_CASE("expect_match is RE2 and a pattern it refuses is located with what to write") {
        const std::string check = "    checks:\n      - query: SELECT 1\n        expect_match: ";
        CHECK(error_of(k_head + k_candidates + check + "'^a(?=b)'\n").to_string() ==
              at(11, 23,
                 "candidates[0].checks[0].expect_match: not a valid regular expression (RE2 syntax, see "
                 "docs/scenario-format.md): invalid perl operator: (?=; RE2 has no lookaround ((?=, (?!, (?<=, (?<!): "
                 "match the text itself; a named group is written (?P<name>...)"));
        auto nested =
            error_of(k_head + k_candidates + check + std::string(40000, '(') + std::string(40000, ')') + "\n");
        CHECK(nested.to_string() ==
              at(11, 23,
                 "candidates[0].checks[0].expect_match: the pattern is 80000 bytes long, more than the 4096 allowed: "
                 "write a shorter one"));
        auto loaded = load_scenario_text(k_head + k_candidates + check + "'^(ab|cd)*$'\n", "s.yaml", fixed_env({}));
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().to_string());
        CHECK(std::get<QueryCheck>(loaded->candidates[0].checks[1].spec).expect_match->found_in([] {
            std::string value;
            for (int i = 0; i < 10000; ++i)
                value += "cd";
            return value;
        }()));
    }

    TEST_CASE("a from.file that is a link loop or a FIFO is an error with its reason, not a crash or a hang") {
        auto dir = fresh_dir("loader-from-special");
        std::filesystem::create_symlink("loop.env", dir / "loop.env");
        REQUIRE(::mkfifo((dir / "fifo.env").c_str(), 0600) == 0);
        for (const std::string name : {"loop.env", "fifo.env"}) {
            auto file = write_file(dir / "s.yaml", k_head +
                                                       "candidates:\n  - name: a\n    driver: libpq\n"
                                                       "    from: {file: " +
                                                       name + ", key: URL}\n");
            std::string reason = name == "loop.env" ? "a loop of symbolic links (a link that leads back to itself): "
                                                      "point the link at the file"
                                                    : "a named pipe (FIFO), not a regular file: name a regular file";
            CHECK(load_error(file) == file.string() + ":8:18: error: candidates[0].from.file: cannot read " +
                                          (dir / name).string() + ": " + reason);
        }
    }

    TEST_CASE("a setup file must be a regular file of at most 4 MiB") {
        auto dir = fresh_dir("loader-setup-special");
        REQUIRE(::mkfifo((dir / "fifo.sql").c_str(), 0600) == 0);
        std::filesystem::create_symlink("/dev/zero", dir / "zero.sql");
        std::filesystem::create_directory(dir / "folder.sql");
        write_file(dir / "big.sql", std::string(4 * 1024 * 1024 + 1, ' '));
        const std::vector<std::pair<std::string, std::string>> cases{
            {"fifo.sql", "a named pipe (FIFO), not a regular file: name a regular file"},
            {"zero.sql", "a device, not a regular file: name a regular file"},
            {"folder.sql", "a folder, not a file: name a file in it"},
            {"big.sql", "4194305 bytes is more than the 4 MiB stagegate reads of a file"}};
        for (const auto& [name, reason] : cases) {
            auto file = setup_scenario(dir, name);
            CHECK(load_error(file) == file.string() + ":6:13: error: database.setup[0].file: cannot read " +
                                          (dir / name).string() + ": " + reason);
        }
    }

    TEST_CASE("a setup file outside the scenario's folder needs setup_files_from") {
        auto dir = fresh_dir("loader-setup-outside");
        auto shared = dir / "shared";
        write_file(shared / "schema.sql", "CREATE TABLE t (id int);\n");
        std::filesystem::create_directories(dir / "scenario");
        std::filesystem::create_symlink(shared / "schema.sql", dir / "scenario" / "link.sql");
        for (const std::string path : {"../shared/schema.sql", "link.sql", "/etc/passwd"}) {
            auto file = setup_scenario(dir / "scenario", path);
            auto named = path.starts_with("/") ? std::filesystem::path(path) : dir / "scenario" / path;
            CHECK(load_error(file) ==
                  file.string() + ":6:13: error: database.setup[0].file: " + named.string() +
                      " is outside the scenario's folder (links resolved): to send files from another folder to the "
                      "server, list that folder under database.setup_files_from");
        }
        auto allowed = setup_scenario(dir / "scenario", "link.sql", "  setup_files_from: [../shared]\n");
        auto loaded = load_scenario(allowed, fixed_env({}));
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().to_string());
        CHECK(loaded->database.setup[0].sql == "CREATE TABLE t (id int);\n");
        auto missing = setup_scenario(dir / "scenario", "link.sql", "  setup_files_from: [../nowhere]\n");
        CHECK(load_error(missing) == missing.string() + ":5:22: error: database.setup_files_from[0]: " +
                                         (dir / "scenario/../nowhere").string() +
                                         " is not a folder: name a folder, relative to the scenario file");
    }

    TEST_CASE("a scenario file that is a FIFO or a link loop says so") {
        auto dir = fresh_dir("loader-file-special");
        REQUIRE(::mkfifo((dir / "fifo.yaml").c_str(), 0600) == 0);
        std::filesystem::create_symlink("loop.yaml", dir / "loop.yaml");
        CHECK(load_error(dir / "fifo.yaml") ==
              (dir / "fifo.yaml").string() +
                  ":1:1: error: cannot read the file: a named pipe (FIFO), not a regular file: name a regular file");
        CHECK(load_error(dir / "loop.yaml")
                  .ends_with(":1:1: error: cannot read the file: a loop of symbolic links (a "
                             "link that leads back to itself): point the link at the file"));
    }

    TEST_CASE("a second YAML document is an error at its start") {
        CHECK(error_of(k_head + k_candidates + "---\n" + k_head + k_candidates).to_string() ==
              at(9, 1,
                 "a second YAML document starts here (after ---), and stagegate reads one scenario per file: move "
                 "it to a file of its own"));
    }

    TEST_CASE("a quote left open at the end of the file is an error at the quote") {
        CHECK(error_of(k_head + k_candidates + "    expect: \"pass\n").to_string() ==
              at(9, 13, "the quoted value that starts here has no closing \" before the end of the file: add it"));
        CHECK(error_of(k_head + k_candidates + "    expect: 'it''s\n").to_string() ==
              at(9, 13, "the quoted value that starts here has no closing ' before the end of the file: add it"));
        auto closed = load_scenario_text("scenario: 'it''s \"fine\"'\n" + k_head.substr(12) + k_candidates, "s.yaml",
                                         fixed_env({}));
        REQUIRE_MESSAGE(closed.has_value(), closed.error().to_string());
        CHECK(closed->name == "it's \"fine\"");
    }

    TEST_CASE("a NUL byte is an error at its place, in the file or in a value") {
        CHECK(error_of(k_head + std::string("candi\0dates:\n", 13)).to_string() ==
              at(5, 6, "the file holds a NUL byte, so it is not text: save it as UTF-8 text"));
        CHECK(error_of("scenario: \"a\\0b\"\n" + k_head.substr(12) + k_candidates).to_string() ==
              at(1, 11, "scenario: the value holds a NUL character (\\0), which no client can pass on: remove it"));
    }

    TEST_CASE("nesting 100000 deep is a clean error that says what is wrong") {
        auto error = error_of(std::string(100000, '[') + std::string(100000, ']') + "\n");
        CHECK(error.message == "not valid YAML: lists and mappings nest too deeply to be read: flatten the file");
    }

    TEST_CASE("nested defaults are read as the shell reads them") {
        auto loaded = load_scenario_text("scenario: ${A:-${B:-${C}}}\n" + k_head.substr(12) + k_candidates, "s.yaml",
                                         fixed_env({{"C", "third"}}));
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().to_string());
        CHECK(loaded->name == "third");
    }

    TEST_CASE("an IPv6 answers_as and an empty scenario name are refused") {
        for (const std::string host : {"\"::1\"", "\"[::1]:5432\"", "\"fe80::1\""})
            CHECK(error_of("scenario: s\ndatabase:\n  engine: postgres\n  answers_as: [" + host + "]\n" + k_candidates)
                      .message.ends_with("is an IPv6 address, which answers_as does not support: name the host by a "
                                         "name or an IPv4 address"));
        CHECK(error_of("scenario: \"\"\n" + k_head.substr(12) + k_candidates).to_string() ==
              at(1, 11, "scenario: the name is empty: give the scenario a name for its reports"));
        CHECK(error_of("scenario: ${EMPTY:-}\n" + k_head.substr(12) + k_candidates).message ==
              "scenario: the name is empty: give the scenario a name for its reports");
    }

    TEST_CASE("100000 answers_as names load in linear time") {
        std::string hosts;
        std::string dead;
        for (int i = 0; i < 100000; ++i) {
            hosts += fmt::format("{}h{}.example.internal", i == 0 ? "" : ", ", i);
            dead += fmt::format("{}u{}.example.internal", i == 0 ? "" : ", ", i);
        }
        auto text = "scenario: s\ndatabase:\n  engine: postgres\n  answers_as: [" + hosts + "]\n  unreachable: [" +
                    dead + "]\n" + k_candidates;
        auto start = std::chrono::steady_clock::now();
        auto loaded = load_scenario_text(text, "s.yaml", fixed_env({}));
        auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        REQUIRE_MESSAGE(loaded.has_value(), loaded.error().to_string());
        CHECK(loaded->database.certificate_names.size() == 100000);
        CHECK_MESSAGE(seconds < 20, "took " << seconds << " s"); // quadratic, it took over a minute
    }
}
