#pragma once

#include "provision/provider.hpp"
#include "run/outcome.hpp"
#include "util/redactor.hpp"

namespace stagegate {

// How long a candidate's login may take when its connect check names no `within_ms`.
inline constexpr Millis k_default_connect_deadline{10000};

// Returns the candidate string: the url, or the key read from the application's config file.
Result<std::string> candidate_text(const Candidate& candidate);

// Tries one candidate against the scenario's server: reads its string, parses it with its
// driver, routes its hosts, logs in, runs its checks, and judges the result against the
// expectation. Every secret met on the way is registered with `redactor` before any message
// is built. Never throws for candidate trouble: it all ends up in the outcome.
CandidateOutcome run_candidate(const Candidate& candidate, const Database& database, const Route& server,
                               Redactor& redactor, const std::atomic<bool>* interrupted);

} // namespace stagegate
