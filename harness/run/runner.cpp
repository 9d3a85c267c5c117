#include "run/runner.hpp"

#include "provision/provider.hpp"
#include "run/candidate_runner.hpp"
#include "run/signals.hpp"

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
            provider = make_provider(database, run_dir, launcher);
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
        observer.scenario_ready(outcome);
        for (std::size_t i = 0; !outcome.error && i < scenario.candidates.size() && !stopped(); ++i) {
            outcome.candidates.push_back(run_candidate(scenario.candidates[i], scenario.database, (*instance)->route(),
                                                       redactor, options.interrupted));
            observer.candidate_finished(outcome, outcome.candidates.back());
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
