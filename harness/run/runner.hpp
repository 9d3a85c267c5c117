#pragma once

#include <atomic>
#include <span>

#include "run/outcome.hpp"
#include "util/redactor.hpp"

namespace stagegate {

class RunDir;
class ProcessLauncher;
class CertificateAuthority;

struct RunOptions {
    const std::atomic<bool>* interrupted = nullptr;
    const CertificateAuthority* authority = nullptr; // signs TLS scenarios' server certificates
    Millis provision_timeout{120000};                // server start plus setup, per scenario
};

// Runs every scenario in order: provisions its server (one template per engine and run),
// applies its setup steps as superuser, tries each candidate, tears the server down, and
// tells `observer` as it goes. Stops early, after teardown, when the run is interrupted.
RunOutcome run_scenarios(std::span<const Scenario> scenarios, const RunDir& run_dir, ProcessLauncher& launcher,
                         Redactor& redactor, RunObserver& observer, const RunOptions& options);

} // namespace stagegate
