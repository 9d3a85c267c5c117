#include "run/sequencer.hpp"

namespace stagegate {

EventSequencer::EventSequencer(RunObserver& observer, const Redactor& redactor, std::size_t scenarios)
    : m_observer(observer), m_redactor(redactor), m_told(scenarios) {}

void EventSequencer::advance(RunPlan& plan) {
    while (m_head < m_told.size()) {
        const ScenarioProgress& state = plan.scenario(m_head);
        ScenarioOutcome& outcome = plan.outcome().scenarios[m_head];
        Told& told = m_told[m_head];
        if (!state.ready)
            return;
        if (!told.ready) {
            told.ready = true;
            redact(outcome, m_redactor, false);
            m_observer.scenario_started(outcome);
            m_observer.scenario_ready(outcome);
        }
        auto tell_slots = [&](std::size_t end) {
            for (; told.slots < end && state.done[told.slots]; ++told.slots) {
                redact(outcome.candidates[told.slots], m_redactor);
                m_observer.candidate_finished(outcome, outcome.candidates[told.slots]);
            }
            return told.slots >= end;
        };
        if (!tell_slots(state.first_after))
            return;
        for (; told.steps < outcome.maintenance.size(); ++told.steps) {
            redact(outcome.maintenance[told.steps], m_redactor);
            m_observer.step_finished(outcome, outcome.maintenance[told.steps]);
        }
        if (!tell_slots(state.slots.size()) || !state.finished)
            return;
        redact(outcome, m_redactor, false); // its error may be a maintenance step's
        m_observer.scenario_finished(outcome);
        ++m_head;
    }
}

} // namespace stagegate
