#pragma once

// Reading the JSON report of a CLI run in tests: find scenarios and candidates by name (and
// phase), and prove that no secret reached any output.

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "support.hpp"

namespace stagegate::test {

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Returns the report in `file`, failing the test when it is not JSON.
inline nlohmann::json parse_report(const std::filesystem::path& file) {
    nlohmann::json report;
    try {
        report = nlohmann::json::parse(read_file(file));
    } catch (const nlohmann::json::exception& e) {
        FAIL("the report is not JSON: " << e.what());
    }
    return report;
}

inline const nlohmann::json* find_scenario(const nlohmann::json& report, const std::string& name) {
    for (const auto& scenario : report.at("scenarios")) {
        if (scenario.value("scenario", "") == name)
            return &scenario;
    }
    return nullptr;
}

// The candidate `name` as tried in `phase` ("before", "after"; "" without a maintenance).
inline const nlohmann::json* find_candidate(const nlohmann::json& scenario, const std::string& name,
                                            const std::string& phase = "") {
    nlohmann::json want = phase.empty() ? nlohmann::json(nullptr) : nlohmann::json(phase);
    for (const auto& candidate : scenario.at("candidates")) {
        if (candidate.value("name", "") == name && candidate["phase"] == want)
            return &candidate;
    }
    return nullptr;
}

// Checks that none of `secrets` shows in the run's stdout, stderr or JSON report.
inline void check_no_secrets(const CliResult& result, const std::string& report,
                             const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        CHECK_MESSAGE(!contains(result.out, secret), "stdout shows " << secret);
        CHECK_MESSAGE(!contains(result.err, secret), "stderr shows " << secret);
        CHECK_MESSAGE(!contains(report, secret), "the JSON report shows " << secret);
    }
}

} // namespace stagegate::test
