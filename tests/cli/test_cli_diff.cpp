// `stagegate diff OLD NEW` through the built binary: strings, config files read as `run` reads
// them (--key, --keys, --service, a YAML dot path), process substitution, exit codes 0/1/2, JSON,
// and no secret in any output.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <vector>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_old_password = "diff-old-secret-1";
constexpr const char* k_new_password = "diff-new-secret-2";

const std::string k_primary =
    "postgresql://app:diff-old-secret-1@db-primary.staging.internal:5432/users?sslmode=verify-full";
const std::string k_typo =
    "postgresql://app:diff-old-secret-1@db-prmary.staging.internal:5432/users?sslmode=verify-full";

void check_no_password(const CliResult& result) {
    for (const std::string secret : {k_old_password, k_new_password}) {
        CHECK_MESSAGE(!contains(result.out, secret), "stdout shows " << secret);
        CHECK_MESSAGE(!contains(result.err, secret), "stderr shows " << secret);
    }
}

// The application's config before and after the merge request, in `dir`.
void write_env_files(const fs::path& dir) {
    write_file(dir / "old.env", std::string("DATABASE_URL=postgresql://app:") + k_old_password +
                                    "@db-primary.staging.internal:5432/users?sslmode=verify-full\n"
                                    "DB_HOST=db-primary.staging.internal\nDB_PORT=5432\nDB_USER=app\n"
                                    "DB_PASSWORD=" +
                                    k_old_password + "\nDB_NAME=users\n");
    write_file(dir / "new.env", std::string("DATABASE_URL=postgresql://app:") + k_new_password +
                                    "@db-prmary.staging.internal:5432/users?sslmode=prefer\n"
                                    "DB_HOST=db-primary.staging.internal\nDB_PORT=6432\nDB_USER=app\n"
                                    "DB_PASSWORD=" +
                                    k_new_password + "\nDB_NAME=users\n");
}

