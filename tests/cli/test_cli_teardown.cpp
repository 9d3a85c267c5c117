// What a run leaves behind: nothing, whether it ends normally, by SIGINT/SIGTERM (exit 130/143
// after teardown) or by SIGKILL (the watchdog cleans up); dead runs' folders are swept.
#include <doctest/doctest.h>

#include "cli_background.hpp"
#include "cli_run.hpp"
#include "provision/run_dir.hpp"
#include "support.hpp"

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A candidate that holds a query open for 30 s; log_statement makes the server log it when it starts.
constexpr const char* k_sleeper = R"(scenario: long query
database:
  engine: postgres
  answers_as: [db.sleep.test:5432]
  settings: {log_statement: all}
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'sleep-pw'
candidates:
  - name: sleeper
    driver: libpq
    url: postgresql://app:sleep-pw@db.sleep.test:5432/postgres?sslmode=disable&connect_timeout=5
    checks:
      - query: SELECT pg_sleep(30)
        timeout_ms: 60000
)";

constexpr const char* k_quick = R"(scenario: quick
database:
  engine: postgres
  answers_as: [db.quick.test:5432]
  setup:
    - sql: CREATE ROLE app LOGIN PASSWORD 'quick-pw'
candidates:
  - name: connects
    driver: libpq
    url: postgresql://app:quick-pw@db.quick.test:5432/postgres?sslmode=disable&connect_timeout=5
    checks:
      - query: SELECT 1
        expect_value: "1"
)";

// Starts the sleeper scenario in the background and returns once its server logs the pg_sleep.
std::unique_ptr<BackgroundStagegate> start_sleeper(const fs::path& root) {
    return start_long_query(root, "sleeper", k_sleeper, "pg-1/server.log", "pg_sleep(30)");
}

// Signals a run mid-query and checks it ends with `code` within 5 s, leaving nothing behind.
void interrupt_with(int signal, int code, const std::string& name) {
    auto root = fresh_runtime_root(name);
    auto run = start_sleeper(root);
    REQUIRE(!processes_under(root).empty());
    auto signalled = std::chrono::steady_clock::now();
    run->signal(signal);
    auto exit = run->wait(5000);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - signalled);
    INFO("stdout:\n" << run->out() << "\nstderr:\n" << run->err());
    REQUIRE_MESSAGE(exit.has_value(), "stagegate still runs 5 s after the signal");
    CHECK(*exit == code);
    MESSAGE("exit " << *exit << " " << took.count() << " ms after the signal");
    CHECK(contains(run->out(), "gate: INTERRUPTED"));
    check_nothing_left(root);
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("a normal run leaves no server process and no run folder") {
        auto root = fresh_runtime_root("rt-teardown-normal");
        auto file = write_file(fresh_dir("quick") / "quick.yaml", k_quick);
        auto result = run_stagegate({"run", file.string()}, {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK(contains(result.out, "gate: PASS"));
        check_nothing_left(root);
    }

    TEST_CASE("SIGINT mid-run: exit 130 within a few seconds, after teardown") {
        interrupt_with(SIGINT, 130, "rt-teardown-sigint");
    }

    TEST_CASE("SIGTERM mid-run: exit 143 within a few seconds, after teardown") {
        interrupt_with(SIGTERM, 143, "rt-teardown-sigterm");
    }

    TEST_CASE("SIGKILL mid-run: the watchdog removes the servers and the run folder within 5 s") {
        auto root = fresh_runtime_root("rt-teardown-sigkill");
        auto run = start_sleeper(root);
        REQUIRE(!processes_under(root).empty());
        run->signal(SIGKILL);
        auto exit = run->wait(5000);
        REQUIRE(exit.has_value());
        CHECK(*exit == 128 + SIGKILL);
        auto killed = std::chrono::steady_clock::now();
        bool clean = wait_until([&] { return run_dirs(root).empty() && processes_under(root).empty(); }, 5000);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
        CHECK_MESSAGE(clean, "5 s after SIGKILL something remains");
        if (clean)
            MESSAGE("clean " << took.count() << " ms after SIGKILL");
        check_nothing_left(root);
    }

    TEST_CASE("a dead run's folder is swept by the next run; a live run's and other folders are left alone") {
        auto root = fresh_runtime_root("rt-teardown-sweep");
        // A dead run: its lock file exists but nobody holds it.
        auto stale = root / "run-99999-deadbeef";
        fs::create_directories(stale / "servers");
        write_file(stale / "lock", "");
        write_file(stale / std::string(stagegate::k_run_mark_file), std::string(stagegate::k_run_mark_text));
        // Someone else's folder that looks like a dead run's, but was not made by stagegate.
        auto foreign = root / "run-99997-f0f0f0f0";
        write_file(foreign / "lock", "");
        write_file(foreign / "data.txt", "not stagegate's\n");
        write_file(stale / "pg-1" / "server.log", "left by a run that died\n");
        // A live run: someone holds its lock.
        auto live = root / "run-99998-cafef00d";
        fs::create_directories(live / "servers");
        write_file(live / "lock", "");
        int live_lock = ::open((live / "lock").c_str(), O_RDWR | O_CLOEXEC);
        REQUIRE(live_lock >= 0);
        REQUIRE(::flock(live_lock, LOCK_EX | LOCK_NB) == 0);
        // Not a run folder at all.
        auto other = root / "keep-me";
        write_file(other / "notes.txt", "not stagegate's\n");
        auto plain_file = write_file(root / "run-notes.txt", "a file, not a folder\n");

        auto file = write_file(fresh_dir("quick") / "quick.yaml", k_quick);
        auto result = run_stagegate({"run", file.string()}, {{"STAGEGATE_RUNTIME_DIR", root.string()}});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        CHECK(result.exit_code == 0);
        CHECK_MESSAGE(!fs::exists(stale), "the dead run's folder was not swept");
        CHECK_MESSAGE(fs::exists(live / "lock"), "a live run's folder was swept");
        CHECK_MESSAGE(fs::exists(foreign / "data.txt"), "a folder stagegate did not make was swept");
        CHECK(fs::exists(other / "notes.txt"));
        CHECK(read_file(other / "notes.txt") == "not stagegate's\n");
        CHECK(fs::exists(plain_file));
        ::close(live_lock);
        std::error_code ec;
        fs::remove_all(live, ec);
        fs::remove_all(foreign, ec);
        check_nothing_left(root);
    }
}
