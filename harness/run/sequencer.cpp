#include "run/sequencer.hpp"

namespace stagegate {

EventSequencer::EventSequencer(std::span<const Scenario> scenarios, RunObserver& observer)
    : m_scenarios(scenarios), m_observer(observer), m_told(scenarios.size()) {}

void EventSequencer::advance(const RunPlan& plan) {
    while (m_head < m_told.size()) {
        const ScenarioProgress& state = plan.scenario(m_head);
        const ScenarioOutcome& outcome = plan.outcome().scenarios[m_head];
        Told& told = m_told[m_head];
        if (!state.ready)
            return;
        if (!told.ready) {
            told.ready = true;
            m_observer.scenario_started(m_scenarios[m_head]);
            m_observer.scenario_ready(outcome);
        }
        auto tell_slots = [&](std::size_t end) {
            for (; told.slots < end && state.done[told.slots]; ++told.slots)
                m_observer.candidate_finished(outcome, outcome.candidates[told.slots]);
            return told.slots >= end;
        };
        if (!tell_slots(state.first_after))
            return;
        for (; told.steps < outcome.maintenance.size(); ++told.steps)
            m_observer.step_finished(outcome, outcome.maintenance[told.steps]);
        if (!tell_slots(state.slots.size()) || !state.finished)
            return;
        m_observer.scenario_finished(outcome);
        ++m_head;
    }
}

} // namespace stagegate
