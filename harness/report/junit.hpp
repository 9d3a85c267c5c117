#pragma once

#include <string>

#include "run/outcome.hpp"

namespace stagegate {

// Returns the run as JUnit XML (the Ant/Jenkins dialect that GitLab, Jenkins and GitHub test
// reporters read): one <testsuite> per scenario, one <testcase> per candidate check (unique
// names), <failure> where an expectation was not met, <error> where nothing could be judged
// (infrastructure error, interrupted, --timeout), <skipped> for --fail-fast. Control characters
// that XML 1.0 cannot carry are dropped, times use a dot whatever the locale. The outcome holds no
// secret (redact()). See docs/ci-integration.md.
std::string junit_report(const RunOutcome& outcome);

} // namespace stagegate
