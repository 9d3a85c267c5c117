#include <doctest/doctest.h>

#include "live_checks.hpp"
#include "live_provision.hpp"
#include "provision/local_postgres.hpp"
#include "provision/run_dir.hpp"
#include "support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <sstream>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace stagegate;
using namespace stagegate::test;

namespace fs = std::filesystem;

namespace {

std::unique_ptr<Instance> provision(LocalPostgres& provider, const Database& database = {}) {
    auto instance = provider.provision(database, Deadline::in(Millis(60000)));
    REQUIRE_MESSAGE(instance.has_value(), why(instance));
    return std::move(*instance);
}

std::unique_ptr<Session> admin_session(const Instance& instance) {
    auto session = find_driver("libpq")->connect_admin(instance.admin(""), Deadline::in(Millis(10000)));
    REQUIRE_MESSAGE(session.has_value(), why(session));
    return std::move(*session);
}

std::string setting_of(const Instance& instance, const std::string& name) {
    auto value = admin_session(instance)->setting(name, Deadline::in(Millis(5000)));
    REQUIRE_MESSAGE(value.has_value(), why(value));
    return *value;
}

fs::path data_directory(const Instance& instance) {
    return setting_of(instance, "data_directory");
}

// Returns the ids of the processes whose parent is `parent`.
std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        pid_t pid = std::atoi(entry.path().filename().c_str());
        if (pid <= 0)
            continue;
        std::string stat = read_file(entry.path() / "stat");
        auto after_name = stat.rfind(')');
        if (after_name == std::string::npos)
            continue;
        int ppid = 0;
        if (std::sscanf(stat.c_str() + after_name + 1, " %*c %d", &ppid) == 1 && ppid == parent)
            found.push_back(pid);
    }
    return found;
}

// Waits until `done` holds or `budget` passes; returns whether it held.
template <typename Condition> bool eventually(Millis budget, Condition done) {
    auto deadline = Deadline::in(budget);
    while (!done()) {
        if (deadline.expired())
            return false;
        std::this_thread::sleep_for(Millis(20));
    }
    return true;
}

// Makes this process the reaper of its orphaned descendants while it lives, so the processes a
// killed child leaves (its watchdog, its server) can be reaped instead of lingering as zombies.
class Subreaper {
  public:
    Subreaper() { REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0); }
    ~Subreaper() {
        for (pid_t orphan : m_orphans) {
            int status = 0;
            eventually(Millis(5000), [&] { return ::waitpid(orphan, &status, WNOHANG) != 0; });
        }
        ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    }
    Subreaper(const Subreaper&) = delete;
    Subreaper& operator=(const Subreaper&) = delete;
    // Reaps `pids` (once they end) when this object goes.
    void adopt(std::vector<pid_t> pids) { m_orphans = std::move(pids); }

  private:
    std::vector<pid_t> m_orphans;
};

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

int count_entries_named(const fs::path& dir, const std::string& prefix) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(dir))
        count += entry.path().filename().string().starts_with(prefix);
    return count;
}

// What the child of the watchdog test does: a stagegate run that provisions a server, says
// where it lives on `report`, and waits to be killed. Never returns.
[[noreturn]] void provision_and_wait(const fs::path& root, int report) {
    auto run_dir = RunDir::create(root);
    if (!run_dir)
        ::_exit(10);
    LocalPostgres provider(*run_dir, system_launcher());
    auto instance = provider.provision(Database{}, Deadline::in(Millis(60000)));
    if (!instance)
        ::_exit(11);
    auto session = find_driver("libpq")->connect_admin((*instance)->admin(""), Deadline::in(Millis(10000)));
    if (!session)
        ::_exit(12);
    auto data = (*session)->setting("data_directory", Deadline::in(Millis(5000)));
    if (!data)
        ::_exit(13);
    std::string text = fmt::format("{}\n{}\n", run_dir->path().string(), *data);
    if (::write(report, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        ::_exit(14);
    while (true)
        ::pause();
}

// Reads what the child wrote to `fd` until it closes or `budget` passes.
std::string read_report(int fd, Millis budget) {
    std::string text;
    auto deadline = Deadline::in(budget);
    while (!deadline.expired() && std::count(text.begin(), text.end(), '\n') < 2) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(deadline.remaining().count())) <= 0)
            continue;
        char buffer[512];
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got <= 0)
            break;
        text.append(buffer, static_cast<std::size_t>(got));
    }
    return text;
}

// Returns the names of the pg-* folders in the run dir (the template and instances).
std::vector<std::string> instance_folders(const RunDir& run_dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(run_dir.path()))
        if (entry.path().filename().string().starts_with("pg-"))
            names.push_back(entry.path().filename());
    return names;
}

} // namespace