// Runs `script` with bash (for process substitution), $STAGEGATE naming the built binary.
CliResult run_bash(const fs::path& dir, const std::string& script) {
    fs::path file = write_file(dir / "script.sh", script);
    fs::path err = dir / "stderr.txt";
    std::string command = "cd '" + dir.string() + "' && STAGEGATE='" + binary_path().string() + "' bash '" +
                          file.string() + "' 2>'" + err.string() + "'";
    CliResult result;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        result.out.append(buffer, n);
    int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.err = read_file(err);
    return result;
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("diff of two strings with a host typo exits 1 and names the edit distance") {
        auto result = run_stagegate({"diff", k_primary, k_typo});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(result.out == "libpq reads both; 1 field differs (1 identity field, marked *)\n"
                            "* host: db-primary.staging.internal → db-prmary.staging.internal (edit distance 1)\n");
        CHECK(result.err.empty());
        check_no_password(result);
    }

    TEST_CASE("diff of one config written two ways exits 0") {
        auto result = run_stagegate(
            {"diff", k_primary,
             "host=db-primary.staging.internal dbname=users user=app password=diff-old-secret-1 sslmode=verify-full"});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(result.out == "libpq reads both the same way: no field differs\n");
    }

    TEST_CASE("diff of two .env files read with --key") {
        fs::path dir = fresh_dir("diff-env");
        write_env_files(dir);
        auto result = run_stagegate({"diff", "--key", "DATABASE_URL", "old.env", "new.env"}, {}, 120000, dir.string());
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(contains(result.out, "libpq reads both; 3 fields differ (2 identity fields, marked *)\n"));
        CHECK(contains(result.out, "* host: db-primary.staging.internal → db-prmary.staging.internal"));
        CHECK(contains(result.out, "* TLS: verify-full → prefer (weaker: the server is no longer verified)\n"));
        CHECK(contains(result.out, "\n  password: changed\n"));
        CHECK(contains(result.out, "new warning: sslmode=prefer"));
        check_no_password(result);
    }

    TEST_CASE("diff composes --keys parts from each file as run does") {
        fs::path dir = fresh_dir("diff-keys");
        write_env_files(dir);
        auto result = run_stagegate({"diff", "--keys",
                                     "host=DB_HOST,port=DB_PORT,user=DB_USER,password=DB_PASSWORD,database=DB_NAME",
                                     "old.env", "new.env"},
                                    {}, 120000, dir.string());
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(contains(result.out, "* port: 5432 → 6432\n"));
        CHECK(contains(result.out, "  password: changed\n"));
        CHECK_FALSE(contains(result.out, "host:"));
        check_no_password(result);
    }

    TEST_CASE("diff reads a YAML file by a dot path and compares it with a string") {
        fs::path dir = fresh_dir("diff-yaml");
        write_file(dir / "config/database.yml",
                   "production:\n  url: postgresql://app:diff-new-secret-2@db-primary.staging.internal/users\n");
        auto result = run_stagegate({"diff", "--key", "production.url",
                                     "postgresql://app@db-primary.staging.internal:5432/users", "config/database.yml"},
                                    {}, 120000, dir.string());
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(contains(result.out, "  password: added\n"));
        CHECK_FALSE(contains(result.out, "port")); // 5432 written out, or the default: the same port
        check_no_password(result);
    }

    TEST_CASE("diff reads a pg_service.conf service on each side") {
        fs::path dir = fresh_dir("diff-service");
        write_file(dir / "old/pg_service.conf", "[app]\nhost=db-primary.staging.internal\ndbname=users\n");
        write_file(dir / "new/pg_service.conf", "[app]\nhost=db-primary.staging.internal\ndbname=orders\n");
        auto result = run_stagegate({"diff", "--service", "app", "old/pg_service.conf", "new/pg_service.conf"}, {},
                                    120000, dir.string());
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(contains(result.out, "* database: users → orders\n"));
    }

    TEST_CASE("diff reads a config from process substitution when --format names its format") {
        fs::path dir = fresh_dir("diff-pipe");
        write_env_files(dir);
        auto result = run_bash(dir, "\"$STAGEGATE\" diff --key DATABASE_URL --format env <(cat old.env) new.env\n");
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        CHECK(contains(result.out, "* host: db-primary.staging.internal → db-prmary.staging.internal"));
        check_no_password(result);
        auto same = run_bash(dir, "\"$STAGEGATE\" diff --key DATABASE_URL --format env <(cat old.env) old.env\n");
        CHECK(same.exit_code == 0);
    }

    TEST_CASE("diff of a pipe without --format says the format cannot be guessed") {
        fs::path dir = fresh_dir("diff-pipe-format");
        write_env_files(dir);
        auto result = run_bash(dir, "\"$STAGEGATE\" diff --key DATABASE_URL <(cat old.env) new.env\n");
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(contains(result.err, "stagegate: error: OLD: cannot tell the format of /dev/fd/"));
        CHECK(contains(result.err,
                       "(a pipe, as <(...) gives): add --format (rails, spring, yaml, json, properties, ini, env)\n"));
        CHECK(lines_of(result.err).size() == 1);
    }

    TEST_CASE("diff of a missing file exits 2 naming the side") {
        fs::path dir = fresh_dir("diff-missing");
        write_env_files(dir);
        auto result =
            run_stagegate({"diff", "--key", "DATABASE_URL", "old.env", "config/app.env"}, {}, 120000, dir.string());
        CHECK(result.exit_code == 2);
        CHECK(result.err == "stagegate: error: NEW: no such file config/app.env\n");
        auto bare = run_stagegate({"diff", "--key", "DATABASE_URL", "olds.env", "new.env"}, {}, 120000, dir.string());
        CHECK(bare.exit_code == 2);
        CHECK(bare.err == "stagegate: error: OLD: no such file olds.env\n");
    }

    TEST_CASE("diff of a missing key exits 2 naming the side and the key") {
        fs::path dir = fresh_dir("diff-missing-key");
        write_env_files(dir);
        auto result = run_stagegate({"diff", "--key", "DATABASE_URI", "old.env", "new.env"}, {}, 120000, dir.string());
        CHECK(result.exit_code == 2);
        CHECK(contains(result.err, "stagegate: error: OLD: old.env has no key DATABASE_URI"));
    }

    TEST_CASE("diff refuses two strings different clients read") {
        auto result = run_stagegate({"diff", k_primary, "mysql://app@db-primary.staging.internal/users"});
        CHECK(result.exit_code == 2);
        CHECK(result.err == "stagegate: error: OLD is read by libpq and NEW by mysqlcppconn: diff compares two "
                            "configs of one client; name it with --driver\n");
        check_no_password(result);
    }

    TEST_CASE("diff of a string the client cannot read exits 2 naming the side") {
        auto result = run_stagegate({"diff", k_primary, "host=db password=diff-new-secret-2 sslmode=bogus"});
        INFO("stderr:\n" << result.err);
        CHECK(result.exit_code == 2);
        CHECK(contains(result.err, "stagegate: error: NEW: libpq cannot read this string (config): "));
        CHECK(lines_of(result.err).size() == 1);
        check_no_password(result);
    }

    TEST_CASE("diff flag errors are one line") {
        auto keys = run_stagegate({"diff", "--keys", "host", "a.env", "b.env"});
        CHECK(keys.exit_code == 2);
        CHECK(contains(keys.err, "stagegate: error: --keys: expected part=KEY pairs separated by commas, got "
                                 "\"host\"; e.g. host=DB_HOST,"));
        auto part = run_stagegate({"diff", "--keys", "hots=DB_HOST", "a.env", "b.env"});
        CHECK(part.err == "stagegate: error: --keys: unknown part \"hots\" (did you mean host?); parts: url, host, "
                          "port, user, password, database\n");
        auto driver = run_stagegate({"diff", "--driver", "jdbc", k_primary, k_typo});
        CHECK(driver.exit_code == 2);
        CHECK(contains(driver.err, "stagegate: error: --driver: unknown driver \"jdbc\""));
        fs::path dir = fresh_dir("diff-no-key");
        write_env_files(dir);
        auto no_key = run_stagegate({"diff", "old.env", "new.env"}, {}, 120000, dir.string());
        CHECK(no_key.exit_code == 2);
        CHECK(no_key.err == "stagegate: error: OLD: old.env is a file: say where the connection string is with "
                            "--key, --keys or --service\n");
        auto both = run_stagegate({"diff", "--key", "A", "--keys", "host=B", "a.env", "b.env"});
        CHECK(both.exit_code == 2);
        for (const auto* result : {&keys, &part, &driver, &no_key, &both})
            CHECK(lines_of(result->err).size() == 1);
    }

    TEST_CASE("diff --json parses and shows no secret") {
        auto result = run_stagegate(
            {"diff", "--json", k_primary, "postgresql://app:diff-new-secret-2@db-prmary.staging.internal/users"});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 1);
        auto json = nlohmann::json::parse(result.out);
        CHECK(json["format"] == "stagegate-diff/1");
        CHECK(json["driver"] == "libpq");
        CHECK(json["same"] == false);
        std::vector<std::string> fields;
        for (const auto& change : json["changes"])
            fields.push_back(change["field"]);
        CHECK(fields == std::vector<std::string>{"host", "TLS", "password"});
        CHECK(json["changes"][2]["secret"] == true);
        CHECK(json["changes"][2]["before"] == "********");
        CHECK(json["changes"][2]["distance"] == 0);
        CHECK(json["warnings_after"].size() > json["warnings_before"].size());
        check_no_password(result);
    }

    TEST_CASE("diff --help names the exit codes") {
        auto result = run_stagegate({"diff", "--help"});
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "Exit codes: 0 the configs are the same, 1 they differ, 2 invalid input"));
    }
}
