// Golden reports: the postmortem scenario's JSON and JUnit reports, as the built binary writes
// them, equal the files in tests/cli/golden/ once the fields that change from run to run are
// normalised (times, the throwaway server's line, run-folder paths). STAGEGATE_UPDATE_GOLDEN=1
// rewrites the files and fails, so that a rewrite is always looked at before it is committed.
#include <doctest/doctest.h>

#include "cli_report.hpp"
#include "cli_run.hpp"
#include "support.hpp"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

using namespace stagegate::test;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

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
    fs::path golden = fs::path(STAGEGATE_SOURCE_DIR) / "tests/cli/golden" / name;
    const char* update = std::getenv("STAGEGATE_UPDATE_GOLDEN");
    if ((update && std::string(update) == "1") || !fs::exists(golden)) {
        std::ofstream(golden, std::ios::binary) << actual;
        FAIL("wrote " << golden.string() << ": look at it, then run again without STAGEGATE_UPDATE_GOLDEN");
    }
    std::string expected = read_text(golden);
    CHECK_MESSAGE(actual == expected, "differs from " << golden.string() << "; actual:\n" << actual);
}

} // namespace

TEST_SUITE("cli") {
    TEST_CASE("golden: the postmortem scenario's JSON and JUnit reports, normalised, are the golden ones") {
        auto dir = fresh_dir("golden");
        auto json_file = dir / "report.json";
        auto junit_file = dir / "report.xml";
        auto result = run_stagegate({"run", "--jobs", "2", "--json", json_file.string(), "--junit",
                                     junit_file.string(), "scenarios/postmortem.yaml"});
        INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
        REQUIRE(result.exit_code == 0);
        check_golden(normalised(read_text(json_file)), "postmortem-report.json");
        check_golden(normalised(read_text(junit_file)), "postmortem-junit.xml");
        check_no_secrets(result, read_text(json_file) + read_text(junit_file), {"rotated-in-june", "spring-2026"});
    }
}
