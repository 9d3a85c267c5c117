#pragma once

#include <span>

#include "run/executor.hpp"
#include "run/plan.hpp"

namespace stagegate {

class RunDir;
class ProcessLauncher;

// Runs every scenario against real servers (execute() with the real providers, run_candidate
// and the steady clock): the providers share `run_dir` and start processes with `launcher`.
RunOutcome run_scenarios(std::span<const Scenario> scenarios, const RunDir& run_dir, ProcessLauncher& launcher,
                         Redactor& redactor, RunObserver& observer, const RunOptions& options);

} // namespace stagegate
