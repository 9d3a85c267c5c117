#include "run/runner.hpp"

#include "provision/provider.hpp"
#include "run/candidate_runner.hpp"
#include "run/signals.hpp"
#include "util/environment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

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
    if (std::any_of(scenarios.begin(), scenarios.end(), [](const auto& s) { return s.error.has_value(); }))
        return 3;
    return verdict() ? 0 : 1;
}

namespace {

// How many upcoming scenarios' servers are started ahead: two keep both cores busy copying
// and starting while the current scenario runs.
constexpr std::size_t k_lookahead = 2;

// Applies the scenario's setup steps in order, as superuser, one session per database.
std::optional<std::string> apply_setup(const Scenario& scenario, Instance& instance, const RunOptions& options) {
    const Driver& admin = instance.admin_driver();
    std::map<std::string, std::unique_ptr<Session>> sessions;
    sessions[""] = instance.take_admin_session();
    for (std::size_t i = 0; i < scenario.database.setup.size(); ++i) {
        const SetupStep& step = scenario.database.setup[i];
        auto deadline = Deadline::in(options.provision_timeout, options.interrupted);
        auto& session = sessions[step.database];
        if (!session) {
            auto opened = admin.connect_admin(instance.admin(step.database), deadline);
            if (!opened)
                return fmt::format("{}: setup step {} cannot connect to database \"{}\": {}", step.mark.to_string(),
                                   i + 1, step.database, opened.error().message);
            session = std::move(*opened);
        }
        auto done = session->execute(step.sql, deadline);
        if (!done)
            return fmt::format("{}: setup step {} ({}) failed: {}", step.mark.to_string(), i + 1, step.origin,
                               done.error().message);
    }
    return std::nullopt;
}

// Makes the client libraries see the machine's own configuration while a scenario that opted in
// is tried, and only then.
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
                       Redactor& redactor, const RunOptions& options) {
    auto start = Clock::now();
    StepOutcome outcome;
    outcome.step = redactor.apply(step.label());
    outcome.mark = step.mark;
    auto deadline = Deadline::in(options.provision_timeout, options.interrupted);
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

} // namespace

RunOutcome run_scenarios(std::span<const Scenario> scenarios, const RunDir& run_dir, ProcessLauncher& launcher,
                         Redactor& redactor, RunObserver& observer, const RunOptions& options) {
    RunOutcome run;
    // One provider per server kind: mysql and mariadb scenarios share the MariaDB one (and its
    // template), since MariaDB serves both locally.
    std::map<std::pair<std::string_view, ProviderKind>, std::unique_ptr<Provider>> providers;
    auto stopped = [&] { return options.interrupted && options.interrupted->load(); };
    auto provider_for = [&](const Database& database) -> Provider& {
        auto& provider = providers[{protocol_of(database.engine), database.provider}];
        if (!provider)
            provider = make_provider(database, run_dir, launcher, options.authority);
        return *provider;
    };
    std::size_t prepared_until = 1; // scenarios before this index were provisioned or prepared
    for (std::size_t index = 0; index < scenarios.size(); ++index) {
        const Scenario& scenario = scenarios[index];
        if (stopped())
            break;
        for (const auto& secret : scenario.secrets)
            redactor.add(secret);
        observer.scenario_started(scenario);
        ScenarioOutcome outcome;
        outcome.file = scenario.file.string();
        outcome.name = scenario.name;
        auto instance = provider_for(scenario.database)
                            .provision(scenario.database, Deadline::in(options.provision_timeout, options.interrupted));
        // Upcoming scenarios' servers come up while this one's candidates are tried.
        for (; prepared_until < std::min(scenarios.size(), index + 1 + k_lookahead); ++prepared_until)
            provider_for(scenarios[prepared_until].database).prepare(scenarios[prepared_until].database);
        if (instance) {
            redactor.add((*instance)->admin("").password);
            outcome.server = (*instance)->description();
            outcome.ready_after = (*instance)->ready_after();
            if (auto problem = apply_setup(scenario, **instance, options))
                outcome.error = redactor.apply(*problem);
        } else {
            outcome.error = redactor.apply(instance.error());
        }
        if (scenario.client_environment == ClientEnvironment::machine)
            outcome.client_environment = "machine";
        observer.scenario_ready(outcome);
        if (!outcome.error) {
            std::vector<HostName> answers_as = scenario.database.answers_as;
            bool tls_required = scenario.database.access.require_tls;
            auto try_phase = [&](std::string_view phase, auto expectation_of) {
                // Only the candidates see the machine's client configuration, never setup or maintenance.
                ClientEnvironmentScope environment(scenario.client_environment);
                for (std::size_t i = 0; i < scenario.candidates.size() && !stopped(); ++i) {
                    const Candidate& candidate = scenario.candidates[i];
                    std::optional<Expectation> expect = expectation_of(candidate);
                    if (!expect)
                        continue;
                    TrialContext context{scenario,     answers_as, (*instance)->route(), (*instance)->certificate(),
                                         tls_required, redactor,   options.interrupted};
                    outcome.candidates.push_back(run_candidate(candidate, *expect, phase, context));
                    observer.candidate_finished(outcome, outcome.candidates.back());
                }
            };
            if (scenario.maintenance.empty()) {
                try_phase("", [](const Candidate& c) { return std::optional<Expectation>(c.expect); });
            } else {
                try_phase("before", [](const Candidate& c) { return c.phases.before; });
                for (const auto& step : scenario.maintenance) {
                    if (stopped())
                        break;
                    outcome.maintenance.push_back(apply_step(step, **instance, answers_as, redactor, options));
                    if (step.kind == MaintenanceStep::Kind::access)
                        tls_required = step.access.require_tls;
                    observer.step_finished(outcome, outcome.maintenance.back());
                    if (!outcome.maintenance.back().ok) {
                        outcome.error = fmt::format("{}: maintenance step failed: {}", step.mark.to_string(),
                                                    outcome.maintenance.back().result);
                        break;
                    }
                }
                if (!outcome.error)
                    try_phase("after", [](const Candidate& c) { return c.phases.after; });
            }
        }
        if (stopped())
            break; // the interrupted scenario is not reported as judged
        run.scenarios.push_back(std::move(outcome));
        observer.scenario_finished(run.scenarios.back());
    }
    run.signal = stopped() ? (received_signal() != 0 ? received_signal() : 2) : 0;
    observer.run_finished(run);
    return run;
}

} // namespace stagegate
