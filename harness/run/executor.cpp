#include "run/executor.hpp"

#include "provision/dead_end.hpp"
#include "run/plan.hpp"
#include "run/sequencer.hpp"
#include "run/signals.hpp"
#include "util/environment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace stagegate {

namespace {

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
                       Millis budget, const std::atomic<bool>* halt) {
    auto start = Clock::now();
    StepOutcome outcome;
    outcome.step = step.label();
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
    outcome.result = result ? *result : result.error();
    outcome.elapsed = std::chrono::duration_cast<Millis>(Clock::now() - start);
    return outcome;
}

// The executor (ninja's Builder is the model): worker threads take tasks from the plan and run
// them, a watcher turns SIGINT/SIGTERM and the run's timeout into a halt, and every change to the
// plan is followed, under the one lock, by handing out the finished scenarios' servers and
// telling the observer what the sequencer allows.
class Executor {
  public:
    Executor(std::span<const Scenario> scenarios, const RunServices& services, Redactor& redactor,
             RunObserver& observer, const RunOptions& options)
        : m_scenarios(scenarios), m_services(services), m_redactor(redactor), m_observer(observer), m_options(options),
          m_plan(scenarios, options.fail_fast), m_sequencer(observer, redactor, scenarios.size()),
          m_servers(scenarios.size()) {
        for (std::size_t i = 0; i < scenarios.size(); ++i) {
            m_servers[i].answers_as = scenarios[i].database.answers_as;
            m_servers[i].tls_required = scenarios[i].database.access.require_tls;
            for (const auto& secret : scenarios[i].secrets)
                m_redactor.add(secret);
        }
    }

    RunOutcome go() {
        if (m_options.interrupted && m_options.interrupted->load())
            halt(Halt::signal);
        {
            std::lock_guard lock(m_mutex);
            m_plan.start();
        }
        if (std::any_of(m_scenarios.begin(), m_scenarios.end(),
                        [](const Scenario& s) { return !s.database.unreachable.empty(); })) {
            auto opened = DeadEnd::open();
            if (opened)
                m_dead_end = std::move(*opened);
            else
                m_dead_end_problem = opened.error();
        }
        if (m_options.timeout) // measured from here, whenever the watcher's thread starts
            m_until = m_services.now() + *m_options.timeout;
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
        {
            std::lock_guard lock(m_mutex);
            m_plan.finish(); // what the run never reached (scenarios left queued when it stopped)
            settle();
        }
        // Every server is down (and its folder on its way out) before the run is reported.
        m_retired.clear();
        for (auto& server : m_servers)
            server.instance.reset();
        m_providers.clear();
        RunOutcome outcome = std::move(m_plan.outcome());
        redact(outcome, m_redactor); // again: a secret learned late may stand in text told earlier
        if (m_plan.halt_reason() == Halt::signal)
            outcome.signal = received_signal() != 0 ? received_signal() : 2;
        outcome.timed_out = m_plan.halt_reason() == Halt::timeout;
        outcome.stopped_early =
            std::any_of(outcome.scenarios.begin(), outcome.scenarios.end(), [](const ScenarioOutcome& scenario) {
                return std::any_of(scenario.candidates.begin(), scenario.candidates.end(),
                                   [](const CandidateOutcome& c) { return c.not_run == NotRun::fail_fast; });
            });
        m_observer.run_finished(outcome);
        return outcome;
    }

  private:
    // The server a scenario runs on, and what its clients see of it now.
    struct Server {
        std::unique_ptr<Instance> instance;
        Provider* provider = nullptr; // the instance's
        std::vector<HostName> answers_as;
        bool tls_required = false;
    };

    struct Retired {
        std::unique_ptr<Instance> instance;
        Provider* provider = nullptr;
        bool shareable = false;
    };

    struct ProviderEntry {
        std::unique_ptr<Provider> provider;
        std::mutex serial; // held around provision() when the provider is not thread-safe
    };

    // Stops the run (m_mutex held, or before the threads start).
    void halt(Halt reason) {
        m_plan.halt(reason);
        m_halt.store(true);
        // Blocking clients (Connector/C++, SOCI mysql) waiting at a dead host hear the
        // interruption only through their socket: reset them all.
        if (m_dead_end)
            m_dead_end->shut();
        m_wake.notify_all();
    }

