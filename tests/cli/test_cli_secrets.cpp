// Secrets in strings that do not parse, in setup SQL in any quoting, and inside base64 never reach
// any output (stdout, stderr, JSON, JUnit, annotations) of run, lint, explain, diff or drill; and
// no value can forge a CI workflow command or hide a character on the console.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <array>
#include <string>
#include <vector>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

struct Canary {
    std::string_view raw;
    // Written out by hand: percent-encoded, and base64 at each of the three byte offsets (the
    // characters only the secret's own bytes decide), and pieces a client may quote.
    std::array<std::string_view, 5> forms;
};

constexpr std::array<Canary, 5> k_canaries{{
    {"NoHostCanary42x", {"NoHostCanary42x", "Tm9Ib3N0Q2FuYXJ5NDJ4", "5vSG9zdENhbmFyeTQye", "Ob0hvc3RDYW5hcnk0Mn", ""}},
    {"At@Canary-Split-7",
     {"At%40Canary-Split-7", "QXRAQ2FuYXJ5LVNwbGl0LT", "F0QENhbmFyeS1TcGxpdC03", "BdEBDYW5hcnktU3BsaXQtN",
      "Canary-Split-7"}},
    {"B64Canary-Secret-31",
     {"B64Canary-Secret-31", "QjY0Q2FuYXJ5LVNlY3JldC0zM", "I2NENhbmFyeS1TZWNyZXQtMz", "CNjRDYW5hcnktU2VjcmV0LTMx", ""}},
    {"DqCanary-Maria-8",
     {"DqCanary-Maria-8", "RHFDYW5hcnktTWFyaWEtO", "RxQ2FuYXJ5LU1hcmlhLT", "EcUNhbmFyeS1NYXJpYS04", ""}},
    {"JdbcCanary-66", {"JdbcCanary-66", "SmRiY0NhbmFyeS02N", "pkYmNDYW5hcnktNj", "KZGJjQ2FuYXJ5LTY2", ""}},
}};

// base64 of postgresql://app:B64Canary-Secret-31@db.secrets.test:5432/app?sslmode=disable
constexpr std::string_view k_secret_blob = "cG9zdGdyZXNxbDovL2FwcDpCNjRDYW5hcnktU2VjcmV0LTMxQGRiLnNlY3JldHMudGVzdDo1"
                                           "NDMyL2FwcD9zc2xtb2RlPWRpc2FibGU=";

// Checks that no form of any canary is in `text`, which is `where`.
void check_no_canary(const std::string& text, const std::string& where) {
    for (const auto& canary : k_canaries) {
        CHECK_MESSAGE(!contains(text, std::string(canary.raw)), where << " shows " << canary.raw);
        for (auto form : canary.forms) {
            if (!form.empty())
                CHECK_MESSAGE(!contains(text, std::string(form)), where << " shows " << form << " of " << canary.raw);
        }
    }
}

// Checks that every line that a CI runner would read as a workflow command is stagegate's own
// annotation (`::error file=...`), never one a value forged.
void check_no_forged_command(const std::string& text, const std::string& where) {
    for (const auto& line : lines_of(text)) {
        auto start = line.find_first_not_of(" \t");
        std::string_view rest = start == std::string::npos ? "" : std::string_view(line).substr(start);
        bool own = rest.starts_with("::error file=") || rest.starts_with("::warning file=") ||
                   rest.starts_with("::notice file=");
        CHECK_MESSAGE((!rest.starts_with("::") || own), where << " has a forged command line: " << line);
        CHECK_MESSAGE(!contains(line, "##["), where << " has an old-style command: " << line);
    }
}

const std::string k_postgres_scenario = R"(scenario: "secrets on postgres\n::error::forged scenario"
database:
  engine: postgres
  answers_as: [db.secrets.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'app-pw-fine'
candidates:
  - name: no host
    driver: libpq
    url: postgresql://app:NoHostCanary42x
  - name: "at sign\n::error::forged candidate"
    driver: libpq
    url: postgresql://app:At@Canary-Split-7@db.secrets.test:5432/app
  - name: soci without a host
    driver: soci
    url: postgresql://postgresql://app:NoHostCanary42x
  - name: kubernetes secret as it stands
    driver: libpq
    from: {file: secret.yaml, key: data.DATABASE_URL}
  - name: jdbc without a host
    driver: libpq
    url: jdbc:postgresql://app:JdbcCanary-66
  - name: invisible host
    driver: libpq
    url: "postgresql://app:app-pw-fine@db\u200b.secrets.test:5432/postgres?sslmode=disable"
  - name: forged values
    driver: libpq
    url: postgresql://app:app-pw-fine@db.secrets.test:5432/postgres?sslmode=disable
    checks:
      - query: "SELECT 'sql\n::error::forged query'"
        expect_value: "x"
      - query: "SELECT E'value\\n::error::forged value'"
        expect_value: "x"
)";

