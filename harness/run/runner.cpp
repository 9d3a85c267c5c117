#include "run/runner.hpp"

#include "provision/dead_end.hpp"
#include "provision/provider.hpp"
#include "run/candidate_runner.hpp"
#include "run/signals.hpp"
#include "util/environment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace stagegate {

std::string_view to_string(CheckOutcome::Status status) {
    switch (status) {
    case CheckOutcome::Status::pass:
        return "pass";
    case CheckOutcome::Status::fail:
        return "fail";
    case CheckOutcome::Status::skipped:
        return "skipped";
    }
    return "skipped";
}

std::string_view to_string(NotRun reason) {
    switch (reason) {
    case NotRun::tried:
        return "";
    case NotRun::interrupted:
        return "interrupted";
    case NotRun::timeout:
        return "timeout";
    case NotRun::fail_fast:
        return "fail-fast";
    case NotRun::scenario_error:
        return "scenario-error";
    }
    return "";
}

std::string_view explain(NotRun reason) {
    switch (reason) {
    case NotRun::tried:
        return "";
    case NotRun::interrupted:
        return "the run was interrupted";
    case NotRun::timeout:
        return "the run's --timeout passed";
    case NotRun::fail_fast:
        return "--fail-fast stopped the run after an earlier failure";
    case NotRun::scenario_error:
        return "the scenario's server or setup failed";
    }
    return "";
}

std::string ScenarioFailure::to_string() const {
    return mark.file.empty() ? message : fmt::format("{}: {}", mark.to_string(), message);
}

bool ScenarioOutcome::verdict() const {
    if (error)
        return false;
    return std::all_of(candidates.begin(), candidates.end(), [](const auto& c) { return c.verdict; });
}

bool RunOutcome::verdict() const {
    return std::all_of(scenarios.begin(), scenarios.end(), [](const auto& s) { return s.verdict(); });
}

int RunOutcome::exit_code() const {
    if (signal != 0)
        return 128 + signal;
    if (timed_out || std::any_of(scenarios.begin(), scenarios.end(), [](const auto& s) { return s.error.has_value(); }))
        return 3;
    return verdict() ? 0 : 1;
}

