#include <doctest/doctest.h>

#include "provision/process.hpp"
#include "provision/run_dir.hpp"
#include "stagegate/deadline.hpp"
#include "support.hpp"

#include <fmt/format.h>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace stagegate;
namespace fs = std::filesystem;
using namespace std::string_literals;

namespace {

// A stand-in for `docker compose`: appends its arguments to `log`.
fs::path recording_compose(const fs::path& dir, const fs::path& log) {
    auto script =
        stagegate::test::write_file(dir / "compose", fmt::format("#!/bin/sh\necho \"$*\" >> '{}'\n", log.string()));
    ::chmod(script.c_str(), 0755);
    return script;
}

// Makes `dir` look like a folder stagegate made: its mark inside.
void mark(const fs::path& dir) {
    stagegate::test::write_file(dir / k_run_mark_file, std::string(k_run_mark_text));
}

bool process_alive(pid_t pid) {
    return ::kill(pid, 0) == 0;
}

// Waits up to `budget` for `file` to hold `text`.
bool eventually_holds(const fs::path& file, const std::string& text, Millis budget) {
    auto until = Clock::now() + budget;
    while (Clock::now() < until) {
        if (fs::exists(file) && stagegate::test::read_file(file).find(text) != std::string::npos)
            return true;
        std::this_thread::sleep_for(Millis(20));
    }
    return false;
}

} // namespace

