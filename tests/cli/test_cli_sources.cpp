// Candidate strings read from the application's own config files through the built binary:
// .env (CRLF, BOM, quotes), Rails database.yml with a merge key, appsettings.json with a
// comment, Spring application.properties with a JDBC url, my.cnf [client] composed for
// mysqlcppconn, and pg_service.conf. Each good file passes; each subtly broken one fails as config.
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

constexpr const char* k_pg_password = "src-pg-secret-1";
constexpr const char* k_my_password = "src-maria-secret-1";

// Checks one candidate's judgement ("pass" or the failure category) and a part of its message.
const json& check_judged(const json& scenario, const std::string& name, const std::string& category,
                         const std::string& message = "") {
    CAPTURE(name);
    const json* found = find_candidate(scenario, name);
    REQUIRE_MESSAGE(found != nullptr, "no candidate " << name);
    const json& c = *found;
    INFO("candidate: " << c.dump());
    CHECK(c["verdict"] == "pass");
    if (category == "pass") {
        CHECK(c["outcome"] == "pass");
        CHECK(c["category"].is_null());
        for (const auto& check : c["checks"])
            CHECK(check["outcome"] == "pass");
    } else {
        CHECK(c["expected"] == "fail:" + category);
        CHECK(c["outcome"] == "fail");
        CHECK(c["category"] == category);
        CHECK(c["checks"][0]["category"] == category);
    }
    if (!message.empty())
        CHECK_MESSAGE(contains(c["message"].get<std::string>(), message), "message lacks: " << message);
    return c;
}

// The application's config files, good and subtly broken.
void write_config_files(const fs::path& dir) {
    const std::string bom = "\xEF\xBB\xBF";
    write_file(dir / "config/app.env",
               bom + "# user-service\r\nexport LOG_LEVEL=info\r\n"
                     "DATABASE_URL=\"postgresql://app:src-pg-secret-1@db.src.test:5432/shop?sslmode=disable&"
                     "connect_timeout=5\"  # the primary\r\n"
                     "READ_URL='host=db.src.test dbname=shop user=app password=src-pg-secret-1 sslmode=disable'\r\n");
    write_file(dir / "config/broken.env",
               bom + "DATABASE_URL=\"postgresql://app:src-pg-secret-1@db.src.test:5432/shop?sslmode=disable\r\n");
    write_file(dir / "config/database.yml", R"(default: &default
  adapter: postgresql
  host: db.src.test
  port: 5432
  username: app
production:
  <<: *default
  password: src-pg-secret-1
  database: shop
)");
    write_file(dir / "config/appsettings.json", R"({
  // the service's connection strings
  "ConnectionStrings": {
    "Shop": "host=db.src.test port=5432 dbname=shop user=app password=src-pg-secret-1 sslmode=disable connect_timeout=5"
  }
}
)");
    write_file(dir / "config/application.properties",
               "# Spring Boot\n"
               "spring.datasource.url=jdbc:postgresql://db.src.test:5432/shop?sslmode=disable&connectTimeout=5\n"
               "spring.datasource.username=app\n"
               "spring.datasource.password=src-pg-secret-1\n"
               "legacy.datasource.url=jdbc:postgresql://db.src.test:5432/shop?socketTimeout=30\n");
    write_file(dir / "config/pg_service.conf", "[app]\nhost=db.src.test\nport=5432\ndbname=shop\nuser=app\n"
                                               "password=src-pg-secret-1\nsslmode=disable\n"
                                               "[typo]\nhost=db.src.tset\nport=5432\ndbname=shop\nuser=app\n"
                                               "password=src-pg-secret-1\n");
    write_file(dir / "config/my.cnf", "[client]\r\nhost=db.src.test\r\nport=3306\r\nuser=app\r\n"
                                      "password=src-maria-secret-1\r\ndatabase=shop\r\n[mysqld]\r\nport=3307\r\n");
}

