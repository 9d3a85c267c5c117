// The local MariaDB provider (LocalServers with the MariaDB recipe) and the SQLite provider,
// against the real server binaries.
#include <doctest/doctest.h>

#include "live_checks.hpp"
#include "live_provision.hpp"
#include "provision/local_mariadb.hpp"
#include "provision/local_sqlite.hpp"
#include "provision/run_dir.hpp"
#include "support.hpp"

#include <atomic>
#include <sys/stat.h>
#include <thread>

using namespace stagegate;
using namespace stagegate::test;

namespace fs = std::filesystem;

namespace {

std::unique_ptr<Instance> provision(Provider& provider, const Database& database) {
    auto instance = provider.provision(database, Deadline::in(Millis(60000)));
    REQUIRE_MESSAGE(instance.has_value(), why(instance));
    return std::move(*instance);
}

Database mariadb(std::vector<std::pair<std::string, std::string>> settings = {}) {
    Database database;
    database.engine = Engine::mariadb;
    database.settings = std::move(settings);
    return database;
}

std::unique_ptr<Session> admin_session(const Instance& instance) {
    auto session = instance.admin_driver().connect_admin(instance.admin(""), Deadline::in(Millis(10000)));
    REQUIRE_MESSAGE(session.has_value(), why(session));
    return std::move(*session);
}

std::string first_value(Session& session, const std::string& sql) {
    auto result = session.execute(sql, Deadline::in(Millis(5000)));
    REQUIRE_MESSAGE(result.has_value(), why(result));
    REQUIRE(!result->rows.empty());
    return result->rows.at(0).at(0).value_or("NULL");
}

std::vector<std::string> folders_named(const RunDir& run_dir, const std::string& prefix) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(run_dir.path()))
        if (entry.path().filename().string().starts_with(prefix))
            names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

template <typename Condition> bool eventually(Millis budget, Condition done) {
    auto until = Clock::now() + budget;
    while (!done()) {
        if (Clock::now() > until)
            return false;
        std::this_thread::sleep_for(Millis(10));
    }
    return true;
}

} // namespace

