// Golden reports: the postmortem scenario's JSON and JUnit reports, as the built binary writes
// them, equal the files in tests/cli/golden/ once the fields that change from run to run are
// normalised (times, the throwaway server's line, run-folder paths). STAGEGATE_UPDATE_GOLDEN=1
// rewrites the files and fails, so that a rewrite is always looked at before it is committed.
#include <doctest/doctest.h>

#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <regex>
#include <string>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

// Replaces what differs between runs: durations, the server line (port, version), folders.
std::string normalised(std::string text) {
    const std::pair<std::regex, std::string> rules[] = {
        {std::regex(R"("elapsed_ms": [0-9]+)"), R"("elapsed_ms": 0)"},
        {std::regex(R"("server": "[^"]*")"), R"("server": "SERVER")"},
        {std::regex(R"(time="[0-9]+\.[0-9]{3}")"), R"(time="0.000")"},
        {std::regex(R"(/[^ "]*/run-[0-9]+-[0-9a-f]+)"), "RUN"},
    };
    for (const auto& [pattern, replacement] : rules)
        text = std::regex_replace(text, pattern, replacement);
    return text;
}

void check_golden(const std::string& actual, const std::string& name) {
    fs::path golden = source_dir() / "tests" / "cli" / "golden" / name;
    std::string expected = golden_text(golden, actual);
    CHECK_MESSAGE(actual == expected, "differs from " << golden.string() << "; actual:\n" << actual);
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("golden: the postmortem scenario's JSON and JUnit reports, normalised, are the golden ones") {
        auto dir = fresh_dir("golden");
        auto json_file = dir / "report.json";
        auto junit_file = dir / "report.xml";
        auto result = run_stagegate({"run", "--jobs", "2", "--json", json_file.string(), "--junit", junit_file.string(),
                                     "scenarios/postmortem.yaml"});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        REQUIRE(result.exit_code == 0);
        check_golden(normalised(read_file(json_file)), "postmortem-report.json");
        check_golden(normalised(read_file(junit_file)), "postmortem-junit.xml");
        check_no_secrets(result, read_file(json_file) + read_file(junit_file), {"rotated-in-june", "spring-2026"});
    }
}
