// The test main: runs doctest, then removes the scratch folder when every test passed and
// keeps it (saying where) when one failed, so a failure can be inspected.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support.hpp"
#include "util/environment.hpp"

#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
    // As the CLI does: libpq must not fill candidates' options from this machine's PG* variables.
    stagegate::isolate_client_environment();
    doctest::Context context(argc, argv);
    int failed = context.run();
    if (context.shouldExit())
        return failed;
    auto dir = stagegate::test::scratch_dir();
    if (failed == 0) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    } else {
        std::fprintf(stderr, "scratch folder kept for inspection: %s\n", dir.c_str());
    }
    return failed;
}
