#include <doctest/doctest.h>

#include "provision/process.hpp"
#include "support.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace stagegate;
namespace fs = std::filesystem;

namespace {
SpawnSpec command(std::vector<std::string> argv) {
    SpawnSpec spec;
    spec.argv = std::move(argv);
    return spec;
}
} // namespace

TEST_SUITE("process") {
    TEST_CASE("an exit status comes back from run_to_completion") {
        CHECK(run_to_completion(system_launcher(), command({"/bin/true"}), Deadline::in(Millis(5000))) == 0);
        CHECK(run_to_completion(system_launcher(), command({"/bin/false"}), Deadline::in(Millis(5000))) == 1);
    }

    TEST_CASE("a program that cannot be executed is reported with the reason") {
        auto process = system_launcher().spawn(command({"/nonexistent/stagegate-program"}));
        REQUIRE_FALSE(process.has_value());
        CHECK(process.error().find("/nonexistent/stagegate-program") != std::string::npos);
        CHECK(process.error().find("No such file or directory") != std::string::npos);
    }

    TEST_CASE("a program past its deadline is killed") {
        auto started = Clock::now();
        auto status = run_to_completion(system_launcher(), command({"/bin/sleep", "30"}), Deadline::in(Millis(200)));
        REQUIRE_FALSE(status.has_value());
        CHECK(status.error().find("did not finish in time") != std::string::npos);
        CHECK(Clock::now() - started < Millis(3000));
    }

    TEST_CASE("an interruption stops the wait and kills the program") {
        std::atomic<bool> interrupted{true};
        auto status = run_to_completion(system_launcher(), command({"/bin/sleep", "30"}),
                                        Deadline::in(Millis(10000), &interrupted));
        REQUIRE_FALSE(status.has_value());
        CHECK(status.error().find("interrupted") != std::string::npos);
    }

    TEST_CASE("output goes to the named file") {
        auto file = stagegate::test::fresh_dir("process") / "out.log";
        SpawnSpec spec = command({"/bin/sh", "-c", "echo to-out; echo to-err >&2"});
        spec.output = file;
        REQUIRE(run_to_completion(system_launcher(), spec, Deadline::in(Millis(5000))) == 0);
        auto text = stagegate::test::read_file(file);
        CHECK(text.find("to-out") != std::string::npos);
        CHECK(text.find("to-err") != std::string::npos);
    }

    TEST_CASE("a child gets a minimal environment: none of stagegate's variables, the spec's on top") {
        ::setenv("STAGEGATE_TEST_CANARY_SECRET", "canary-c4n4ry", 1);
        ::setenv("STAGEGATE_TEST_REPLACED", "old", 1);
        auto dir = stagegate::test::fresh_dir("process-env");
        SpawnSpec spec = command({"/bin/sh", "-c", "cat /proc/$$/environ | tr '\\0' '\\n'"});
        spec.output = dir / "out.log";
        spec.environment = {{"STAGEGATE_TEST_REPLACED", "new"}, {"STAGEGATE_TEST_NEW", "added"}};
        REQUIRE(run_to_completion(system_launcher(), spec, Deadline::in(Millis(5000))) == 0);
        auto text = stagegate::test::read_file(dir / "out.log");
        INFO(text);
        CHECK(text.find("canary-c4n4ry") == std::string::npos);
        CHECK(text.find("STAGEGATE_TEST_CANARY_SECRET") == std::string::npos);
        CHECK(text.find("STAGEGATE_TEST_REPLACED=new\n") != std::string::npos);
        CHECK(text.find("STAGEGATE_TEST_REPLACED=old") == std::string::npos);
        CHECK(text.find("STAGEGATE_TEST_NEW=added\n") != std::string::npos);
        CHECK(text.find("LC_ALL=C\n") != std::string::npos);
        CHECK(text.find("PATH=") != std::string::npos);
        CHECK(std::string(std::getenv("STAGEGATE_TEST_REPLACED")) == "old");
        CHECK(std::getenv("STAGEGATE_TEST_NEW") == nullptr);
        ::unsetenv("STAGEGATE_TEST_CANARY_SECRET");
        ::unsetenv("STAGEGATE_TEST_REPLACED");
    }

    TEST_CASE("variables a spec inherits by name pass through, no others") {
        ::setenv("STAGEGATE_TEST_PASSED", "passed", 1);
        ::setenv("STAGEGATE_TEST_NOT_PASSED", "kept-back", 1);
        SpawnSpec spec = command({"/bin/true"});
        spec.inherit = {"STAGEGATE_TEST_PASSED", "STAGEGATE_TEST_UNSET"};
        auto env = child_environment(spec);
        CHECK(std::find(env.begin(), env.end(), "STAGEGATE_TEST_PASSED=passed") != env.end());
        CHECK(std::none_of(env.begin(), env.end(), [](const std::string& e) { return e.find("kept-back") != e.npos; }));
        CHECK(std::none_of(env.begin(), env.end(),
                           [](const std::string& e) { return e.starts_with("STAGEGATE_TEST_UNSET"); }));
        ::unsetenv("STAGEGATE_TEST_PASSED");
        ::unsetenv("STAGEGATE_TEST_NOT_PASSED");
    }

    TEST_CASE("what a program started goes with it when its deadline passes") {
        auto dir = stagegate::test::fresh_dir("process-group");
        // Like initdb and its `postgres --single`: the child the deadline kills has a child of its own.
        SpawnSpec spec = command({"/bin/sh", "-c", "/bin/sleep 300 & echo $! > \"$0\"; wait", (dir / "pid").string()});
        auto status = run_to_completion(system_launcher(), spec, Deadline::in(Millis(500)));
        REQUIRE_FALSE(status.has_value());
        pid_t grandchild = static_cast<pid_t>(std::stoi(stagegate::test::read_file(dir / "pid")));
        auto until = Clock::now() + Millis(2000);
        while (Clock::now() < until && ::kill(grandchild, 0) == 0)
            std::this_thread::sleep_for(Millis(10));
        CHECK_MESSAGE(::kill(grandchild, 0) != 0, "the grandchild outlived its parent's deadline");
        ::kill(grandchild, SIGKILL);
    }

    TEST_CASE("destroying a running process kills its whole process group") {
        auto dir = stagegate::test::fresh_dir("process-group-destroy");
        auto process = system_launcher().spawn(
            command({"/bin/sh", "-c", "/bin/sleep 300 & echo $! > \"$0\"; wait", (dir / "pid").string()}));
        REQUIRE(process.has_value());
        auto until = Clock::now() + Millis(5000);
        while (Clock::now() < until && !fs::exists(dir / "pid"))
            std::this_thread::sleep_for(Millis(10));
        std::this_thread::sleep_for(Millis(50));
        pid_t grandchild = static_cast<pid_t>(std::stoi(stagegate::test::read_file(dir / "pid")));
        process->reset();
        until = Clock::now() + Millis(2000);
        while (Clock::now() < until && ::kill(grandchild, 0) == 0)
            std::this_thread::sleep_for(Millis(10));
        CHECK(::kill(grandchild, 0) != 0);
        ::kill(grandchild, SIGKILL);
    }

    TEST_CASE("wait returns the status as soon as the process ends") {
        auto process = system_launcher().spawn(command({"/bin/sleep", "30"}));
        REQUIRE(process.has_value());
        CHECK_FALSE((*process)->wait(Deadline::in(Millis(50))).has_value());
        (*process)->signal(SIGTERM);
        auto started = Clock::now();
        CHECK((*process)->wait(Deadline::in(Millis(5000))) == 128 + SIGTERM);
        CHECK(Clock::now() - started < Millis(1000));
    }
}