constexpr const char* k_pg = R"(scenario: pg sources
database:
  engine: postgres
  answers_as: [db.src.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'src-pg-secret-1'
    - sql: CREATE DATABASE shop OWNER app
candidates:
  - name: env, double quoted, CRLF and BOM
    driver: libpq
    from: {file: config/app.env, key: DATABASE_URL}
    checks:
      - query: SELECT current_database()
        expect_value: shop
  - name: env, single quoted
    driver: libpq
    from: {file: config/app.env, key: READ_URL}
  - name: env, typo in the key
    driver: libpq
    from: {file: config/app.env, key: DATABASE_URI}
    expect: {fail: config}
  - name: env, unterminated quote
    driver: libpq
    from: {file: config/broken.env, key: DATABASE_URL}
    expect: {fail: config}
  - name: rails database.yml composed
    driver: libpq
    from:
      file: config/database.yml
      keys: {host: production.host, port: production.port, user: production.username, password: production.password, database: production.database}
    checks:
      - query: SELECT current_user || '@' || current_database()
        expect_value: app@shop
  - name: rails database.yml, typo in a key
    driver: libpq
    from:
      file: config/database.yml
      keys: {host: production.host, port: production.port, user: production.username, password: production.pasword, database: production.database}
    expect: {fail: config}
  - name: appsettings.json with a comment
    driver: libpq
    from: {file: config/appsettings.json, key: ConnectionStrings.Shop}
  - name: appsettings.json, wrong case in the key
    driver: libpq
    from: {file: config/appsettings.json, key: ConnectionStrings.shop}
    expect: {fail: config}
  - name: spring jdbc url
    driver: libpq
    from:
      file: config/application.properties
      keys: {url: spring.datasource.url, user: spring.datasource.username, password: spring.datasource.password}
    checks:
      - query: SELECT current_user
        expect_value: app
  - name: spring jdbc url with socketTimeout
    driver: libpq
    from:
      file: config/application.properties
      keys: {url: legacy.datasource.url, user: spring.datasource.username, password: spring.datasource.password}
    expect: {fail: config}
  - name: spring, typo in the password key
    driver: libpq
    from:
      file: config/application.properties
      keys: {url: spring.datasource.url, user: spring.datasource.username, password: spring.datasource.pasword}
    expect: {fail: config}
  - name: pg_service.conf service
    driver: libpq
    from: {file: config/pg_service.conf, service: app}
    checks:
      - query: SELECT current_database()
        expect_value: shop
  - name: pg_service.conf, service with a misspelt host
    driver: libpq
    from: {file: config/pg_service.conf, service: typo}
    expect: {fail: dns}
  - name: pg_service.conf, no such service
    driver: libpq
    from: {file: config/pg_service.conf, service: ap}
    expect: {fail: config}
)";

constexpr const char* k_maria = R"(scenario: maria sources
database:
  engine: mariadb
  answers_as: [db.src.test:3306]
  setup:
    - sql: |
        CREATE DATABASE shop;
        CREATE USER 'app'@'%' IDENTIFIED BY 'src-maria-secret-1';
        GRANT ALL ON shop.* TO 'app'@'%';
candidates:
  - name: my.cnf [client]
    driver: mysqlcppconn
    from:
      file: config/my.cnf
      keys: {host: client.host, port: client.port, user: client.user, password: client.password, database: client.database}
    checks:
      - query: SELECT DATABASE()
        expect_value: shop
  - name: my.cnf, typo in a key
    driver: mysqlcppconn
    from:
      file: config/my.cnf
      keys: {host: client.host, port: client.prot, user: client.user, password: client.password, database: client.database}
    expect: {fail: config}
  - name: my.cnf, the server's port
    driver: mysqlcppconn
    from:
      file: config/my.cnf
      keys: {host: client.host, port: mysqld.port, user: client.user, password: client.password, database: client.database}
    expect: {fail: refused}
)";

} // namespace

