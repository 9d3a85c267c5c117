// MariaDB, MySQL and SQLite scenarios through the built binary: verdicts, the client
// environment of the machine ignored, and no mariadbd left behind after SIGINT or SIGKILL.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <chrono>
#include <csignal>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A candidate that holds a query open for 30 s; the general log shows when it started.
constexpr const char* k_sleeper = R"(scenario: long query on mariadb
database:
  engine: mariadb
  answers_as: [db.sleep.test:3306]
  settings: {general_log: "1", general_log_file: general.log}
  setup:
    - sql: CREATE USER 'app'@'%' IDENTIFIED BY 'sleep-pw'
candidates:
  - name: sleeper
    driver: mysqlcppconn
    url: mysql://app:sleep-pw@db.sleep.test:3306/?connect-timeout=5
    checks:
      - query: SELECT SLEEP(30)
        timeout_ms: 60000
)";

// The candidate has no password; the machine's MYSQL_PWD has the right one and must not count.
constexpr const char* k_no_password = R"(scenario: machine environment ignored
database:
  engine: mysql
  answers_as: [db.env.test:3306]
  setup:
    - sql: CREATE USER 'app'@'%' IDENTIFIED BY 'env-pw'
candidates:
  - name: relies on MYSQL_PWD
    driver: mysqlcppconn
    url: mysql://app@db.env.test:3306/
    expect: {fail: auth}
  - name: relies on MYSQL_PWD through SOCI
    driver: soci
    url: mysql://host=db.env.test user=app
    expect: {fail: auth}
  - name: names it
    driver: mysqlcppconn
    url: mysql://app:env-pw@db.env.test:3306/
)";

std::unique_ptr<BackgroundStagegate> start_sleeper(const fs::path& root) {
    return start_long_query(root, "maria-sleeper", k_sleeper, "mariadb-1/data/general.log", "SLEEP(30)");
}

} // namespace

TEST_SUITE("cli mariadb") {
    TEST_CASE("the demo's MySQL scenario passes and says MariaDB served it") {
        auto result = run_stagegate({"run", "scenarios/examples/orders-mysql.yaml"});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "mysql (served by MariaDB "));
        CHECK(contains(result.out, "8 as expected"));
    }

    TEST_CASE("mysql and mariadb scenarios in one run share the MariaDB template") {
        auto dir = fresh_dir("maria-and-mysql");
        write_file(dir / "a-mariadb.yaml", R"(scenario: on mariadb
database:
  engine: mariadb
  answers_as: [db.a.test:3306]
  setup:
    - sql: CREATE USER 'app'@'%' IDENTIFIED BY 'a-pw'
candidates:
  - name: connects
    driver: mysqlcppconn
    url: mysql://app:a-pw@db.a.test:3306/?connect-timeout=5
)");
        write_file(dir / "b-mysql.yaml", R"(scenario: on mysql
database:
  engine: mysql
  answers_as: [db.b.test:3306]
  setup:
    - sql: CREATE USER 'app'@'%' IDENTIFIED BY 'b-pw'
candidates:
  - name: connects
    driver: soci
    url: mysql://host=db.b.test user=app password=b-pw connect_timeout=5
)");
        auto result = run_stagegate({"run", dir.string()});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "server mariadb 10."));
        CHECK(contains(result.out, "server mysql (served by MariaDB 10."));
    }

    TEST_CASE("MYSQL_PWD and MYSQL_HOST of the machine do not make a candidate pass") {
        auto file = write_file(fresh_dir("maria-env") / "env.yaml", k_no_password);
        auto result = run_stagegate({"run", file.string()}, {{"MYSQL_PWD", "env-pw"}, {"MYSQL_HOST", "127.0.0.1"}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "using password: NO"));
        CHECK(contains(result.out, "3 as expected"));
    }

    TEST_CASE("SIGINT mid-query on MariaDB: exit 130, no mariadbd and no run folder left") {
        auto root = fresh_runtime_root("rt-maria-sigint");
        auto run = start_sleeper(root);
        REQUIRE(!processes_under(root).empty());
        run->signal(SIGINT);
        auto exit = run->wait(35000); // a blocking client: the query ends with its deadline at worst
        INFO("stdout:\n" << run->out() << "\nstderr:\n" << run->err());
        REQUIRE_MESSAGE(exit.has_value(), "stagegate still runs 35 s after SIGINT");
        CHECK(*exit == 130);
        check_nothing_left(root);
    }

    TEST_CASE("SIGKILL mid-query on MariaDB: the watchdog ends mariadbd and removes the folder within 5 s") {
        auto root = fresh_runtime_root("rt-maria-sigkill");
        auto run = start_sleeper(root);
        auto before = processes_under(root);
        REQUIRE(!before.empty());
        CHECK(contains(before.front() + (before.size() > 1 ? before.back() : ""), "mariadbd"));
        run->signal(SIGKILL);
        REQUIRE(run->wait(5000).has_value());
        auto killed = std::chrono::steady_clock::now();
        bool clean = wait_until([&] { return run_dirs(root).empty() && processes_under(root).empty(); }, 5000);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
        CHECK_MESSAGE(clean, "5 s after SIGKILL something remains");
        if (clean)
            MESSAGE("clean " << took.count() << " ms after SIGKILL");
        check_nothing_left(root);
    }
}
