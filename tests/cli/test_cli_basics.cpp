#include <doctest/doctest.h>

#include "cli_run.hpp"

using namespace stagegate::test;

TEST_SUITE("cli") {
    TEST_CASE("--version names the program and its clients") {
        auto result = run_stagegate({"--version"});
        CHECK(result.exit_code == 0);
        CHECK(result.out.find("stagegate ") == 0);
        CHECK(result.out.find("libpq") != std::string::npos);
    }

    TEST_CASE("an unknown flag is a usage error with exit 2") {
        auto result = run_stagegate({"run", "--no-such-flag", "x.yaml"});
        CHECK(result.exit_code == 2);
        CHECK(result.err.find("stagegate: error:") != std::string::npos);
    }
}
