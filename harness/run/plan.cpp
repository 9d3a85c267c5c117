#include "run/plan.hpp"

#include "util/overloaded.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

namespace stagegate {

namespace {

// Whether a candidate's check could disturb another candidate's trial running at the same time.
bool disturbs_other_trials(const Check& check) {
    return std::visit(Overloaded{
                          [](const ConnectCheck&) { return false; },
                          [](const QueryCheck& query) { return !reads_only(query.sql); },
                          [](const TlsCheck&) { return false; },
                          [](const SettingCheck&) { return false; },
                          [](const PrivilegesCheck&) { return false; },
                          [](const ReadWriteCheck&) { return false; },
                          [](const IdentityCheck&) { return false; },
                          [](const PoolCheck&) { return true; },
                      },
                      check.spec);
}

} // namespace

bool tries_candidates_one_at_a_time(const Scenario& scenario) {
    if (scenario.client_environment == ClientEnvironment::machine)
        return true;
    for (const auto& candidate : scenario.candidates) {
        if (!candidate.source.service.empty())
            return true;
        for (const auto& check : candidate.checks) {
            if (disturbs_other_trials(check))
                return true;
        }
    }
    return false;
}

bool reads_only(std::string_view sql) {
    std::string lower;
    for (char c : sql)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t start = lower.find_first_not_of(" \t\r\n(");
    if (start == std::string::npos)
        return true;
    std::size_t end = lower.find_first_not_of(" \t\r\n", start);
    std::string word;
    for (std::size_t i = start; i < lower.size() && std::isalpha(static_cast<unsigned char>(lower[i])); ++i)
        word += lower[i];
    static const std::set<std::string, std::less<>> k_reads{"select", "show", "values", "explain", "table", "describe"};
    // WITH may hide a data-modifying statement (WITH x AS (DELETE ...)); EXPLAIN ANALYZE runs the
    // statement; SELECT ... INTO creates a table; nextval/setval move a sequence. All count as writes.
    static constexpr std::string_view k_writing[] = {"analyze", "analyse", " into ", "\ninto ", "nextval", "setval"};
    if (!k_reads.contains(word) || end == std::string::npos)
        return end == std::string::npos;
    for (auto marker : k_writing)
        if (lower.find(marker) != std::string::npos)
            return false;
    // One statement only: nothing but semicolons and blanks after the first semicolon.
    std::size_t semicolon = lower.find(';', start);
    return semicolon == std::string::npos || lower.find_first_not_of("; \t\r\n", semicolon) == std::string::npos;
}

namespace {

// How many upcoming scenarios' servers are started ahead of the scenarios being provisioned.
constexpr std::size_t k_lookahead = 2;

} // namespace

RunPlan::RunPlan(std::span<const Scenario> scenarios, bool fail_fast)
    : m_scenarios(scenarios), m_fail_fast(fail_fast), m_states(scenarios.size()) {
    m_outcome.scenarios.resize(scenarios.size());
    for (std::size_t index = 0; index < scenarios.size(); ++index) {
        const Scenario& scenario = scenarios[index];
        ScenarioProgress& state = m_states[index];
        ScenarioOutcome& outcome = m_outcome.scenarios[index];
        outcome.file = scenario.file.string();
        outcome.name = scenario.name;
        if (scenario.client_environment == ClientEnvironment::machine)
            outcome.client_environment = "machine";
        for (const auto& name : scenario.database.answers_as)
            outcome.answers_as.push_back(name.port == 0 ? name.host : fmt::format("{}:{}", name.host, name.port));
        auto add = [&](const Candidate& candidate, const Expectation& expect, std::string phase) {
            state.slots.push_back(Slot{&candidate, expect, phase});
            CandidateOutcome untried;
            untried.name = candidate.name;
            untried.phase = std::move(phase);
            untried.driver = candidate.driver;
            untried.expected = expect;
            untried.mark = candidate.mark;
            for (const auto& check : candidate.checks)
                untried.checks.push_back(CheckOutcome{check.label(), std::string(check.layer()),
                                                      CheckOutcome::Status::skipped, std::nullopt, Millis{0}, ""});
            outcome.candidates.push_back(std::move(untried));
        };
        if (scenario.maintenance.empty()) {
            for (const auto& candidate : scenario.candidates)
                add(candidate, candidate.expect, "");
            state.first_after = state.slots.size();
        } else {
            for (const auto& candidate : scenario.candidates)
                if (candidate.phases.before)
                    add(candidate, *candidate.phases.before, "before");
            state.first_after = state.slots.size();
            for (const auto& candidate : scenario.candidates)
                if (candidate.phases.after)
                    add(candidate, *candidate.phases.after, "after");
        }
        state.exclusive = scenario.client_environment == ClientEnvironment::machine ||
                          std::any_of(scenario.candidates.begin(), scenario.candidates.end(),
                                      [](const Candidate& c) { return !c.source.service.empty(); });
        state.one_at_a_time = tries_candidates_one_at_a_time(scenario);
        // Maintenance changes the server, and a template database would hand a scenario's objects
        // to every later database: such servers serve one scenario only.
        state.shareable = scenario.maintenance.empty() &&
                          std::none_of(scenario.database.setup.begin(), scenario.database.setup.end(),
                                       [](const SetupStep& step) { return step.database.starts_with("template"); });
        state.done.assign(state.slots.size(), false);
        m_progress.total += state.slots.size();
    }
}

void RunPlan::start() {
    for (std::size_t index = 0; index < m_states.size(); ++index)
        push(Task{index, Task::Kind::provision, 0, false, 0});
}

void RunPlan::push(Task task) {
    task.sequence = ++m_sequence;
    m_queue.insert(task);
}

std::optional<Task> RunPlan::take() {
    if (m_queue.empty())
        return std::nullopt;
    auto next = m_queue.begin();
    bool may_start = !m_exclusive_running && (!next->exclusive || m_running == 0);
    if (!stopping() && !may_start)
        return std::nullopt;
    Task task = *next;
    m_queue.erase(next);
    ++m_running;
    m_exclusive_running = task.exclusive && !stopping();
    return task;
}

void RunPlan::task_ended(const Task& task) {
    --m_running;
    if (task.exclusive)
        m_exclusive_running = false;
}

void RunPlan::queue_retire(std::size_t scenario) {
    push(Task{scenario, Task::Kind::retire, 0, false, 0});
}

void RunPlan::halt(Halt reason) {
    if (m_halt == Halt::none)
        m_halt = reason;
}

std::vector<std::size_t> RunPlan::provision_started(std::size_t index) {
    m_states[index].provision_started = true;
    // Upcoming scenarios' servers come up while this one is set up and tried.
    std::vector<std::size_t> ahead;
    for (std::size_t next = index + 1; next < m_states.size() && ahead.size() < k_lookahead; ++next)
        if (!m_states[next].provision_started && next >= m_prepared_until) {
            ahead.push_back(next);
            m_prepared_until = next + 1;
        }
    return ahead;
}

void RunPlan::provisioned(std::size_t index) {
    ScenarioOutcome& outcome = m_outcome.scenarios[index];
    if (m_halt != Halt::none) {
        outcome.error.reset(); // cut short: not an infrastructure error
        end_scenario(index);
        return;
    }
    m_states[index].ready = true;
    if (outcome.error) {
        if (m_fail_fast)
            m_draining = true;
        end_scenario(index);
        return;
    }
    start_phase(index,
                m_scenarios[index].maintenance.empty() ? m_states[index].slots.size() : m_states[index].first_after);
}

// Queues the trials of the slots up to `end`.
void RunPlan::start_phase(std::size_t index, std::size_t end) {
    ScenarioProgress& state = m_states[index];
    state.phase_end = end;
    state.unfinished = state.phase_end - state.next_slot;
    if (state.unfinished == 0) {
        phase_done(index);
        return;
    }
    if (state.one_at_a_time || state.exclusive)
        push(Task{index, Task::Kind::trial, state.next_slot++, state.exclusive, 0});
    else
        while (state.next_slot < state.phase_end)
            push(Task{index, Task::Kind::trial, state.next_slot++, false, 0});
}

// The phase's trials are all done: maintenance, the after phase, or the end.
void RunPlan::phase_done(std::size_t index) {
    if (!m_scenarios[index].maintenance.empty() && !m_states[index].maintained)
        push(Task{index, Task::Kind::maintenance, 0, false, 0});
    else
        end_scenario(index);
}

const CandidateOutcome& RunPlan::tried(std::size_t index, std::size_t slot, CandidateOutcome result) {
    bool cut_short = !result.verdict || (result.category && *result.category == Category::timeout);
    if (m_halt != Halt::none && cut_short) {
        // Cut short by the interruption or the run's timeout: its failure (or a timeout it
        // expected) says nothing about the config.
        mark_untried(result, m_halt == Halt::signal ? NotRun::interrupted : NotRun::timeout);
    }
    CandidateOutcome& stored = m_outcome.scenarios[index].candidates[slot];
    stored = std::move(result);
    m_states[index].done[slot] = true;
    ++m_progress.done;
    if (!stored.verdict && stored.tried()) {
        ++m_progress.failed;
        if (m_fail_fast)
            m_draining = true;
    }
    m_progress.running = m_running - 1; // this trial's task has not ended yet
    trial_over(index);
    return stored;
}

// One trial of the scenario's current phase is over, tried or skipped: queues the next one of a
// one-at-a-time scenario, or moves on once the phase is done.
void RunPlan::trial_over(std::size_t index) {
    ScenarioProgress& state = m_states[index];
    --state.unfinished;
    if (state.next_slot < state.phase_end && (state.one_at_a_time || state.exclusive)) {
        if (!stopping()) {
            push(Task{index, Task::Kind::trial, state.next_slot++, state.exclusive, 0});
            return;
        }
        state.unfinished -= state.phase_end - state.next_slot; // never queued: never tried
        state.next_slot = state.phase_end;
    }
    if (state.unfinished > 0)
        return; // trials of this phase still run: the server stays until they end
    if (stopping())
        end_scenario(index);
    else
        phase_done(index);
}

void RunPlan::maintained(std::size_t index) {
    m_states[index].maintained = true;
    if (m_halt != Halt::none) {
        end_scenario(index);
        return;
    }
    if (m_outcome.scenarios[index].error) {
        if (m_fail_fast)
            m_draining = true;
        end_scenario(index);
        return;
    }
    start_phase(index, m_states[index].slots.size());
}

void RunPlan::skipped(const Task& task) {
    if (task.kind == Task::Kind::trial)
        trial_over(task.scenario);
    else if (task.kind != Task::Kind::retire)
        end_scenario(task.scenario);
}

void RunPlan::finish() {
    for (std::size_t index = 0; index < m_states.size(); ++index)
        end_scenario(index);
}

std::vector<std::size_t> RunPlan::take_finished() {
    return std::exchange(m_finished, {});
}

void RunPlan::mark_untried(CandidateOutcome& candidate, NotRun reason) {
    candidate.not_run = reason;
    candidate.passed = false;
    candidate.verdict = false;
    candidate.category.reset();
    candidate.message = fmt::format("not tried: {}", explain(reason));
    candidate.hint.clear();
    for (auto& check : candidate.checks) {
        check.status = CheckOutcome::Status::skipped;
        check.category.reset();
        check.message.clear();
    }
}

// The scenario is over: what was not tried says why, and its server may go.
void RunPlan::end_scenario(std::size_t index) {
    ScenarioProgress& state = m_states[index];
    if (state.finished)
        return;
    state.finished = true;
    ScenarioOutcome& outcome = m_outcome.scenarios[index];
    NotRun reason = m_halt == Halt::signal    ? NotRun::interrupted
                    : m_halt == Halt::timeout ? NotRun::timeout
                    : outcome.error           ? NotRun::scenario_error
                                              : NotRun::fail_fast;
    for (std::size_t i = 0; i < outcome.candidates.size(); ++i) {
        if (!state.done[i]) // not tried: only a trial sets it before the scenario ends
            mark_untried(outcome.candidates[i], reason);
        state.done[i] = true;
    }
    state.ready = true;
    m_finished.push_back(index);
}

} // namespace stagegate
