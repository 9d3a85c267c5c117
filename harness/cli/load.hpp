#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "provision/run_dir.hpp"
#include "provision/tls_material.hpp"
#include "scenario/scenario.hpp"

namespace stagegate::cli {

// The variable scenarios and config files name the throwaway CA's certificate file with.
inline constexpr const char* k_ca_variable = "STAGEGATE_CA_FILE";

// Finds and loads every scenario named by `paths`; prints each problem as one line on stderr
// ("file:line:col: error: ...") and returns nothing when there was any, so nothing runs.
// ${STAGEGATE_CA_FILE} reads as `ca_file` (the run's CA, made afterwards when a scenario serves TLS).
std::optional<std::vector<Scenario>> load_all(const std::vector<std::string>& paths, const std::string& ca_file);

// What a run needs: its scenarios, its folder, and the throwaway CA when a scenario serves TLS.
struct RunSetup {
    std::vector<Scenario> scenarios;
    RunDir run_dir;
    std::optional<CertificateAuthority> authority;
};

// Loads `paths` (checked before anything exists, so an invalid file starts nothing), creates
// the run folder and the CA, and loads the files again with
// ${STAGEGATE_CA_FILE} naming the CA's file. Returns the exit code when it cannot (problems
// are printed on stderr).
std::expected<RunSetup, int> set_up_run(const std::vector<std::string>& paths);

} // namespace stagegate::cli