TEST_SUITE("run_dir") {
    TEST_CASE("runs starting at the same moment never sweep each other's folders") {
        fs::path root = stagegate::test::fresh_dir("run-dir-race");
        // One process sweeps the root without pause while another creates run folders: a folder
        // visible as run-* before its lock is held would be taken for a dead run's and vanish.
        pid_t sweeper = ::fork();
        if (sweeper == 0) {
            while (true)
                RunDir::sweep_stale(root);
        }
        pid_t creator = ::fork();
        if (creator == 0) {
            for (int i = 0; i < 300; ++i) {
                auto run = RunDir::create(root);
                if (!run || !fs::exists(run->path() / "lock") || !fs::exists(run->path() / "servers"))
                    ::_exit(1);
            }
            ::_exit(0);
        }
        int status = 0;
        ::waitpid(creator, &status, 0);
        ::kill(sweeper, SIGKILL);
        ::waitpid(sweeper, nullptr, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }

    TEST_CASE("a folder abandoned while being made is swept after a minute, a fresh one is left alone") {
        fs::path root = stagegate::test::fresh_dir("run-dir-making");
        fs::create_directories(root / ".making-1-old");
        fs::create_directories(root / ".making-2-new");
        mark(root / ".making-1-old");
        mark(root / ".making-2-new");
        fs::last_write_time(root / ".making-1-old", fs::file_time_type::clock::now() - std::chrono::minutes(5));
        RunDir::sweep_stale(root);
        CHECK_FALSE(fs::exists(root / ".making-1-old"));
        CHECK(fs::exists(root / ".making-2-new"));
    }
    TEST_CASE("a recorded compose project is brought down when the run ends") {
        auto dir = stagegate::test::fresh_dir("run-dir");
        auto log = dir / "calls.log";
        auto compose = recording_compose(dir, log);
        {
            auto run = RunDir::create(dir / "runs");
            REQUIRE(run.has_value());
            run->record_compose_project("stagegate-1-ab-1", {compose.string(), "-p", "stagegate-1-ab-1", "down", "-v"});
            run->record_compose_project("stagegate-1-ab-2", {compose.string(), "-p", "stagegate-1-ab-2", "down", "-v"});
            run->forget_compose_project("stagegate-1-ab-2");
        }
        REQUIRE(fs::exists(log));
        auto calls = stagegate::test::read_file(log);
        CHECK(calls == "-p stagegate-1-ab-1 down -v\n");
    }

    TEST_CASE("the watchdog brings a compose project down after stagegate is killed") {
        auto dir = stagegate::test::fresh_dir("run-dir");
        auto log = dir / "calls.log";
        auto compose = recording_compose(dir, log);
        pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            auto run = RunDir::create(dir / "runs");
            if (!run)
                ::_exit(1);
            run->record_compose_project("stagegate-2-cd-1", {compose.string(), "-p", "stagegate-2-cd-1", "down", "-v"});
            std::ofstream(dir / "ready") << "ready\n";
            ::pause();
            ::_exit(0);
        }
        bool ready = eventually_holds(dir / "ready", "ready", Millis(10000));
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        REQUIRE(ready);
        CHECK(eventually_holds(log, "-p stagegate-2-cd-1 down -v", Millis(20000)));
    }

    TEST_CASE("the stale sweep brings a dead run's compose project down") {
        auto dir = stagegate::test::fresh_dir("run-dir");
        auto log = dir / "calls.log";
        auto compose = recording_compose(dir, log);
        auto root = dir / "runs";
        auto stale = root / "run-999999-deadbeef";
        fs::create_directories(stale / "compose");
        mark(stale);
        ::close(::open((stale / "lock").c_str(), O_RDWR | O_CREAT, 0600));
        std::string down =
            compose.string() + '\0' + "-p" + '\0' + "stagegate-3-ef-1" + '\0' + "down" + '\0' + "-v" + '\0';
        stagegate::test::write_file(stale / "compose" / "stagegate-3-ef-1", down);
        CHECK(RunDir::sweep_stale(root) == 1);
        CHECK(stagegate::test::read_file(log) == "-p stagegate-3-ef-1 down -v\n");
        CHECK_FALSE(fs::exists(stale));
    }

    TEST_CASE("a compose record holds the down command with its arguments intact") {
        auto dir = stagegate::test::fresh_dir("run-dir");
        auto run = RunDir::create(dir / "runs");
        REQUIRE(run.has_value());
        run->record_compose_project("p", {"/usr/bin/docker", "compose", "-f", "/a b/c.yml", "down", "-v"});
        auto text = stagegate::test::read_file(run->path() / "compose" / "p");
        CHECK(text == "/usr/bin/docker\0compose\0-f\0/a b/c.yml\0down\0-v\0"s);
        run->forget_compose_project("p");
        CHECK_FALSE(fs::exists(run->path() / "compose" / "p"));
    }

    TEST_CASE("a runtime root that exists is used as it is: a shared 1777 folder keeps its mode") {
        fs::path root = stagegate::test::fresh_dir("run-dir-shared");
        REQUIRE(::chmod(root.c_str(), 01777) == 0);
        {
            auto run = RunDir::create(root);
            REQUIRE(run.has_value());
        }
        struct stat info {};
        REQUIRE(::stat(root.c_str(), &info) == 0);
        CHECK((info.st_mode & 07777) == 01777);
    }

    TEST_CASE("a root stagegate makes itself is traversable only") {
        fs::path root = stagegate::test::fresh_dir("run-dir-own") / "made";
        {
            auto run = RunDir::create(root);
            REQUIRE(run.has_value());
        }
        struct stat info {};
        REQUIRE(::stat(root.c_str(), &info) == 0);
        CHECK((info.st_mode & 07777) == 0711);
    }

    TEST_CASE("the sweep removes only folders with stagegate's mark, whatever their name and lock") {
        fs::path root = stagegate::test::fresh_dir("run-dir-foreign");
        // Someone else's folders that happen to look like run folders.
        fs::create_directories(root / "run-1-foreign");
        ::close(::open((root / "run-1-foreign" / "lock").c_str(), O_RDWR | O_CREAT, 0600));
        stagegate::test::write_file(root / "run-1-foreign" / "data.txt", "not stagegate's\n");
        fs::create_directories(root / ".making-2-foreign");
        fs::last_write_time(root / ".making-2-foreign", fs::file_time_type::clock::now() - std::chrono::minutes(5));
        fs::create_directories(root / "run-3-wrong-mark");
        stagegate::test::write_file(root / "run-3-wrong-mark" / std::string(k_run_mark_file), "something else\n");
        // A dead run whose removal was cut short after its lock went: still known by its mark.
        fs::create_directories(root / "run-4-half-removed" / "pg-1");
        mark(root / "run-4-half-removed");
        CHECK(RunDir::sweep_stale(root) == 1);
        CHECK(fs::exists(root / "run-1-foreign" / "data.txt"));
        CHECK(fs::exists(root / ".making-2-foreign"));
        CHECK(fs::exists(root / "run-3-wrong-mark"));
        CHECK_FALSE(fs::exists(root / "run-4-half-removed"));
    }

    TEST_CASE("the watchdog kills a process of the run known only by its environment, and removes the folder") {
        auto dir = stagegate::test::fresh_dir("run-dir-environ");
        pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            auto run = RunDir::create(dir / "runs");
            if (!run)
                ::_exit(1);
            // Like initdb's `postgres --single`: nothing on its command line names the run folder,
            // it is not in the run's records, and it does not die with stagegate.
            SpawnSpec spec;
            spec.argv = {"/bin/sleep", "300"};
            spec.environment.push_back(run->child_mark());
            auto sleeper = system_launcher().spawn(spec);
            if (!sleeper)
                ::_exit(1);
            std::ofstream(dir / "ready") << (*sleeper)->pid() << "\n";
            ::pause();
            ::_exit(0);
        }
        bool ready = eventually_holds(dir / "ready", "\n", Millis(10000));
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        REQUIRE(ready);
        pid_t sleeper = static_cast<pid_t>(std::stoi(stagegate::test::read_file(dir / "ready")));
        auto until = Clock::now() + Millis(10000);
        while (Clock::now() < until && (process_alive(sleeper) || !fs::is_empty(dir / "runs")))
            std::this_thread::sleep_for(Millis(20));
        CHECK_FALSE(process_alive(sleeper));
        CHECK(fs::is_empty(dir / "runs"));
        ::kill(sleeper, SIGKILL);
    }
}