TEST_SUITE("local postgres") {
    TEST_CASE("a second provision reuses the template and both servers accept logins") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalPostgres provider(run_dir, system_launcher());
        auto start = Clock::now();
        auto first = provision(provider);
        auto first_took = Clock::now() - start;
        start = Clock::now();
        auto second = provision(provider);
        auto second_took = Clock::now() - start;
        CHECK(second_took < first_took);
        CHECK(count_entries_named(run_dir.path(), "pg-template") == 1);
        CHECK(first->route().port != second->route().port);
        for (const Instance* instance : {first.get(), second.get()}) {
            auto result = admin_session(*instance)->execute("SELECT 1", Deadline::in(Millis(5000)));
            CHECK_MESSAGE(result.has_value(), instance->description());
        }
        CHECK(data_directory(*first) != data_directory(*second));
    }

    TEST_CASE("the readiness session is handed over once") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalPostgres provider(run_dir, system_launcher());
        auto instance = provider.provision(Database{}, Deadline::in(Millis(60000)));
        REQUIRE_MESSAGE(instance.has_value(), why(instance));
        auto session = (*instance)->take_admin_session();
        REQUIRE(session != nullptr);
        CHECK((*instance)->take_admin_session() == nullptr);
        auto result = session->execute("SELECT current_user", Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(result.has_value(), why(result));
        CHECK(result->rows.at(0).at(0) == std::optional<std::string>("postgres"));
    }

    TEST_CASE("a prepared server is used when the next scenario asks for the same settings") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalPostgres provider(run_dir, system_launcher());
        auto first = provision(provider);
        Database next;
        next.settings = {{"max_connections", "41"}};
        provider.prepare(next);
        auto prepared = instance_folders(run_dir); // the template, the first server's, the prepared one's
        REQUIRE(prepared.size() == 3);
        auto second = provision(provider, next);
        CHECK(setting_of(*second, "max_connections") == "41");
        CHECK(instance_folders(run_dir) == prepared); // the prepared server answers: no folder of its own
    }

    TEST_CASE("servers prepared for two upcoming scenarios are used in order") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalPostgres provider(run_dir, system_launcher());
        auto first = provision(provider);
        Database second_db;
        second_db.settings = {{"max_connections", "44"}};
        Database third_db;
        third_db.settings = {{"max_connections", "45"}};
        provider.prepare(second_db);
        provider.prepare(third_db);
        auto second = provision(provider, second_db);
        auto third = provision(provider, third_db);
        CHECK(setting_of(*second, "max_connections") == "44");
        CHECK(setting_of(*third, "max_connections") == "45");
        CHECK(instance_folders(run_dir).size() == 4); // template + three instances, none wasted
    }

    TEST_CASE("a prepared server with other settings is discarded, and an unused one leaves nothing") {
        RunDir run_dir = make_run_dir(runtime_root());
        {
            LocalPostgres provider(run_dir, system_launcher());
            auto first = provision(provider);
            Database prepared;
            prepared.settings = {{"max_connections", "41"}};
            provider.prepare(prepared);
            Database asked;
            asked.settings = {{"max_connections", "43"}};
            auto second = provision(provider, asked);
            CHECK(setting_of(*second, "max_connections") == "43");
            provider.prepare(prepared);
        }
        CHECK(processes_naming(run_dir.path()).empty());
        CHECK(instance_folders(run_dir) == std::vector<std::string>{"pg-template"});
    }

    TEST_CASE("provision applies the database's settings") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalPostgres provider(run_dir, system_launcher());
        Database database;
        database.settings = {{"max_connections", "37"}};
        auto instance = provision(provider, database);
        CHECK(setting_of(*instance, "max_connections") == "37");
    }

    TEST_CASE("a misspelled setting fails provision naming it") {
        RunDir run_dir = make_run_dir(runtime_root());
        LocalPostgres provider(run_dir, system_launcher());
        Database database;
        database.settings = {{"max_conections", "37"}};
        auto instance = provider.provision(database, Deadline::in(Millis(30000)));
        REQUIRE_FALSE(instance.has_value());
        CHECK_MESSAGE(instance.error().find("max_conections") != std::string::npos, instance.error());
        // A server that failed to start is stopped cleanly and reaped in the background.
        CHECK(eventually(Millis(10000), [&] { return processes_naming(run_dir.path()).empty(); }));
    }

    TEST_CASE("destroying an instance stops its server; the provider removes its folder") {
        RunDir run_dir = make_run_dir(runtime_root());
        fs::path data;
        {
            LocalPostgres provider(run_dir, system_launcher());
            auto instance = provision(provider);
            data = data_directory(*instance);
            REQUIRE(data.string().starts_with(run_dir.path().string()));
            REQUIRE_FALSE(processes_naming(data).empty());
            instance.reset();
            auto until = Clock::now() + Millis(5000);
            while (!processes_naming(data).empty() && Clock::now() < until)
                std::this_thread::sleep_for(Millis(10));
            CHECK(processes_naming(data).empty());
        }
        CHECK_FALSE(fs::exists(data.parent_path()));
        CHECK(fs::exists(run_dir.path()));
        // Nothing but the template is left: the spare copy for a next instance went too.
        CHECK(instance_folders(run_dir) == std::vector<std::string>{"pg-template"});
    }

    TEST_CASE("destroying the run dir removes the run folder") {
        fs::path root = runtime_root();
        fs::path path;
        {
            RunDir run_dir = make_run_dir(root);
            path = run_dir.path();
            REQUIRE(fs::is_directory(path));
            REQUIRE(path.parent_path() == root);
            LocalPostgres provider(run_dir, system_launcher());
            provision(provider);
        }
        CHECK_FALSE(fs::exists(path));
        CHECK(processes_naming(path).empty());
    }

    TEST_CASE("removing a run kills helpers that still write into its folder") {
        fs::path path;
        std::unique_ptr<Process> helper;
        {
            RunDir run_dir = make_run_dir(runtime_root());
            path = run_dir.path();
            stagegate::test::write_file(path / "copy" / "file", "x");
            SpawnSpec spec;
            spec.argv = {"/usr/bin/tail", "-f", (path / "copy" / "file").string()};
            auto spawned = system_launcher().spawn(spec);
            REQUIRE_MESSAGE(spawned.has_value(), why(spawned));
            helper = std::move(*spawned);
            REQUIRE_FALSE(helper->wait(Deadline::in(Millis(100))).has_value());
        }
        // Asked to end first (SIGTERM), killed only if it does not.
        auto status = helper->wait(Deadline::in(Millis(3000)));
        CHECK((status == 128 + SIGTERM || status == 128 + SIGKILL));
        CHECK_FALSE(fs::exists(path));
    }

    TEST_CASE("sweep_stale removes only run folders whose lock nobody holds") {
        fs::path root = runtime_root();
        fs::path dead = root / "run-1-dead";
        fs::path held = root / "run-2-held";
        fs::path other = root / "keep-me";
        for (const auto& dir : {dead, held, other}) {
            fs::create_directories(dir / "servers");
            write_file(dir / "lock", "");
            write_file(dir / k_run_mark_file, std::string(k_run_mark_text));
        }
        int lock = ::open((held / "lock").c_str(), O_RDWR | O_CLOEXEC);
        REQUIRE(lock >= 0);
        REQUIRE(::flock(lock, LOCK_EX | LOCK_NB) == 0);
        int removed = RunDir::sweep_stale(root);
        ::close(lock);
        CHECK(removed == 1);
        CHECK_FALSE(fs::exists(dead));
        CHECK(fs::exists(held / "lock"));
        CHECK(fs::exists(other / "lock"));
    }

    TEST_CASE("sweep_stale stops a server a dead run left behind") {
        fs::path root = runtime_root();
        fs::path dead = root / "run-1-dead";
        fs::path marker = write_file(dead / "marker", "");
        write_file(dead / "lock", "");
        write_file(dead / k_run_mark_file, std::string(k_run_mark_text));
        SpawnSpec spec;
        spec.argv = {"/usr/bin/tail", "-f", marker.string()};
        auto leftover = system_launcher().spawn(spec);
        REQUIRE_MESSAGE(leftover.has_value(), why(leftover));
        write_file(dead / "servers" / std::to_string((*leftover)->pid()), marker.string() + "\n");
        // The launcher returns at exec; the new command line shows a moment later.
        REQUIRE(eventually(Millis(1000), [&] { return processes_naming(marker).size() == 1; }));
        CHECK(RunDir::sweep_stale(root) == 1);
        CHECK(processes_naming(marker).empty());
        CHECK((*leftover)->wait(Deadline::in(Millis(1000))).has_value());
        CHECK_FALSE(fs::exists(dead));
    }

    TEST_CASE("the watchdog stops the servers and removes the run folder of a killed run") {
        fs::path root = runtime_root();
        int report[2];
        REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
        Subreaper subreaper;
        pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            ::close(report[0]);
            try {
                provision_and_wait(root, report[1]);
            } catch (...) {
                ::_exit(15); // never back into doctest: the parent runs the tests
            }
        }
        ::close(report[1]);
        std::string text = read_report(report[0], Millis(60000));
        ::close(report[0]);
        subreaper.adopt(children_of(child));
        auto lines = split_lines(text);
        bool running = lines.size() == 2 && !processes_naming(lines[1]).empty();
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        REQUIRE_MESSAGE(running, fmt::format("the child reported \"{}\" and ended with status {}", text, status));
        fs::path run = lines[0];
        fs::path data = lines[1];
        REQUIRE(data.string().starts_with(run.string()));
        CHECK(eventually(Millis(5000), [&] { return processes_naming(data).empty(); }));
        CHECK(eventually(Millis(5000), [&] { return !fs::exists(run); }));
    }
}
