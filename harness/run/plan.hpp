#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "run/outcome.hpp"

namespace stagegate {

// Returns true when a scenario's candidates must be tried one at a time: a check that may
// write (a query reads_only does not vouch for) or counts connections (pool), or candidates
// that switch the process environment (client_environment: machine, service files).
bool tries_candidates_one_at_a_time(const Scenario& scenario);
// Returns true when `sql` is one statement that only reads: SELECT, SHOW, VALUES, EXPLAIN,
// TABLE or DESCRIBE, without EXPLAIN ANALYZE, SELECT ... INTO, nextval or setval. A function
// with side effects called from a SELECT is not seen (docs/ci-integration.md, "Concurrency").
bool reads_only(std::string_view sql);

// A candidate's place in its scenario's outcome: which candidate, in which phase, expecting what.
struct Slot {
    const Candidate* candidate = nullptr;
    Expectation expect;
    std::string phase;
};

// One unit of work: bring a scenario's server up (and set it up), try one candidate, apply the
// maintenance steps, or hand back the servers of finished scenarios. Tasks of earlier scenarios
// go first; `exclusive` ones run alone.
struct Task {
    enum class Kind { provision, trial, maintenance, retire };
    std::size_t scenario = 0;
    Kind kind = Kind::provision;
    std::size_t slot = 0;
    bool exclusive = false;
    std::uint64_t sequence = 0;

    bool operator<(const Task& other) const {
        return std::tie(scenario, sequence) < std::tie(other.scenario, other.sequence);
    }
};

// Why the run stops starting work before everything is tried.
enum class Halt { none, signal, timeout };

// Where one scenario stands, as the plan and the event sequencer see it.
struct ScenarioProgress {
    std::vector<Slot> slots; // before-phase (or only-phase) trials, then after-phase ones
    std::size_t first_after = 0;
    bool one_at_a_time = false; // candidates could disturb each other: one trial at a time
    bool exclusive = false;     // trials switch the process environment: nothing else runs meanwhile
    bool shareable = false;     // the server may serve a later scenario once proved clean
    bool provision_started = false;
    std::size_t phase_end = 0;  // slots before this belong to the phase being tried
    std::size_t next_slot = 0;  // the next slot to queue
    std::size_t unfinished = 0; // queued or running trials of the phase
    bool maintained = false;
    bool ready = false;     // the server is up and set up, or failed: scenario_ready may be reported
    bool finished = false;  // nothing more happens to the scenario; its outcome is final
    std::vector<bool> done; // per slot: the outcome is final (tried, or marked untried at the end)
};

// The run's plan (ninja's Plan is the model): which tasks exist, which may start now, and what
// follows when one ends. It owns the run's outcome, every candidate listed untried until a trial
// says otherwise. It does no work, takes no lock and keeps no clock: the executor calls it with
// its own lock held, and the scheduler tests call it directly.
class RunPlan {
  public:
    RunPlan(std::span<const Scenario> scenarios, bool fail_fast);

    // Queues every scenario's provision task.
    void start();
    // Returns the next task that may start now (every queued task once the run stops, to be
    // skipped), or nothing while the next one must wait for running ones.
    std::optional<Task> take();
    // Returns true when nothing is queued and nothing runs: the run is over.
    bool over() const { return m_queue.empty() && m_running == 0; }
    // A task returned by take() ended (run or skipped).
    void task_ended(const Task& task);
    // Queues a retire task for `scenario` (a worker hands back servers that a waiter could not).
    void queue_retire(std::size_t scenario);

    // Stops starting work: the run was interrupted or timed out.
    void halt(Halt reason);
    Halt halt_reason() const { return m_halt; }
    // Returns true once nothing new may start: halted, or --fail-fast saw a failure.
    bool stopping() const { return m_halt != Halt::none || m_draining; }

    // The provision of `scenario` starts: returns the upcoming scenarios whose servers may be
    // prepared meanwhile (at most a few, each named once in the run).
    std::vector<std::size_t> provision_started(std::size_t scenario);
    // Returns true while the provision of `scenario` has not started.
    bool awaits_provision(std::size_t scenario) const { return !m_states[scenario].provision_started; }
    // The server of `scenario` is up and set up, or failed (outcome().scenarios[scenario].error).
    void provisioned(std::size_t scenario);
    // A trial ended with `result`; returns the stored outcome (marked untried when the halt cut it short).
    const CandidateOutcome& tried(std::size_t scenario, std::size_t slot, CandidateOutcome result);
    // The maintenance steps were applied (outcome().scenarios[scenario].maintenance and error set).
    void maintained(std::size_t scenario);
    // A task that will not run: its scenario ends, its candidates say why they were not tried.
    void skipped(const Task& task);
    // Ends every scenario not yet finished (the run stopped with tasks never queued).
    void finish();

    // Returns the scenarios finished since the last call: their servers may go.
    std::vector<std::size_t> take_finished();

    const ScenarioProgress& scenario(std::size_t index) const { return m_states[index]; }
    std::size_t scenario_count() const { return m_states.size(); }
    RunOutcome& outcome() { return m_outcome; }
    const RunOutcome& outcome() const { return m_outcome; }
    const Progress& progress() const { return m_progress; }

  private:
    void push(Task task);
    void start_phase(std::size_t scenario, std::size_t end);
    void phase_done(std::size_t scenario);
    void trial_over(std::size_t scenario);
    void end_scenario(std::size_t scenario);
    void mark_untried(CandidateOutcome& candidate, NotRun reason);

    std::span<const Scenario> m_scenarios;
    bool m_fail_fast = false;
    std::vector<ScenarioProgress> m_states;
    RunOutcome m_outcome;
    Progress m_progress;
    std::set<Task> m_queue;
    std::uint64_t m_sequence = 0;
    std::size_t m_running = 0;
    bool m_exclusive_running = false;
    bool m_draining = false; // --fail-fast saw a failure: nothing new starts
    Halt m_halt = Halt::none;
    std::size_t m_prepared_until = 0;
    std::vector<std::size_t> m_finished; // scenarios finished since take_finished()
};

} // namespace stagegate