TEST_SUITE("sources") {
    TEST_CASE("sources: .env, database.yml, appsettings.json, application.properties, my.cnf, pg_service.conf") {
        auto root = fresh_runtime_root("rt-sources");
        auto dir = fresh_dir("sources");
        write_config_files(dir);
        auto pg_file = write_file(dir / "pg-sources.yaml", k_pg);
        auto my_file = write_file(dir / "maria-sources.yaml", k_maria);
        // files named one by one: the folder also holds the application's database.yml
        auto result =
            run_stagegate({"run", "--json", (dir / "report.json").string(), pg_file.string(), my_file.string()},
                          {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        std::string text = read_file(dir / "report.json");
        json report = parse_report(dir / "report.json");
        CHECK(report["verdict"] == "pass");

        const json* pg = find_scenario(report, "pg sources");
        REQUIRE(pg != nullptr);
        CHECK((*pg)["error"].is_null());
        CHECK((*pg)["candidates"].size() == 14);
        check_judged(*pg, "env, double quoted, CRLF and BOM", "pass");
        check_judged(*pg, "env, single quoted", "pass");
        check_judged(*pg, "env, typo in the key", "config",
                     "config/app.env has no key DATABASE_URI; did you mean DATABASE_URL?");
        check_judged(*pg, "env, unterminated quote", "config",
                     "config/broken.env:1: DATABASE_URL: unterminated double quote");
        const json& rails = check_judged(*pg, "rails database.yml composed", "pass");
        // The file name chose the loader among several that read YAML: the report says which.
        CHECK(rails["translation"] ==
              json::array({"database.yml: read as Rails database.yml (ERB ENV tags, then YAML with merge keys) "
                           "(format rails, from the file name; from.format chooses another)",
                           "host from key production.host", "port from key production.port",
                           "user from key production.username", "password from key production.password",
                           "database from key production.database"}));
        check_judged(*pg, "rails database.yml, typo in a key", "config",
                     "config/database.yml has no key production.pasword; did you mean production.password?");
        check_judged(*pg, "appsettings.json with a comment", "pass");
        check_judged(*pg, "appsettings.json, wrong case in the key", "config",
                     "has no key ConnectionStrings.shop; did you mean ConnectionStrings.Shop?");
        const json& spring = check_judged(*pg, "spring jdbc url", "pass");
        REQUIRE(spring["translation"].is_array());
        std::string lines;
        for (const auto& line : spring["translation"])
            lines += line.get<std::string>() + "\n";
        CHECK(contains(lines, "host db.src.test:5432 -> host=db.src.test port=5432"));
        CHECK(contains(lines, "database shop -> dbname=shop"));
        CHECK(contains(lines, "user (from the username key) -> user=app"));
        CHECK(contains(lines, "password (from the password key) -> password=********"));
        CHECK(contains(lines, "connectTimeout=5 -> connect_timeout=5"));
        CHECK(contains(lines, "application.properties: read as Spring Boot (properties or YAML, then ${...} "
                              "placeholders) (format spring, from the file name; from.format chooses another)"));
        CHECK(!contains(lines, k_pg_password));
        check_judged(*pg, "spring jdbc url with socketTimeout", "config",
                     "parameter socketTimeout of jdbc:postgresql cannot be translated");
        check_judged(*pg, "spring, typo in the password key", "config",
                     "has no key spring.datasource.pasword; did you mean spring.datasource.password?");
        // service files work since 250afac: the service's host is mapped as libpq will use it
        check_judged(*pg, "pg_service.conf service", "pass");
        check_judged(*pg, "pg_service.conf, service with a misspelt host", "dns",
                     "host db.src.tset is unknown; did you mean db.src.test?");
        check_judged(*pg, "pg_service.conf, no such service", "config", "definition of service \"ap\" not found");

        const json* my = find_scenario(report, "maria sources");
        REQUIRE(my != nullptr);
        CHECK((*my)["error"].is_null());
        const json& cnf = check_judged(*my, "my.cnf [client]", "pass");
        CHECK(cnf["translation"].size() == 5);
        check_judged(*my, "my.cnf, typo in a key", "config",
                     "config/my.cnf has no key client.prot; did you mean client.port?");
        check_judged(*my, "my.cnf, the server's port", "refused",
                     "db.src.test:3307 refuses connections; db.src.test answers on port 3306");

        check_no_secrets(result, text, {k_pg_password, k_my_password});
        check_nothing_left(root);
    }
}
