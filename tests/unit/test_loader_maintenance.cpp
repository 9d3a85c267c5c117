#include <doctest/doctest.h>

#include "scenario/loader.hpp"
#include "support.hpp"

#include <string>

using namespace stagegate;
using namespace stagegate::test;

namespace {

Scenario load_ok(const std::string& text) {
    auto result = load_scenario_text(text, "m.yaml", fixed_env({}));
    if (!result)
        FAIL(result.error().to_string());
    return *result;
}

std::string error_of(const std::string& text) {
    auto result = load_scenario_text(text, "m.yaml", fixed_env({}));
    REQUIRE_FALSE(result.has_value());
    return result.error().to_string();
}

const std::string k_database = "scenario: s\n"                       // 1
                               "database:\n"                         // 2
                               "  engine: postgres\n"                // 3
                               "  answers_as: [db.internal:5432]\n"  // 4
                               "  tls: {certificate: wrong-name}\n"; // 5
const std::string k_candidate = "candidates:\n"                      // .
                                "  - name: a\n"                      // .
                                "    driver: libpq\n"                // .
                                "    url: postgresql://db.internal/app\n";

} // namespace

TEST_SUITE("loader maintenance") {
    TEST_CASE("maintenance steps of every kind load in order, with the certificate's names") {
        auto scenario = load_ok(k_database +
                                "maintenance:\n"
                                "  - sql: ALTER ROLE app PASSWORD 'new-password'\n"
                                "    database: users\n"
                                "  - settings: {max_connections: 60, work_mem: 8MB}\n"
                                "  - access: {require_tls: true, rules: [hostssl users app scram-sha-256]}\n"
                                "  - answers_as: [db.internal:6432, pooler.internal]\n" +
                                k_candidate + "    expect: {before: pass, after: {fail: refused}}\n");
        REQUIRE(scenario.maintenance.size() == 4);
        CHECK(scenario.maintenance[0].kind == MaintenanceStep::Kind::sql);
        CHECK(scenario.maintenance[0].sql.database == "users");
        CHECK(scenario.maintenance[1].settings == Settings{{"max_connections", "60"}, {"work_mem", "8MB"}});
        CHECK(scenario.maintenance[1].label() == "settings: max_connections, work_mem");
        CHECK(scenario.maintenance[2].access.require_tls);
        CHECK(scenario.maintenance[2].access.hba == std::vector<std::string>{"hostssl users app all scram-sha-256"});
        CHECK(scenario.maintenance[3].answers_as.at(0).port == 6432);
        CHECK(scenario.maintenance[3].answers_as.at(1).port == 5432);
        CHECK(scenario.database.tls.certificate == CertificateKind::wrong_name);
        CHECK(scenario.database.certificate_names == std::vector<std::string>{"db.internal", "pooler.internal"});
        REQUIRE(scenario.candidates[0].phases.before);
        CHECK(scenario.candidates[0].phases.before->pass);
        REQUIRE(scenario.candidates[0].phases.after);
        CHECK(scenario.candidates[0].phases.after->category == Category::refused);
        // The new password is a secret from the moment it is read.
        CHECK(std::find(scenario.secrets.begin(), scenario.secrets.end(), "new-password") != scenario.secrets.end());
    }

    TEST_CASE("a plain expect in a maintenance scenario means after the change only") {
        auto scenario = load_ok(k_database + "maintenance:\n  - sql: SELECT 1\n" + k_candidate);
        CHECK_FALSE(scenario.candidates[0].phases.before);
        REQUIRE(scenario.candidates[0].phases.after);
        CHECK(scenario.candidates[0].phases.after->pass);
    }

    TEST_CASE("before and after without a maintenance section are an error") {
        CHECK(error_of(k_database + k_candidate + "    expect: {before: pass}\n") ==
              "m.yaml:10:13: error: candidates[0].expect: before and after are the phases of a maintenance: add a "
              "maintenance section, or write pass or {fail: <category>}");
    }

    TEST_CASE("a maintenance step names exactly one kind") {
        CHECK(error_of(k_database + "maintenance:\n  - {sql: SELECT 1, settings: {a: b}}\n" + k_candidate) ==
              "m.yaml:7:5: error: maintenance[0]: a step has exactly one of sql, file, settings, access or answers_as");
    }

    TEST_CASE("pg_hba rules are checked: type, method, and no local lines") {
        std::string head = k_database + "  access:\n    rules:\n";
        CHECK(error_of(head + "      - hostsll all all scram-sha-256\n" + k_candidate) ==
              "m.yaml:8:9: error: database.access.rules[0]: unknown connection type \"hostsll\" (did you mean "
              "hostssl?); choose one of: host, hostssl, hostnossl, hostgssenc, hostnogssenc");
        CHECK(error_of(head + "      - host all all scram-sha265\n" + k_candidate)
                  .find("unknown authentication method \"scram-sha265\" (did you mean scram-sha-256?)") !=
              std::string::npos);
        CHECK(error_of(head + "      - local all all peer\n" + k_candidate) ==
              "m.yaml:8:9: error: database.access.rules[0]: the twin answers over TCP only: write host or hostssl "
              "rules");
    }

    TEST_CASE("requiring TLS needs a server with TLS") {
        std::string text = "scenario: s\ndatabase:\n  engine: mariadb\n  answers_as: [db]\n"
                           "  access: {require_tls: true}\n"
                           "candidates:\n  - {name: a, driver: mysqlcppconn, url: 'mysql://u:p@db/x'}\n";
        CHECK(error_of(text) == "m.yaml:5:11: error: database.access.require_tls: requiring TLS needs a server with "
                                "TLS: add tls: {certificate: valid} to the database");
    }

    TEST_CASE("settings that decide where the twin listens are stagegate's") {
        CHECK(error_of(k_database + "maintenance:\n  - settings: {port: 6432}\n" + k_candidate) ==
              "m.yaml:7:16: error: maintenance[0].settings.port: port is stagegate's to set on the twin: to move "
              "the port or name clients use, change answers_as");
    }

    TEST_CASE("tls, access and maintenance are local-provider features") {
        std::string text = "scenario: s\ndatabase:\n  engine: postgres\n  provider: docker\n  answers_as: [db]\n"
                           "  tls: true\n" +
                           k_candidate;
        CHECK(error_of(text) == "m.yaml:6:8: error: database.tls: tls is made by the local provider only in this "
                                "version: use provider local");
    }

    TEST_CASE("the new checks load, and a misspelt one gets a suggestion") {
        auto scenario =
            load_ok(k_database + k_candidate +
                    "    checks:\n"
                    "      - tls\n"
                    "      - setting: max_connections\n"
                    "        at_least: 50\n"
                    "      - privileges: {can: [select accounts, CONNECT users], cannot: [DELETE accounts]}\n"
                    "      - read_write: read-only\n"
                    "      - pool: {size: 5, headroom: 2}\n"
                    "      - query: SELECT email FROM accounts\n"
                    "        expect_match: '^a.*@example\\.com$'\n"
                    "        expect_data: [[ada@example.com]]\n"
                    "  - name: b\n"
                    "    driver: libpq\n"
                    "    url: postgresql://db.internal/other\n"
                    "    checks: [{identity: {same_as: a}}]\n");
        const auto& checks = scenario.candidates[0].checks;
        REQUIRE(checks.size() == 7);
        CHECK(std::holds_alternative<TlsCheck>(checks[1].spec));
        CHECK(std::get<SettingCheck>(checks[2].spec).at_least == 50.0);
        const auto& rules = std::get<PrivilegesCheck>(checks[3].spec).privileges;
        REQUIRE(rules.size() == 3);
        CHECK(rules[0].privilege == "SELECT");
        CHECK_FALSE(rules[2].allowed);
        CHECK_FALSE(std::get<ReadWriteCheck>(checks[4].spec).writable);
        CHECK(std::get<PoolCheck>(checks[5].spec).size == 5);
        CHECK(checks[5].layer() == "capacity");
        CHECK(std::get<QueryCheck>(checks[6].spec).expect_data ==
              std::vector<std::vector<std::string>>{{"ada@example.com"}});
        CHECK(std::get<IdentityCheck>(scenario.candidates[1].checks[1].spec).same_as == "a");
        CHECK(error_of(k_database + k_candidate + "    checks: [{privilege: {can: [SELECT t]}}]\n") ==
              "m.yaml:10:15: error: candidates[0].checks[0].privilege: unknown check \"privilege\" (did you mean "
              "privileges?); checks: connect, query, tls, setting, privileges, read_write, identity, pool");
    }

    TEST_CASE("an identity check must name another candidate") {
        CHECK(error_of(k_database + k_candidate + "    checks: [{identity: {same_as: b}}]\n") ==
              "m.yaml:10:14: error: candidates[0].checks[1].identity.same_as: \"b\" is not another candidate of this "
              "scenario");
    }

    TEST_CASE("privileges name a known privilege and one object") {
        CHECK(error_of(k_database + k_candidate + "    checks: [{privileges: {can: [TRUNCATE accounts]}}]\n")
                  .find("\"TRUNCATE accounts\" is not PRIVILEGE OBJECT") != std::string::npos);
    }

    TEST_CASE("from: a format from the file name or one given, and one of key, keys or service") {
        auto dir = fresh_dir("loader-from");
        write_file(dir / "database.yml", "production:\n  url: x\n");
        write_file(dir / "app.config", "x");
        auto file = dir / "s.yaml";
        std::string head = k_database + "candidates:\n  - name: a\n    driver: libpq\n";
        auto loaded = load_scenario_text(head + "    from: {file: database.yml, keys: {host: h, user: u}}\n", file,
                                         fixed_env({}));
        REQUIRE(loaded.has_value());
        CHECK(loaded->candidates[0].source.format == "rails");
        CHECK(loaded->candidates[0].source.format_from_name);
        CHECK(loaded->candidates[0].source.parts.size() == 2);
        auto named = load_scenario_text(head + "    from: {file: database.yml, format: yaml, key: production.url}\n",
                                        file, fixed_env({}));
        REQUIRE(named.has_value());
        CHECK(named->candidates[0].source.format == "yaml");
        CHECK_FALSE(named->candidates[0].source.format_from_name);
        auto unknown = load_scenario_text(head + "    from: {file: app.config, key: url}\n", file, fixed_env({}));
        REQUIRE_FALSE(unknown.has_value());
        CHECK(unknown.error().message.find("cannot tell the format of app.config from its name: add format:") !=
              std::string::npos);
        auto service = load_scenario_text(head + "    from: {file: app.config, format: pg_service, key: x}\n", file,
                                          fixed_env({}));
        REQUIRE_FALSE(service.has_value());
        CHECK(service.error().message == "candidates[0].from: a pg_service.conf file is read through libpq: write "
                                         "service: NAME");
    }
}