    // After every change to the plan (m_mutex held): the servers of finished scenarios are set
    // aside for a worker to stop or hand back, and the observer hears what may be told now.
    void settle() {
        for (std::size_t index : m_plan.take_finished()) {
            Server& server = m_servers[index];
            if (server.instance) // stopped or kept outside the lock, by the worker
                m_retired.push_back(Retired{std::move(server.instance), server.provider,
                                            m_plan.scenario(index).shareable && !m_halt.load()});
        }
        m_sequencer.advance(m_plan);
        m_wake.notify_all();
    }

    // Takes the next task that may start now; waits while none may. Returns nothing when the run is over.
    std::optional<Task> take() {
        std::unique_lock lock(m_mutex);
        while (true) {
            if (auto task = m_plan.take())
                return task;
            if (m_plan.over()) {
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
            if (stopping()) {
                std::lock_guard lock(m_mutex);
                m_plan.skipped(*task);
                settle();
            } else {
                run(*task);
            }
            done(*task);
        }
    }

    bool stopping() {
        std::lock_guard lock(m_mutex);
        return m_plan.stopping();
    }

    // A task taken by take() is over: the servers of finished scenarios, then the bookkeeping.
    // Stopping a server starts processes, which reads the environment: the task counts as running
    // until that is done, so a trial that switches the environment (exclusive) cannot start meanwhile.
    // A waiter leaves the servers to a worker: a process started from a thread gets its parent-death
    // signal when that thread ends, and a waiter ends at once (the reaper's rm would die with it).
    void done(const Task& task, bool waiter = false) {
        std::vector<Retired> retired;
        {
            std::lock_guard lock(m_mutex);
            if (!waiter)
                retired.swap(m_retired);
            else if (!m_retired.empty())
                m_plan.queue_retire(task.scenario);
        }
        for (auto& server : retired) // servers of finished scenarios stop (or wait for the next) here
            if (server.shareable)
                server.provider->release(std::move(server.instance));
        retired.clear();
        std::lock_guard lock(m_mutex);
        m_plan.task_ended(task);
        m_wake.notify_all();
    }

    bool waits_at_dead_end(const Task& task) {
        if (!m_dead_end || m_scenarios[task.scenario].database.unreachable.empty())
            return false;
        const Slot& slot = m_plan.scenario(task.scenario).slots[task.slot];
        return names_unreachable_host(*slot.candidate, context_for(task.scenario));
    }

    TrialContext context_for(std::size_t index) {
        const Scenario& scenario = m_scenarios[index];
        Server& server = m_servers[index];
        DeadEnds dead;
        if (m_dead_end)
            dead = DeadEnds{scenario.database.unreachable, m_dead_end->route()};
        return TrialContext{scenario,
                            server.answers_as,
                            server.instance->route(),
                            server.instance->certificate(),
                            server.tls_required,
                            m_redactor,
                            &m_halt,
                            dead};
    }

    // Watches for SIGINT/SIGTERM and the run's timeout; either cuts every step short.
    void watch() {
        std::unique_lock lock(m_mutex);
        while (!m_done) {
            if (m_plan.halt_reason() == Halt::none) {
                if (m_options.interrupted && m_options.interrupted->load())
                    halt(Halt::signal);
                else if (m_options.timeout && m_services.now() >= m_until)
                    halt(Halt::timeout);
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

    ProviderEntry& provider_for(const Database& database) {
        std::lock_guard lock(m_providers_mutex);
        auto& entry = m_providers[{protocol_of(database.engine), database.provider}];
        if (!entry.provider)
            entry.provider = m_services.make_provider(database);
        return entry;
    }

    void provision(std::size_t index) {
        const Scenario& scenario = m_scenarios[index];
        Server& server = m_servers[index];
        std::vector<std::size_t> ahead;
        {
            std::lock_guard lock(m_mutex);
            ahead = m_plan.provision_started(index);
        }
        std::optional<ScenarioFailure> error;
        std::string description;
        Millis ready_after{0};
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
                description = (*instance)->description();
                ready_after = (*instance)->ready_after();
                server.instance = std::move(*instance);
                server.provider = entry.provider.get();
            } else {
                error = ScenarioFailure{{}, instance.error()};
            }
        }
        for (std::size_t next : ahead) {
            ProviderEntry& entry = provider_for(m_scenarios[next].database);
            if (!entry.provider->thread_safe())
                continue;                  // only a hint, and such providers prepare nothing
            std::lock_guard lock(m_mutex); // its own provision must not start meanwhile
            if (m_plan.awaits_provision(next))
                entry.provider->prepare(m_scenarios[next].database);
        }
        if (!error && !m_halt.load())
            if (auto problem = apply_setup(scenario, *server.instance, m_options.provision_timeout, &m_halt))
                error = std::move(problem);
        std::lock_guard lock(m_mutex);
        ScenarioOutcome& outcome = m_plan.outcome().scenarios[index];
        outcome.server = std::move(description);
        outcome.ready_after = ready_after;
        outcome.error = std::move(error);
        m_plan.provisioned(index);
        settle();
    }

    void trial(std::size_t index, std::size_t slot_index) {
        const Scenario& scenario = m_scenarios[index];
        const Slot& slot = m_plan.scenario(index).slots[slot_index];
        CandidateOutcome result;
        {
            // Only the candidates see the machine's client configuration, never setup or maintenance.
            ClientEnvironmentScope environment(scenario.client_environment);
            result = m_services.try_candidate(*slot.candidate, slot.expect, slot.phase, context_for(index));
        }
        std::lock_guard lock(m_mutex);
        m_plan.tried(index, slot_index, std::move(result));
        settle();
        m_observer.progress(m_plan.progress());
    }

    void maintain(std::size_t index) {
        const Scenario& scenario = m_scenarios[index];
        Server& server = m_servers[index];
        std::vector<StepOutcome> steps;
        std::optional<ScenarioFailure> error;
        bool tls_required = server.tls_required;
        std::vector<HostName> answers_as = server.answers_as;
        for (const auto& step : scenario.maintenance) {
            if (stopping())
                break;
            steps.push_back(apply_step(step, *server.instance, answers_as, m_options.provision_timeout, &m_halt));
            if (step.kind == MaintenanceStep::Kind::access)
                tls_required = step.access.require_tls;
            if (!steps.back().ok) {
                error = ScenarioFailure{step.mark, fmt::format("maintenance step failed: {}", steps.back().result)};
                break;
            }
        }
        std::lock_guard lock(m_mutex);
        server.tls_required = tls_required;
        server.answers_as = std::move(answers_as);
        ScenarioOutcome& outcome = m_plan.outcome().scenarios[index];
        for (auto& step : steps)
            outcome.maintenance.push_back(std::move(step));
        if (!m_halt.load())
            outcome.error = std::move(error);
        m_plan.maintained(index);
        settle();
    }

    std::span<const Scenario> m_scenarios;
    const RunServices& m_services;
    Redactor& m_redactor;
    RunObserver& m_observer;
    const RunOptions& m_options;

    std::mutex m_providers_mutex;
    std::map<std::pair<std::string_view, ProviderKind>, ProviderEntry> m_providers;

    std::mutex m_mutex; // everything below
    std::condition_variable m_wake;
    RunPlan m_plan;
    EventSequencer m_sequencer;
    std::vector<Server> m_servers;
    bool m_done = false;
    Clock::time_point m_until;       // when the run's timeout passes, if it has one
    std::atomic<bool> m_halt{false}; // the plan halted: every step in flight is cut short
    std::vector<Retired> m_retired;
    std::vector<std::thread> m_waiters; // trials waiting at the dead end, each on its own thread
    std::optional<DeadEnd> m_dead_end;  // where database.unreachable names lead
    std::string m_dead_end_problem;     // why it could not be opened
};

} // namespace

RunOutcome execute(std::span<const Scenario> scenarios, const RunServices& services, Redactor& redactor,
                   RunObserver& observer, const RunOptions& options) {
    Executor executor(scenarios, services, redactor, observer, options);
    return executor.go();
}

} // namespace stagegate
