#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "provision/provider.hpp"
#include "run/candidate_runner.hpp"
#include "run/outcome.hpp"
#include "util/redactor.hpp"

namespace stagegate {

class CertificateAuthority;

struct RunOptions {
    const std::atomic<bool>* interrupted = nullptr;  // raised by SIGINT/SIGTERM
    const CertificateAuthority* authority = nullptr; // signs TLS scenarios' server certificates
    Millis provision_timeout{120000};                // server start plus setup, per scenario
    unsigned jobs = 1;                               // scenarios and candidates in flight at once
    bool fail_fast = false;                          // start nothing new after the first unmet expectation
    std::optional<Millis> timeout;                   // the whole run: what is unfinished then is not judged
};

// What the executor calls to do the work. run_scenarios() passes the real ones (make_provider,
// run_candidate, the steady clock); the scheduler tests pass a fake provider, fake trials and a
// fake clock, and see the scheduling without a server.
struct RunServices {
    // Returns the provider for `database`'s engine and provider kind: called once per kind and run.
    std::function<std::unique_ptr<Provider>(const Database& database)> make_provider;
    // Tries one candidate against the server in `context` (run_candidate).
    std::function<CandidateOutcome(const Candidate& candidate, const Expectation& expect, std::string_view phase,
                                   const TrialContext& context)>
        try_candidate;
    // Returns the time the run's timeout is measured on.
    std::function<Clock::time_point()> now;
};

// Runs every scenario: provisions its server (one template per engine and run), applies its
// setup steps as superuser, tries its candidates, applies its maintenance steps between the
// phases, and tears the server down. Up to `jobs` of these tasks run at once, across scenarios
// and within one; a scenario's candidates are tried one at a time when they could disturb each
// other (tries_candidates_one_at_a_time; docs/ci-integration.md, "Concurrency"). RunPlan decides
// what runs when, the executor's threads run it, and EventSequencer tells `observer` in file
// order. The outcome lists every scenario and candidate in file order, tried or not
// (CandidateOutcome::not_run). An interruption or the timeout cuts every step short, tears
// down, and returns; every server is down before observer.run_finished().
RunOutcome execute(std::span<const Scenario> scenarios, const RunServices& services, Redactor& redactor,
                   RunObserver& observer, const RunOptions& options);

} // namespace stagegate