bool tries_candidates_one_at_a_time(const Scenario& scenario) {
    if (scenario.client_environment == ClientEnvironment::machine)
        return true;
    for (const auto& candidate : scenario.candidates) {
        if (!candidate.source.service.empty())
            return true;
        for (const auto& check : candidate.checks) {
            if (check.kind == Check::Kind::pool)
                return true;
            if (check.kind == Check::Kind::query && !reads_only(check.sql))
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

// Applies the scenario's setup steps in order, as superuser, one session per database.
std::optional<ScenarioFailure> apply_setup(const Scenario& scenario, Instance& instance, Millis budget,
                                           const std::atomic<bool>* halt) {
    const Driver& admin = instance.admin_driver();
    std::map<std::string, std::unique_ptr<Session>> sessions;
    sessions[""] = instance.take_admin_session();
    for (std::size_t i = 0; i < scenario.database.setup.size(); ++i) {
        const SetupStep& step = scenario.database.setup[i];
        auto deadline = Deadline::in(budget, halt);
        auto& session = sessions[step.database];
        if (!session) {
            auto opened = admin.connect_admin(instance.admin(step.database), deadline);
            if (!opened)
                return ScenarioFailure{step.mark, fmt::format("setup step {} cannot connect to database \"{}\": {}",
                                                              i + 1, step.database, opened.error().message)};
            session = std::move(*opened);
        }
        auto done = session->execute(step.sql, deadline);
        if (!done)
            return ScenarioFailure{
                step.mark, fmt::format("setup step {} ({}) failed: {}", i + 1, step.origin, done.error().message)};
    }
    return std::nullopt;
}

// Makes the client libraries see the machine's own configuration while a scenario that opted in
// is tried, and only then. The runner runs such trials alone: the environment is the process's.
class ClientEnvironmentScope {
  public:
    explicit ClientEnvironmentScope(ClientEnvironment environment)
        : m_machine(environment == ClientEnvironment::machine) {
        if (m_machine)
            use_machine_client_environment(true);
    }
    ~ClientEnvironmentScope() {
        if (m_machine)
            use_machine_client_environment(false);
    }
    ClientEnvironmentScope(const ClientEnvironmentScope&) = delete;
    ClientEnvironmentScope& operator=(const ClientEnvironmentScope&) = delete;

  private:
    bool m_machine;
};

// Applies one maintenance step to the running twin; `answers_as` follows answers_as steps.
StepOutcome apply_step(const MaintenanceStep& step, Instance& instance, std::vector<HostName>& answers_as,
                       Redactor& redactor, Millis budget, const std::atomic<bool>* halt) {
    auto start = Clock::now();
    StepOutcome outcome;
    outcome.step = redactor.apply(step.label());
    outcome.mark = step.mark;
    auto deadline = Deadline::in(budget, halt);
    std::expected<std::string, std::string> result;
    switch (step.kind) {
    case MaintenanceStep::Kind::sql: {
        auto session = instance.admin_driver().connect_admin(instance.admin(step.sql.database), deadline);
        if (!session) {
            result = std::unexpected("cannot log in as superuser: " + session.error().message);
            break;
        }
        auto done = (*session)->execute(step.sql.sql, deadline);
        result = done ? std::expected<std::string, std::string>("done") : std::unexpected(done.error().message);
        break;
    }
    case MaintenanceStep::Kind::settings:
        result = instance.change_settings(step.settings, deadline);
        break;
    case MaintenanceStep::Kind::access:
        result = instance.change_access(step.access, deadline);
        break;
    case MaintenanceStep::Kind::answers_as:
        answers_as = step.answers_as;
        result = "clients now reach it as " + step.label().substr(std::string_view("answers_as: ").size());
        break;
    }
    outcome.ok = result.has_value();
    outcome.result = redactor.apply(result ? *result : result.error());
    outcome.elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
    return outcome;
}

// A candidate's place in its scenario's outcome: which candidate, in which phase, expecting what.
struct Slot {
    const Candidate* candidate = nullptr;
    Expectation expect;
    std::string phase;
};

// One unit of work: bring a scenario's server up (and set it up), try one candidate, or apply
// the maintenance steps. Tasks of earlier scenarios go first; `exclusive` ones run alone.
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

class Run {
  public:
    Run(std::span<const Scenario> scenarios, const RunDir& run_dir, ProcessLauncher& launcher, Redactor& redactor,
        RunObserver& observer, const RunOptions& options)
        : m_scenarios(scenarios), m_run_dir(run_dir), m_launcher(launcher), m_redactor(redactor), m_observer(observer),
          m_options(options), m_states(scenarios.size()) {
        m_outcome.scenarios.resize(scenarios.size());
        for (std::size_t i = 0; i < scenarios.size(); ++i)
            plan(i);
    }

    RunOutcome go() {
        if (m_options.interrupted && m_options.interrupted->load()) {
            m_halt_reason = Halt::signal;
            m_halt.store(true);
        }
        {
            std::lock_guard lock(m_mutex);
            for (std::size_t i = 0; i < m_scenarios.size(); ++i)
                push(Task{i, Task::Kind::provision, 0, false, 0});
            m_progress.total = 0;
            for (const auto& state : m_states)
                m_progress.total += state.slots.size();
        }
        if (std::any_of(m_scenarios.begin(), m_scenarios.end(),
                        [](const Scenario& s) { return !s.database.unreachable.empty(); })) {
            auto opened = DeadEnd::open();
            if (opened)
                m_dead_end = std::move(*opened);
            else
                m_dead_end_problem = opened.error();
        }
        std::thread watcher([this] { watch(); });
        std::vector<std::thread> workers;
        unsigned jobs = std::max(1u, m_options.jobs);
        for (unsigned i = 0; i < jobs; ++i)
            workers.emplace_back([this] { work(); });
        for (auto& worker : workers)
            worker.join(); // they end once nothing runs, waiters included
        for (auto& waiter : m_waiters)
            waiter.join();
        {
            std::lock_guard lock(m_mutex);
            m_done = true;
        }
        m_wake.notify_all();
        watcher.join();
        finish_reporting();
        // Every server is down (and its folder on its way out) before the run is reported.
        m_retired.clear();
        for (auto& state : m_states)
            state.instance.reset();
        m_providers.clear();
        if (m_halt_reason == Halt::signal)
            m_outcome.signal = received_signal() != 0 ? received_signal() : 2;
        m_outcome.timed_out = m_halt_reason == Halt::timeout;
        m_outcome.stopped_early =
            std::any_of(m_outcome.scenarios.begin(), m_outcome.scenarios.end(), [](const ScenarioOutcome& scenario) {
                return std::any_of(scenario.candidates.begin(), scenario.candidates.end(),
                                   [](const CandidateOutcome& c) { return c.not_run == NotRun::fail_fast; });
            });
        m_observer.run_finished(m_outcome);
        return std::move(m_outcome);
    }

  private:
    enum class Halt { none, signal, timeout };

    struct ScenarioState {
        std::vector<Slot> slots; // before-phase (or only-phase) trials, then after-phase ones
        std::size_t first_after = 0;
        bool one_at_a_time = false; // candidates could disturb each other: one trial at a time
        bool exclusive = false;     // trials switch the process environment: nothing else runs meanwhile
        bool provision_started = false;
        std::unique_ptr<Instance> instance;
        Provider* provider = nullptr; // the instance's
        bool shareable = false;       // the server may serve a later scenario once proved clean
        std::vector<HostName> answers_as;
        bool tls_required = false;
        std::size_t phase_end = 0;  // slots before this belong to the phase being tried
        std::size_t next_slot = 0;  // the next slot to queue
        std::size_t unfinished = 0; // queued or running trials of the phase
        bool maintained = false;
        bool finished = false;
        bool ready = false;     // the server is up and set up, or failed: scenario_ready may be reported
        std::vector<bool> done; // per slot: the outcome is final (tried, or marked untried at the end)
        // What the observer has been told, in this order: ready, before-phase (or only-phase)
        // candidates in file order, maintenance steps, after-phase candidates, finished.
        bool ready_reported = false;
        std::size_t slots_reported = 0;
        std::size_t steps_reported = 0;
    };

    void plan(std::size_t index) {
        const Scenario& scenario = m_scenarios[index];
        ScenarioState& state = m_states[index];
        ScenarioOutcome& outcome = m_outcome.scenarios[index];
        outcome.file = scenario.file.string();
        outcome.name = scenario.name;
        if (scenario.client_environment == ClientEnvironment::machine)
            outcome.client_environment = "machine";
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
        state.answers_as = scenario.database.answers_as;
        state.tls_required = scenario.database.access.require_tls;
        for (const auto& secret : scenario.secrets)
            m_redactor.add(secret);
    }

    // --- the queue (m_mutex held) ---

    void push(Task task) {
        task.sequence = ++m_sequence;
        m_queue.insert(task);
        m_wake.notify_all();
    }

    bool stopping() const { return m_halt.load() || m_draining; }

    // Takes the next task that may start now; waits while none may. Returns nothing when the run is over.
    std::optional<Task> take() {
        std::unique_lock lock(m_mutex);
        while (true) {
            if (!m_queue.empty()) {
                auto next = m_queue.begin();
                bool may_start = !m_exclusive_running && (!next->exclusive || m_running == 0);
                if (stopping() || may_start) {
                    Task task = *next;
                    m_queue.erase(next);
                    ++m_running;
                    m_exclusive_running = task.exclusive && !stopping();
                    return task;
                }
            } else if (m_running == 0) {
                m_wake.notify_all();
                return std::nullopt;
            }
            m_wake.wait(lock);
        }
    }

    void work() {
        while (auto task = take()) {
            // A login that will wait at a dead host costs nothing while it waits: it gets a thread
            // of its own, so a suite of dead hosts takes one connect deadline, not their sum.
            if (!stopping() && task->kind == Task::Kind::trial && !task->exclusive && waits_at_dead_end(*task)) {
                std::lock_guard lock(m_mutex);
                m_waiters.emplace_back([this, task = *task] {
                    run(task);
                    done(task, true);
                });
                continue;
            }
            if (stopping())
                skip(*task);
            else
                run(*task);
            done(*task);
        }
    }

    // A task taken by take() is over: the bookkeeping, and the servers of finished scenarios.
    // A waiter leaves those to a worker: a process started from a thread gets its parent-death
    // signal when that thread ends, and a waiter ends at once (the reaper's rm would die with it).
    void done(const Task& task, bool waiter = false) {
        std::vector<Retired> retired;
        {
            std::lock_guard lock(m_mutex);
            --m_running;
            if (task.exclusive)
                m_exclusive_running = false;
            if (!waiter)
                retired.swap(m_retired);
            else if (!m_retired.empty())
                push(Task{task.scenario, Task::Kind::retire, 0, false, 0});
            m_wake.notify_all();
        }
        for (auto& server : retired) // servers of finished scenarios stop (or wait for the next) here
            if (server.shareable)
                server.provider->release(std::move(server.instance));
    }

    bool waits_at_dead_end(const Task& task) {
        if (!m_dead_end || m_scenarios[task.scenario].database.unreachable.empty())
            return false;
        const Slot& slot = m_states[task.scenario].slots[task.slot];
        return names_unreachable_host(*slot.candidate, context_for(task.scenario));
    }

    TrialContext context_for(std::size_t index) {
        const Scenario& scenario = m_scenarios[index];
        ScenarioState& state = m_states[index];
        DeadEnds dead;
        if (m_dead_end)
            dead = DeadEnds{scenario.database.unreachable, m_dead_end->route()};
        return TrialContext{scenario,
                            state.answers_as,
                            state.instance->route(),
                            state.instance->certificate(),
                            state.tls_required,
                            m_redactor,
                            &m_halt,
                            dead};
    }

    // Watches for SIGINT/SIGTERM and the run's timeout; either cuts every step short.
    void watch() {
        auto until = m_options.timeout ? std::optional(Clock::now() + *m_options.timeout) : std::nullopt;
        std::unique_lock lock(m_mutex);
        while (!m_done) {
            if (m_halt_reason == Halt::none) {
                if (m_options.interrupted && m_options.interrupted->load())
                    m_halt_reason = Halt::signal;
                else if (until && Clock::now() >= *until)
                    m_halt_reason = Halt::timeout;
                if (m_halt_reason != Halt::none) {
                    m_halt.store(true);
                    // Blocking clients (Connector/C++, SOCI mysql) waiting at a dead host hear
                    // the interruption only through their socket: reset them all.
                    if (m_dead_end)
                        m_dead_end->shut();
                    m_wake.notify_all();
                }
            }
            m_wake.wait_for(lock, Millis(20));
        }
    }

    // --- tasks ---

    void run(const Task& task) {
        switch (task.kind) {
        case Task::Kind::provision:
            provision(task.scenario);
            break;
        case Task::Kind::trial:
            trial(task.scenario, task.slot);
            break;
        case Task::Kind::maintenance:
            maintain(task.scenario);
            break;
        case Task::Kind::retire:
            break; // done() takes the servers of finished scenarios
        }
    }

    // A task that will not run: its scenario ends, its candidates say why they were not tried.
    void skip(const Task& task) {
        std::lock_guard lock(m_mutex);
        if (task.kind == Task::Kind::trial)
            trial_over(task.scenario);
        else if (task.kind != Task::Kind::retire)
            end_scenario(task.scenario);
    }

    // One trial of the scenario's current phase is over, tried or skipped (m_mutex held): queues
    // the next one of a one-at-a-time scenario, or moves on once the phase is done.
    void trial_over(std::size_t index) {
        ScenarioState& state = m_states[index];
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

    struct ProviderEntry {
        std::unique_ptr<Provider> provider;
        std::mutex serial; // held around provision() when the provider is not thread-safe
    };

    ProviderEntry& provider_for(const Database& database) {
        std::lock_guard lock(m_providers_mutex);
        auto& entry = m_providers[{protocol_of(database.engine), database.provider}];
        if (!entry.provider)
            entry.provider = make_provider(database, m_run_dir, m_launcher, m_options.authority);
        return entry;
    }

    void provision(std::size_t index) {
        const Scenario& scenario = m_scenarios[index];
        ScenarioState& state = m_states[index];
        ScenarioOutcome& outcome = m_outcome.scenarios[index];
        std::vector<std::size_t> ahead;
        {
            std::lock_guard lock(m_mutex);
            state.provision_started = true;
            // Upcoming scenarios' servers come up while this one is set up and tried.
            for (std::size_t next = index + 1; next < m_states.size() && ahead.size() < k_lookahead; ++next)
                if (!m_states[next].provision_started && next >= m_prepared_until) {
                    ahead.push_back(next);
                    m_prepared_until = next + 1;
                }
        }
        {
            ProviderEntry& entry = provider_for(scenario.database);
            std::unique_lock<std::mutex> serial;
            if (!entry.provider->thread_safe())
                serial = std::unique_lock(entry.serial);
            auto instance =
                entry.provider->provision(scenario.database, Deadline::in(m_options.provision_timeout, &m_halt));
            if (instance && !scenario.database.unreachable.empty() && !m_dead_end)
                instance = std::unexpected(m_dead_end_problem);
            if (instance) {
                m_redactor.add((*instance)->admin("").password);
                outcome.server = (*instance)->description();
                outcome.ready_after = (*instance)->ready_after();
                state.instance = std::move(*instance);
                state.provider = entry.provider.get();
            } else {
                outcome.error = ScenarioFailure{{}, m_redactor.apply(instance.error())};
            }
        }
        for (std::size_t next : ahead) {
            ProviderEntry& entry = provider_for(m_scenarios[next].database);
            if (!entry.provider->thread_safe())
                continue;                  // only a hint, and such providers prepare nothing
            std::lock_guard lock(m_mutex); // its own provision must not start meanwhile
            if (!m_states[next].provision_started)
                entry.provider->prepare(m_scenarios[next].database);
        }
        if (!outcome.error && !m_halt.load())
            if (auto problem = apply_setup(scenario, *state.instance, m_options.provision_timeout, &m_halt))
                outcome.error = ScenarioFailure{problem->mark, m_redactor.apply(problem->message)};
        std::lock_guard lock(m_mutex);
        if (m_halt.load()) {
            outcome.error.reset(); // cut short: not an infrastructure error
            end_scenario(index);
            return;
        }
        state.ready = true;
        report();
        if (outcome.error) {
            if (m_options.fail_fast)
                m_draining = true;
            end_scenario(index);
            return;
        }
        start_phase(index, scenario.maintenance.empty() ? state.slots.size() : state.first_after);
    }

    // Queues the trials of the slots up to `end` (m_mutex held).
    void start_phase(std::size_t index, std::size_t end) {
        ScenarioState& state = m_states[index];
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

    // The phase's trials are all done (m_mutex held): maintenance, the after phase, or the end.
    void phase_done(std::size_t index) {
        if (!m_scenarios[index].maintenance.empty() && !m_states[index].maintained)
            push(Task{index, Task::Kind::maintenance, 0, false, 0});
        else
            end_scenario(index);
    }

    void trial(std::size_t index, std::size_t slot_index) {
        const Scenario& scenario = m_scenarios[index];
        ScenarioState& state = m_states[index];
        const Slot& slot = state.slots[slot_index];
        CandidateOutcome result;
        {
            // Only the candidates see the machine's client configuration, never setup or maintenance.
            ClientEnvironmentScope environment(scenario.client_environment);
            result = run_candidate(*slot.candidate, slot.expect, slot.phase, context_for(index));
        }
        std::lock_guard lock(m_mutex);
        bool cut_short = !result.verdict || (result.category && *result.category == Category::timeout);
        if (m_halt.load() && cut_short) {
            // Cut short by the interruption or the run's timeout: its failure (or a timeout it
            // expected) says nothing about the config.
            mark_untried(result, m_halt_reason == Halt::signal ? NotRun::interrupted : NotRun::timeout);
        }
        m_outcome.scenarios[index].candidates[slot_index] = std::move(result);
        state.done[slot_index] = true;
        const CandidateOutcome& stored = m_outcome.scenarios[index].candidates[slot_index];
        ++m_progress.done;
        if (!stored.verdict && stored.tried()) {
            ++m_progress.failed;
            if (m_options.fail_fast)
                m_draining = true;
        }
        report();
        m_progress.running = m_running - 1;
        m_observer.progress(m_progress);
        trial_over(index);
    }

    void maintain(std::size_t index) {
        const Scenario& scenario = m_scenarios[index];
        ScenarioState& state = m_states[index];
        ScenarioOutcome& outcome = m_outcome.scenarios[index];
        std::vector<StepOutcome> steps;
        std::optional<ScenarioFailure> error;
        bool tls_required = state.tls_required;
        std::vector<HostName> answers_as = state.answers_as;
        for (const auto& step : scenario.maintenance) {
            if (stopping())
                break;
            steps.push_back(
                apply_step(step, *state.instance, answers_as, m_redactor, m_options.provision_timeout, &m_halt));
            if (step.kind == MaintenanceStep::Kind::access)
                tls_required = step.access.require_tls;
            if (!steps.back().ok) {
                error = ScenarioFailure{step.mark, fmt::format("maintenance step failed: {}", steps.back().result)};
                break;
            }
        }
        std::lock_guard lock(m_mutex);
        state.maintained = true;
        state.tls_required = tls_required;
        state.answers_as = std::move(answers_as);
        for (auto& step : steps)
            outcome.maintenance.push_back(std::move(step));
        report();
        if (m_halt.load()) {
            end_scenario(index);
            return;
        }
        if (error) {
            outcome.error = std::move(error);
            if (m_options.fail_fast)
                m_draining = true;
            end_scenario(index);
            return;
        }
        start_phase(index, state.slots.size());
    }

    // --- the end of a scenario and reporting (m_mutex held) ---

    void mark_untried(CandidateOutcome& candidate, NotRun reason) {
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

    // The scenario is over (m_mutex held): what was not tried says why, and its server goes.
    void end_scenario(std::size_t index) {
        ScenarioState& state = m_states[index];
        if (state.finished)
            return;
        state.finished = true;
        ScenarioOutcome& outcome = m_outcome.scenarios[index];
        NotRun reason = m_halt_reason == Halt::signal    ? NotRun::interrupted
                        : m_halt_reason == Halt::timeout ? NotRun::timeout
                        : outcome.error                  ? NotRun::scenario_error
                                                         : NotRun::fail_fast;
        for (std::size_t i = 0; i < outcome.candidates.size(); ++i) {
            if (!state.done[i]) // not tried: only a trial sets it before the scenario ends
                mark_untried(outcome.candidates[i], reason);
            state.done[i] = true;
        }
        if (state.instance) // stopped or kept outside the lock, by the worker
            m_retired.push_back(Retired{std::move(state.instance), state.provider, state.shareable && !m_halt.load()});
        state.ready = true;
        report();
    }

    // Tells the observer everything that may be told now (m_mutex held): the first unfinished
    // scenario's events as they come, in file order; later scenarios' events wait for it.
    void report() {
        while (m_head < m_states.size()) {
            ScenarioState& state = m_states[m_head];
            ScenarioOutcome& outcome = m_outcome.scenarios[m_head];
            if (!state.ready)
                return;
            if (!state.ready_reported) {
                state.ready_reported = true;
                m_observer.scenario_started(m_scenarios[m_head]);
                m_observer.scenario_ready(outcome);
            }
            auto report_slots = [&](std::size_t end) {
                for (; state.slots_reported < end && state.done[state.slots_reported]; ++state.slots_reported)
                    m_observer.candidate_finished(outcome, outcome.candidates[state.slots_reported]);
                return state.slots_reported >= end;
            };
            if (!report_slots(state.first_after))
                return;
            for (; state.steps_reported < outcome.maintenance.size(); ++state.steps_reported)
                m_observer.step_finished(outcome, outcome.maintenance[state.steps_reported]);
            if (!report_slots(state.slots.size()) || !state.finished)
                return;
            m_observer.scenario_finished(outcome);
            ++m_head;
        }
    }

    // Reports what the run never reached (scenarios left queued when it stopped).
    void finish_reporting() {
        std::lock_guard lock(m_mutex);
        for (std::size_t i = 0; i < m_states.size(); ++i) {
            ScenarioState& state = m_states[i];
            if (!state.finished)
                end_scenario(i);
        }
    }

    std::span<const Scenario> m_scenarios;
    const RunDir& m_run_dir;
    ProcessLauncher& m_launcher;
    Redactor& m_redactor;
    RunObserver& m_observer;
    const RunOptions& m_options;

    std::mutex m_providers_mutex;
    std::map<std::pair<std::string_view, ProviderKind>, ProviderEntry> m_providers;

    std::mutex m_mutex; // everything below
    std::condition_variable m_wake;
    std::set<Task> m_queue;
    std::uint64_t m_sequence = 0;
    std::size_t m_running = 0;
    bool m_exclusive_running = false;
    bool m_done = false;
    bool m_draining = false; // --fail-fast saw a failure: nothing new starts
    std::atomic<bool> m_halt{false};
    Halt m_halt_reason = Halt::none;
    std::size_t m_prepared_until = 0;
    std::vector<ScenarioState> m_states;
    struct Retired {
        std::unique_ptr<Instance> instance;
        Provider* provider = nullptr;
        bool shareable = false;
    };
    std::vector<Retired> m_retired;
    std::vector<std::thread> m_waiters; // trials waiting at the dead end, each on its own thread
    std::optional<DeadEnd> m_dead_end;  // where database.unreachable names lead
    std::string m_dead_end_problem;     // why it could not be opened
    RunOutcome m_outcome;
    Progress m_progress;
    std::size_t m_head = 0; // the first scenario not yet reported to the end
};

} // namespace

RunOutcome run_scenarios(std::span<const Scenario> scenarios, const RunDir& run_dir, ProcessLauncher& launcher,
                         Redactor& redactor, RunObserver& observer, const RunOptions& options) {
    Run run(scenarios, run_dir, launcher, redactor, observer, options);
    return run.go();
}

} // namespace stagegate
