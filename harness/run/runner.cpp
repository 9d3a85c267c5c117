#include "run/runner.hpp"

namespace stagegate {

RunOutcome run_scenarios(std::span<const Scenario> scenarios, const RunDir& run_dir, ProcessLauncher& launcher,
                         Redactor& redactor, RunObserver& observer, const RunOptions& options) {
    RunServices services{
        [&](const Database& database) { return make_provider(database, run_dir, launcher, options.authority); },
        run_candidate,
        [] { return Clock::now(); },
    };
    return execute(scenarios, services, redactor, observer, options);
}

} // namespace stagegate
