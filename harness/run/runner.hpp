#pragma once

#include <atomic>
#include <optional>
#include <span>

#include "run/outcome.hpp"
#include "util/redactor.hpp"

namespace stagegate {

class RunDir;
class ProcessLauncher;
class CertificateAuthority;

struct RunOptions {
    const std::atomic<bool>* interrupted = nullptr;  // raised by SIGINT/SIGTERM
    const CertificateAuthority* authority = nullptr; // signs TLS scenarios' server certificates
    Millis provision_timeout{120000};                // server start plus setup, per scenario
    unsigned jobs = 1;                               // scenarios and candidates in flight at once
    bool fail_fast = false;                          // start nothing new after the first unmet expectation
    std::optional<Millis> timeout;                   // the whole run: what is unfinished then is not judged
};

// Runs every scenario: provisions its server (one template per engine and run), applies its
// setup steps as superuser, tries its candidates, applies its maintenance steps between the
// phases, and tears the server down. Up to `jobs` of these tasks run at once, across scenarios
// and within one; a scenario's candidates are tried one at a time when they could disturb each
// other (see docs/ci-integration.md, "Concurrency"). The outcome lists every scenario and
// candidate in file order whatever the concurrency, tried or not (CandidateOutcome::not_run).
// An interruption or the timeout cuts every step short, tears down, and returns.
// Returns true when a scenario's candidates must be tried one at a time: a check that may
// write (a query reads_only does not vouch for) or counts connections (pool), or candidates
// that switch the process environment (client_environment: machine, service files).
bool tries_candidates_one_at_a_time(const Scenario& scenario);
// Returns true when `sql` is one statement that only reads: SELECT, SHOW, VALUES, EXPLAIN,
// TABLE or DESCRIBE, without EXPLAIN ANALYZE, SELECT ... INTO, nextval or setval. A function
// with side effects called from a SELECT is not seen (docs/ci-integration.md, "Concurrency").
bool reads_only(std::string_view sql);

RunOutcome run_scenarios(std::span<const Scenario> scenarios, const RunDir& run_dir, ProcessLauncher& launcher,
                         Redactor& redactor, RunObserver& observer, const RunOptions& options);

} // namespace stagegate
