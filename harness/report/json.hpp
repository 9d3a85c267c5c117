#pragma once

#include <expected>
#include <string>

#include "run/outcome.hpp"

namespace stagegate {

// Returns the run as the v1 JSON report (format "stagegate-report/1", docs/json-report.md),
// redacted as a whole after serialisation so no escaped form of a secret survives.
std::string json_report(const RunOutcome& outcome);

} // namespace stagegate