const std::string k_secret_manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-db\ntype: Opaque\ndata:\n"
                                      "  DATABASE_URL: " +
                                      std::string(k_secret_blob) + "\n";

const std::string k_mariadb_scenario = R"(scenario: secrets on mariadb
database:
  engine: mariadb
  answers_as: [db.maria.test:3306]
  setup:
    - sql: CREATE USER 'app'@'%' WITH IDENTIFIED BY "DqCanary-Maria-8"
candidates:
  - name: no host
    driver: mysqlcppconn
    url: mysql://app:NoHostCanary42x
)";

struct Files {
    fs::path postgres;
    fs::path mariadb;
};

Files write_scenarios(const std::string& name) {
    fs::path dir = fresh_dir(name);
    write_file(dir / "secret.yaml", k_secret_manifest);
    return Files{write_file(dir / "postgres.yaml", k_postgres_scenario),
                 write_file(dir / "mariadb.yaml", k_mariadb_scenario)};
}

} // namespace

TEST_SUITE("cli secrets") {
    TEST_CASE("explain and diff show no password of a string that does not parse") {
        const std::vector<std::pair<std::string, std::string>> strings{
            {"libpq", "postgresql://app:NoHostCanary42x"},
            {"libpq", "postgresql://app:At@Canary-Split-7@db.secrets.test/app?sslmode=bogus"},
            {"libpq", "host=db password=NoHostCanary42x sslmode=bogus"},
            {"libpq", std::string(k_secret_blob)},
            {"mysqlcppconn", "mysql://app:NoHostCanary42x"},
            {"mysqlcppconn", "mysql://app:At@Canary-Split-7@db.secrets.test:bad/shop"},
            {"soci", "postgresql://postgresql://app:NoHostCanary42x"},
            {"soci", "mysql://host=db password=NoHostCanary42x bogus=1"},
        };
        for (const auto& [driver, text] : strings) {
            CAPTURE(text);
            auto explained = run_stagegate({"explain", "--driver", driver, text});
            check_no_canary(explained.out, "explain's stdout");
            check_no_canary(explained.err, "explain's stderr");
            auto diffed = run_stagegate({"diff", "--driver", driver, text, text + "x"});
            check_no_canary(diffed.out, "diff's stdout");
            check_no_canary(diffed.err, "diff's stderr");
        }
    }

    TEST_CASE("lint shows no password of a string that does not parse, nor in setup SQL") {
        Files files = write_scenarios("secrets-lint");
        auto result = run_stagegate({"lint", files.postgres.string(), files.mariadb.string()});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        check_no_canary(result.out, "lint's stdout");
        check_no_canary(result.err, "lint's stderr");
        check_no_forged_command(result.out, "lint's stdout");
        CHECK(contains(result.out, R"(db\u200b.secrets.test)"));
    }

    TEST_CASE("run under GitHub Actions shows no secret and no forged command in any output") {
        Files files = write_scenarios("secrets-run");
        auto root = fresh_runtime_root("rt-secrets-run");
        fs::path json = files.postgres.parent_path() / "report.json";
        fs::path junit = files.postgres.parent_path() / "report.xml";
        auto result = run_stagegate({"run", files.postgres.string(), files.mariadb.string(), "--json", json.string(),
                                     "--junit", junit.string()},
                                    {{"STAGEGATE_RUNTIME_DIR", root.string()}, {"GITHUB_ACTIONS", "true"}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 3); // the MariaDB setup fails: its syntax error quotes the password
        CHECK(contains(result.out, R"(near 'IDENTIFIED BY "********"')"));
        check_no_canary(result.out, "stdout");
        check_no_canary(result.err, "stderr");
        check_no_canary(read_file(json), "the JSON report");
        check_no_canary(read_file(junit), "the JUnit report");
        check_no_forged_command(result.out, "stdout");
        check_no_forged_command(result.err, "stderr");
        CHECK(contains(result.out, R"(host db\u200b.secrets.test is unknown; did you mean db.secrets.test?)"));
        CHECK(contains(result.out, "::error file=")); // stagegate's own annotations are still there
        check_nothing_left(root);
    }

    TEST_CASE("drill shows no password of a string that does not parse") {
        Files files = write_scenarios("secrets-drill");
        auto root = fresh_runtime_root("rt-secrets-drill");
        fs::path json = files.postgres.parent_path() / "drill.json";
        auto result = run_stagegate({"drill", files.postgres.string(), "--json", json.string()},
                                    {{"STAGEGATE_RUNTIME_DIR", root.string()}, {"GITHUB_ACTIONS", "true"}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        check_no_canary(result.out, "drill's stdout");
        check_no_canary(result.err, "drill's stderr");
        if (fs::exists(json))
            check_no_canary(read_file(json), "the drill's JSON");
        check_no_forged_command(result.out, "drill's stdout");
        check_nothing_left(root);
    }
}
