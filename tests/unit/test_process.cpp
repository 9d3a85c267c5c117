#include <doctest/doctest.h>

#include "provision/process.hpp"
#include "support.hpp"

#include <csignal>
#include <cstdlib>

using namespace stagegate;

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

    TEST_CASE("variables of the spec reach the child only, over stagegate's own") {
        ::setenv("STAGEGATE_TEST_KEPT", "kept", 1);
        ::setenv("STAGEGATE_TEST_REPLACED", "old", 1);
        auto file = stagegate::test::fresh_dir("process-env") / "out.log";
        SpawnSpec spec =
            command({"/bin/sh", "-c", "echo \"$STAGEGATE_TEST_KEPT/$STAGEGATE_TEST_REPLACED/$STAGEGATE_TEST_NEW\""});
        spec.output = file;
        spec.environment = {{"STAGEGATE_TEST_REPLACED", "new"}, {"STAGEGATE_TEST_NEW", "added"}};
        REQUIRE(run_to_completion(system_launcher(), spec, Deadline::in(Millis(5000))) == 0);
        CHECK(stagegate::test::read_file(file) == "kept/new/added\n");
        CHECK(std::string(std::getenv("STAGEGATE_TEST_REPLACED")) == "old");
        CHECK(std::getenv("STAGEGATE_TEST_NEW") == nullptr);
        ::unsetenv("STAGEGATE_TEST_KEPT");
        ::unsetenv("STAGEGATE_TEST_REPLACED");
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
