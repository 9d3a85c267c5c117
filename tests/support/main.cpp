// The test main: runs doctest, then removes the scratch folder when every test passed and
// keeps it (saying where) when one failed, so a failure can be inspected. A run whose filters
// match no test case fails: a ctest entry that runs nothing must never pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support.hpp"
#include "util/environment.hpp"

#include <cstdio>
#include <filesystem>

namespace {

// Remembers how many test cases passed the run's filters.
class CasesRun : public doctest::IReporter {
  public:
    static inline unsigned s_count = 0;

    explicit CasesRun(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& stats) override { s_count = stats.numTestCasesPassingFilters; }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("cases_run", 1, CasesRun);

} // namespace

int main(int argc, char** argv) {
    // As the CLI does: libpq must not fill candidates' options from this machine's PG* variables.
    stagegate::isolate_client_environment();
    doctest::Context context(argc, argv);
    int failed = context.run();
    if (context.shouldExit())
        return failed;
    if (CasesRun::s_count == 0) {
        std::fprintf(stderr, "no test case matches the filters given; an entry that runs nothing fails\n");
        return 1;
    }
    auto dir = stagegate::test::scratch_dir();
    if (failed == 0) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    } else {
        std::fprintf(stderr, "scratch folder kept for inspection: %s\n", dir.c_str());
    }
    return failed;
}