TEST_SUITE("local mariadb") {
    TEST_CASE("a server comes up with a root login over TCP only with the random password") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalMariadb provider(run_dir, system_launcher());
        auto instance = provision(provider, mariadb());
        CHECK(instance->description().starts_with("mariadb 10."));
        CHECK(instance->route().address == "127.0.0.1");
        AdminLogin login = instance->admin("");
        CHECK(login.user == "root");
        CHECK(login.password.size() == 32);
        auto session = instance->take_admin_session();
        REQUIRE(session != nullptr);
        CHECK(instance->take_admin_session() == nullptr);
        CHECK(first_value(*session, "SELECT CURRENT_USER()") == "root@127.0.0.1");
        login.password = "not-the-password";
        auto refused = instance->admin_driver().connect_admin(login, Deadline::in(Millis(5000)));
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().category == Category::auth);
        CHECK(refused.error().native_code == 1045);
    }

    TEST_CASE("the server runs as the mysql account when stagegate runs as root, else as stagegate's user") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalMariadb provider(run_dir, system_launcher());
        auto instance = provision(provider, mariadb());
        auto pids = processes_naming(run_dir.path() / "mariadb-1");
        REQUIRE_FALSE(pids.empty());
        struct stat status {};
        REQUIRE(::stat(("/proc/" + std::to_string(pids.front())).c_str(), &status) == 0);
        uid_t expected = ::geteuid();
        if (expected == 0) {
            auto account = lookup_user("mysql");
            REQUIRE_MESSAGE(account.has_value(), why(account));
            expected = account->uid;
        }
        CHECK(status.st_uid == expected);
    }

    TEST_CASE("a second provision reuses the template") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalMariadb provider(run_dir, system_launcher());
        auto first = provision(provider, mariadb());
        auto template_dir = run_dir.path() / "mariadb-template";
        REQUIRE(std::filesystem::is_directory(template_dir));
        auto built = std::filesystem::last_write_time(template_dir);
        auto second = provision(provider, mariadb());
        // Copied, not built again: the template's folder is as the first provision left it (a
        // timing comparison said the same, and flaked on a busy machine).
        CHECK(std::filesystem::last_write_time(template_dir) == built);
        CHECK(first->route().port != second->route().port);
        CHECK(folders_named(run_dir, "mariadb-") ==
              std::vector<std::string>{"mariadb-1", "mariadb-2", "mariadb-template"});
    }

    TEST_CASE("settings become server options and a prepared server is used") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalMariadb provider(run_dir, system_launcher());
        auto first = provision(provider, mariadb());
        auto next = mariadb({{"max_connections", "42"}, {"max-allowed-packet", "8388608"}});
        provider.prepare(next);
        auto second = provision(provider, next);
        auto session = admin_session(*second);
        CHECK(first_value(*session, "SELECT @@max_connections") == "42");
        CHECK(first_value(*session, "SELECT @@max_allowed_packet") == "8388608");
        auto setting = session->setting("max_connections", Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(setting.has_value(), why(setting));
        CHECK(*setting == "42");
    }

    TEST_CASE("a misspelled setting fails provision with the server's own reason") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalMariadb provider(run_dir, system_launcher());
        auto instance = provider.provision(mariadb({{"max_conections", "42"}}), Deadline::in(Millis(30000)));
        REQUIRE_FALSE(instance.has_value());
        CHECK_MESSAGE(instance.error().find("max_conections") != std::string::npos, instance.error());
        CHECK_MESSAGE(instance.error().find("[ERROR]") != std::string::npos, instance.error());
        // A server that failed to start is stopped cleanly and reaped in the background.
        CHECK(eventually(Millis(10000), [&] { return processes_naming(run_dir.path() / "mariadb-1").empty(); }));
    }

    TEST_CASE("an admin session runs multi-statement scripts and reports the failing statement") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalMariadb provider(run_dir, system_launcher());
        auto instance = provision(provider, mariadb());
        auto session = admin_session(*instance);
        auto done = session->execute("CREATE DATABASE shop; CREATE TABLE shop.t (id INT); "
                                     "INSERT INTO shop.t VALUES (1), (2); SELECT COUNT(*) FROM shop.t",
                                     Deadline::in(Millis(10000)));
        REQUIRE_MESSAGE(done.has_value(), why(done));
        CHECK(done->rows.at(0).at(0) == std::optional<std::string>("2"));
        auto broken = session->execute("INSERT INTO shop.t VALUES (3); SELEC 1; INSERT INTO shop.t VALUES (4)",
                                       Deadline::in(Millis(10000)));
        REQUIRE_FALSE(broken.has_value());
        CHECK(broken.error().category == Category::query);
        CHECK(broken.error().native_code == 1064);
        CHECK(first_value(*admin_session(*instance), "SELECT COUNT(*) FROM shop.t") == "3");
    }

    TEST_CASE("Connector/C++ and SOCI sessions work from several threads at once") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalMariadb provider(run_dir, system_launcher());
        auto instance = provision(provider, mariadb());
        AdminLogin root = instance->admin("");
        std::vector<std::pair<std::string, std::string>> candidates{
            {"mysqlcppconn", "mysql://root:" + root.password + "@db:3306/?connect-timeout=5"},
            {"soci", "mysql://host=db port=3306 user=root password=" + root.password + " connect_timeout=5"}};
        std::atomic<int> passed{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&, t] {
                const auto& [driver_name, text] = candidates[static_cast<std::size_t>(t % 2)];
                const Driver& driver = *find_driver(driver_name);
                auto parsed = driver.parse(text);
                if (!parsed)
                    return;
                Route route = instance->route();
                for (int round = 0; round < 5; ++round) {
                    auto session =
                        driver.connect(*parsed, std::span<const Route>(&route, 1), Deadline::in(Millis(5000)));
                    if (!session)
                        return;
                    auto result =
                        (*session)->execute("SELECT CONNECTION_ID(), SLEEP(0.01)", Deadline::in(Millis(5000)));
                    if (!result)
                        return;
                }
                ++passed;
            });
        }
        for (auto& thread : threads)
            thread.join();
        CHECK(passed == 8);
    }

    TEST_CASE("templates and servers made at the same moment do not disturb each other") {
        // MariaDB names temporary tables in tmpdir after pid and thread; with a shared /tmp,
        // concurrent bootstraps removed each other's ("Installation of system tables failed").
        std::vector<RunDir> run_dirs;
        for (int i = 0; i < 4; ++i)
            run_dirs.push_back(make_run_dir(runtime_root()));
        std::atomic<int> ready{0};
        std::vector<std::string> errors(4);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < 4; ++i) {
            threads.emplace_back([&, i] {
                LocalMariadb provider(run_dirs[i], system_launcher());
                for (int round = 0; round < 2; ++round) {
                    auto instance = provider.provision(mariadb(), Deadline::in(Millis(60000)));
                    if (!instance) {
                        errors[i] = instance.error();
                        return;
                    }
                }
                ++ready;
            });
        }
        for (auto& thread : threads)
            thread.join();
        CHECK_MESSAGE(ready == 4, errors[0] << errors[1] << errors[2] << errors[3]);
    }

    TEST_CASE("engine mysql is served by MariaDB and the description says so") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalMariadb provider(run_dir, system_launcher());
        Database database = mariadb();
        database.engine = Engine::mysql;
        auto instance = provision(provider, database);
        CHECK_MESSAGE(instance->description().starts_with("mysql (served by MariaDB 10."), instance->description());
    }

    TEST_CASE("destroying the instance ends mariadbd and the provider removes its folder") {
        RunDir run_dir = make_run_dir(runtime_root());
        fs::path dir = run_dir.path() / "mariadb-1";
        {
            LocalMariadb provider(run_dir, system_launcher());
            auto instance = provision(provider, mariadb());
            REQUIRE_FALSE(processes_naming(dir).empty());
            instance.reset();
            CHECK(eventually(Millis(5000), [&] { return processes_naming(dir).empty(); }));
        }
        CHECK_FALSE(fs::exists(dir));
        CHECK(folders_named(run_dir, "mariadb-") == std::vector<std::string>{"mariadb-template"});
    }
}

TEST_SUITE("local sqlite") {
    TEST_CASE("each scenario gets a fresh file that setup builds and teardown removes") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalSqlite provider(run_dir);
        Database database;
        database.engine = Engine::sqlite;
        fs::path file;
        {
            auto instance = provision(provider, database);
            file = instance->route().address;
            CHECK(fs::exists(file));
            CHECK(instance->route().port == 0);
            CHECK(instance->description().starts_with("sqlite 3."));
            auto session = instance->take_admin_session();
            REQUIRE(session != nullptr);
            auto built = session->execute("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1); "
                                          "INSERT INTO t VALUES (2); SELECT count(*) FROM t",
                                          Deadline::in(Millis(5000)));
            REQUIRE_MESSAGE(built.has_value(), why(built));
            CHECK(built->rows.back().at(0) == std::optional<std::string>("2"));
            auto second = provision(provider, database);
            CHECK(second->route().address != file.string());
            auto empty = admin_session(*second)->execute("SELECT count(*) FROM t", Deadline::in(Millis(5000)));
            REQUIRE_FALSE(empty.has_value());
            CHECK(empty.error().category == Category::query);
        }
        CHECK_FALSE(fs::exists(file));
        CHECK_FALSE(fs::exists(file.parent_path()));
    }
}
