#pragma once

#include <string>

#include "run/outcome.hpp"

namespace stagegate {

// Returns GitHub Actions workflow commands, one per line ("::error file=F,line=L,col=C,title=T::M"),
// for each candidate whose expectation was not met (pointing at the config file line its string
// came from when there is one, else at the candidate in the scenario file), each scenario that
// could not be judged, and each candidate left untried. Properties and messages are escaped as
// the runner requires (%, CR, LF; also : and , in properties); secrets are redacted. Empty when
// everything passed.
std::string github_annotations(const RunOutcome& outcome);

// Returns true when the process runs as a GitHub Actions step (GITHUB_ACTIONS=true).
bool running_under_github_actions();

} // namespace stagegate
