#pragma once

#include <span>
#include <vector>

#include "run/plan.hpp"

namespace stagegate {

// Tells the observer a run's events in file order whatever the concurrency: the first unfinished
// scenario's events as they come (ready, its before-phase or only-phase candidates in file order,
// its maintenance steps, its after-phase candidates, finished); later scenarios' events wait for
// it. It is the run's secrets boundary: each part of the outcome passes redact() before the
// observer sees it (and is final by then: the plan never changes it again). Not thread-safe: the executor calls it with
// its lock held, so observer calls never overlap.
class EventSequencer {
  public:
    EventSequencer(RunObserver& observer, const Redactor& redactor, std::size_t scenarios);

    // Tells the observer everything the plan allows to be told now, and nothing twice.
    void advance(RunPlan& plan);

  private:
    struct Told {
        bool ready = false;
        std::size_t slots = 0;
        std::size_t steps = 0;
    };

    RunObserver& m_observer;
    const Redactor& m_redactor;
    std::vector<Told> m_told;
    std::size_t m_head = 0; // the first scenario not yet reported to the end
};

} // namespace stagegate
