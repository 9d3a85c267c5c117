// The run's scheduling without a server: execute() with a fake provider, fake trials and a fake
// clock. Jobs, one-at-a-time and exclusive scenarios, fail-fast, the run's timeout, an
// interruption, server sharing and the file order of observer events. Each case takes
// milliseconds; every wait here is bounded, so a scheduling bug fails a check instead of hanging.
#include <doctest/doctest.h>

#include "run/executor.hpp"
#include "run/plan.hpp"
#include "stagegate/driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

using namespace stagegate;

namespace {

constexpr auto k_patience = std::chrono::seconds(2); // no wait in these tests should come near it

// What the fakes saw, shared by the provider, its instances and the trials.
struct World {
    std::mutex mutex;
    std::condition_variable changed;
    int live_instances = 0;
    int provisions = 0;
    std::vector<std::string> released;    // scenario names whose server was handed back to the provider
    std::vector<std::string> trial_order; // "scenario/candidate" as trials end
    std::map<std::string, int> running;   // trials in flight per scenario
    int running_total = 0;                // trials in flight in the run
    int most_running = 0;                 // the most trials in flight at once
    std::map<std::string, int> most_in;   // per scenario
    int exclusive_running = 0;            // trials of service candidates in flight
    bool other_ran_beside_exclusive = false;
    std::set<std::string> fail_provision;  // scenario names whose server does not start
    std::atomic<Clock::rep> clock{0};      // the fake clock's reading
    std::atomic<bool> interrupted{false};  // the fake SIGINT
    std::set<std::string> finished_trials; // "scenario/candidate" of trials over

    // Waits until `done` holds or the patience runs out; returns whether it holds.
    template <typename Predicate> bool wait(std::unique_lock<std::mutex>& lock, Predicate done) {
        return changed.wait_for(lock, k_patience, done);
    }
};

class FakeInstance : public Instance {
  public:
    FakeInstance(World& world, std::string scenario) : m_world(world), m_scenario(std::move(scenario)) {
        std::lock_guard lock(m_world.mutex);
        ++m_world.live_instances;
    }
    ~FakeInstance() override {
        std::lock_guard lock(m_world.mutex);
        --m_world.live_instances;
    }
    AdminLogin admin(const std::string& database) const override {
        return AdminLogin{"postgresql", "", 0, "", "", database, false};
    }
    const Driver& admin_driver() const override { return *find_driver("libpq"); }
    Route route() const override { return Route{"127.0.0.1", 1}; }
    std::string description() const override { return "fake server of " + m_scenario; }
    Millis ready_after() const override { return Millis{1}; }
    std::unique_ptr<Session> take_admin_session() override { return nullptr; }
    std::expected<std::string, std::string> change_settings(const Settings&, const Deadline&) override {
        return "reload";
    }
    const std::string& scenario() const { return m_scenario; }

  private:
    World& m_world;
    std::string m_scenario;
};

// Starts a fake server per scenario (named after the scenario's folder) and keeps those handed back.
class FakeProvider : public Provider {
  public:
    explicit FakeProvider(World& world) : m_world(world) {}
    std::expected<std::unique_ptr<Instance>, std::string> provision(const Database& database,
                                                                    const Deadline&) override {
        std::string name = database.folder.string();
        {
            std::lock_guard lock(m_world.mutex);
            ++m_world.provisions;
            if (m_world.fail_provision.contains(name))
                return std::unexpected("the fake server of " + name + " did not start");
        }
        return std::make_unique<FakeInstance>(m_world, name);
    }
    void prepare(const Database&) override {}
    void release(std::unique_ptr<Instance> instance) override {
        std::this_thread::sleep_for(Millis(5)); // a server takes a while to stop: an exclusive trial must wait
        std::lock_guard lock(m_world.mutex);
        if (m_world.exclusive_running > 0)
            m_world.other_ran_beside_exclusive = true; // stopping a server reads the environment
        m_world.released.push_back(static_cast<FakeInstance&>(*instance).scenario());
        m_kept.push_back(std::move(instance));
    }
    bool thread_safe() const override { return true; }

  private:
    World& m_world;
    std::vector<std::unique_ptr<Instance>> m_kept; // destroyed with the provider
};

// A fake trial does what its candidate's name says, after the first '-':
//   pass, fail          ends at once, meeting its expectation or not
//   rendezvous-N        waits until N trials of its scenario have run at once (or the patience
//                       runs out), then passes
//   after-X             waits until the trial "X" (scenario/candidate) is over, then passes
//   sleep-MS            passes after MS milliseconds of real time
//   tick-MS             moves the fake clock MS milliseconds on, waits for the halt, then fails
//   interrupt           raises the fake SIGINT, waits for the halt, then fails
CandidateOutcome fake_trial(World& world, const std::string& scenario, const Candidate& candidate,
                            const Expectation& expect, std::string_view phase, const TrialContext& context) {
    std::string id = scenario + "/" + candidate.name;
    std::string what = candidate.name.substr(candidate.name.find('-') + 1);
    std::unique_lock lock(world.mutex);
    bool exclusive = !candidate.source.service.empty();
    int in_scenario = ++world.running[scenario];
    ++world.running_total;
    if (exclusive ? world.running_total > 1 : world.exclusive_running > 0)
        world.other_ran_beside_exclusive = true;
    world.exclusive_running += exclusive ? 1 : 0;
    world.most_running = std::max(world.most_running, world.running_total);
    world.most_in[scenario] = std::max(world.most_in[scenario], in_scenario);
    world.changed.notify_all();
    bool passed = what != "fail";
    if (what.starts_with("rendezvous-")) {
        int wanted = std::stoi(what.substr(11));
        world.wait(lock, [&] { return world.most_in[scenario] >= wanted; });
    } else if (what.starts_with("sleep-")) {
        lock.unlock();
        std::this_thread::sleep_for(Millis(std::stoi(what.substr(6))));
        lock.lock();
    } else if (what.starts_with("after-")) {
        std::string other = what.substr(6);
        world.wait(lock, [&] { return world.finished_trials.contains(other); });
    } else if (what.starts_with("tick-") || what == "interrupt") {
        if (what == "interrupt")
            world.interrupted.store(true);
        else
            world.clock += std::chrono::duration_cast<Clock::duration>(Millis(std::stoi(what.substr(5)))).count();
        lock.unlock();
        auto until = Clock::now() + k_patience;
        while (!context.interrupted->load() && Clock::now() < until)
            std::this_thread::sleep_for(Millis(1));
        lock.lock();
        passed = false;
    }
    world.exclusive_running -= exclusive ? 1 : 0;
    --world.running[scenario];
    --world.running_total;
    world.trial_order.push_back(id);
    world.finished_trials.insert(id);
    world.changed.notify_all();

    CandidateOutcome outcome;
    outcome.name = candidate.name;
    outcome.phase = std::string(phase);
    outcome.expected = expect;
    outcome.passed = passed;
    outcome.category = passed ? std::nullopt : std::optional(Category::auth);
    outcome.verdict = expect.met_by(outcome.category);
    outcome.message = passed ? "connected" : "password authentication failed";
    for (const auto& check : candidate.checks)
        outcome.checks.push_back(CheckOutcome{check.label(), std::string(check.layer()),
                                              passed ? CheckOutcome::Status::pass : CheckOutcome::Status::fail,
                                              std::nullopt, Millis{0}, ""});
    return outcome;
}

// Writes every event down as one line, and checks that no server is up when the run is reported.
class Recorder : public RunObserver {
  public:
    explicit Recorder(World& world) : m_world(world) {}
    void scenario_started(const ScenarioOutcome& outcome) override { events.push_back("start " + outcome.name); }
    void scenario_ready(const ScenarioOutcome& outcome) override {
        events.push_back("ready " + outcome.name + (outcome.error ? " (error)" : ""));
        seen += outcome.name + (outcome.error ? outcome.error->message : "") + "\n";
    }
    void candidate_finished(const ScenarioOutcome& scenario, const CandidateOutcome& candidate) override {
        std::string phase = candidate.phase.empty() ? "" : candidate.phase + " ";
        seen += candidate.name + candidate.message + "\n";
        events.push_back(fmt::format("{}{}/{} {}", phase, scenario.name, candidate.name,
                                     candidate.tried() ? (candidate.verdict ? "met" : "unmet")
                                                       : std::string(to_string(candidate.not_run))));
    }
    void step_finished(const ScenarioOutcome& scenario, const StepOutcome& step) override {
        events.push_back(fmt::format("step {} {}", scenario.name, step.result));
    }
    void scenario_finished(const ScenarioOutcome& outcome) override { events.push_back("finish " + outcome.name); }
    void run_finished(const RunOutcome&) override {
        std::lock_guard lock(m_world.mutex);
        servers_up_at_the_end = m_world.live_instances;
    }
    void progress(const Progress& progress) override { last_progress = progress; }

    std::vector<std::string> events;
    std::string seen; // names and messages as told
    int servers_up_at_the_end = -1;
    Progress last_progress;

  private:
    World& m_world;
};

Candidate candidate(std::string name, std::vector<Check::Spec> checks = {}) {
    Candidate c;
    c.name = std::move(name);
    c.driver = "libpq";
    c.checks.push_back(Check{});
    for (auto& spec : checks) {
        Check check;
        check.spec = std::move(spec);
        c.checks.push_back(std::move(check));
    }
    return c;
}

Scenario scenario(std::string name, std::vector<Candidate> candidates) {
    Scenario s;
    s.name = name;
    s.file = name + ".yaml";
    s.database.folder = name;
    s.candidates = std::move(candidates);
    return s;
}

// A scenario with one maintenance step (a settings change the fake applies) between its phases.
Scenario maintained(std::string name, std::vector<Candidate> candidates) {
    Scenario s = scenario(std::move(name), std::move(candidates));
    MaintenanceStep step;
    step.kind = MaintenanceStep::Kind::settings;
    step.settings.push_back({"work_mem", "8MB"});
    s.maintenance.push_back(step);
    for (auto& c : s.candidates)
        c.phases = Phases{Expectation{}, Expectation{}};
    return s;
}

struct Fixture {
    World world;
    Redactor redactor;
    Recorder recorder{world};
    RunOptions options;

    RunOutcome run(const std::vector<Scenario>& scenarios) {
        RunServices services{
            [this](const Database&) { return std::make_unique<FakeProvider>(world); },
            [this](const Candidate& c, const Expectation& expect, std::string_view phase, const TrialContext& context) {
                return fake_trial(world, context.scenario.name, c, expect, phase, context);
            },
            [this] { return Clock::time_point(Clock::duration(world.clock.load())); },
        };
        options.interrupted = &world.interrupted;
        auto start = Clock::now();
        RunOutcome outcome = execute(scenarios, services, redactor, recorder, options);
        CHECK(Clock::now() - start < k_patience); // no bounded wait ran out
        CHECK(recorder.servers_up_at_the_end == 0);
        return outcome;
    }
};

std::vector<NotRun> reasons(const ScenarioOutcome& outcome) {
    std::vector<NotRun> found;
    for (const auto& c : outcome.candidates)
        found.push_back(c.not_run);
    return found;
}

} // namespace

TEST_SUITE("scheduler") {
    TEST_CASE("--jobs bounds the trials in flight, across a scenario's candidates") {
        for (unsigned jobs : {1u, 2u, 3u}) {
            CAPTURE(jobs);
            Fixture f;
            f.options.jobs = jobs;
            std::string wanted = fmt::format("c-rendezvous-{}", jobs);
            std::vector<Candidate> candidates;
            for (int i = 0; i < 6; ++i)
                candidates.push_back(candidate(fmt::format("{}{}", i, wanted)));
            RunOutcome outcome = f.run({scenario("s", candidates)});
            CHECK(f.world.most_running == static_cast<int>(jobs));
            CHECK(outcome.exit_code() == 0);
            CHECK(f.recorder.last_progress.done == 6);
            CHECK(f.recorder.last_progress.total == 6);
        }
    }

    TEST_CASE("a scenario whose checks could disturb each other is tried one candidate at a time") {
        Fixture f;
        f.options.jobs = 4;
        Scenario pooled = scenario(
            "pooled", {candidate("a-sleep-10", {PoolCheck{}}), candidate("b-sleep-10"), candidate("c-sleep-10")});
        Scenario plain = scenario("plain", {candidate("a-rendezvous-2"), candidate("b-rendezvous-2")});
        RunOutcome outcome = f.run({pooled, plain});
        CHECK(f.world.most_in["pooled"] == 1);
        CHECK(f.world.most_in["plain"] == 2);
        CHECK(outcome.exit_code() == 0);
    }

    TEST_CASE("a scenario that switches the process environment runs its trials alone in the run, servers "
              "stopping included") {
        Fixture f;
        f.options.jobs = 4;
        Candidate service = candidate("svc-sleep-20");
        service.source.service = "app";
        Scenario exclusive = scenario("exclusive", {service});
        Scenario busy = scenario("busy", {candidate("a-pass"), candidate("b-pass"), candidate("c-pass")});
        RunOutcome outcome = f.run({busy, exclusive, busy, exclusive});
        CHECK_FALSE(f.world.other_ran_beside_exclusive);
        CHECK(f.world.released.size() == 4);
        CHECK(outcome.exit_code() == 0);
    }

    TEST_CASE("--fail-fast starts nothing after the first unmet expectation, and says why") {
        Fixture f;
        f.options.fail_fast = true;
        RunOutcome outcome = f.run({scenario("first", {candidate("a-pass"), candidate("b-fail"), candidate("c-pass")}),
                                    scenario("second", {candidate("a-pass")})});
        CHECK(reasons(outcome.scenarios[0]) == std::vector{NotRun::tried, NotRun::tried, NotRun::fail_fast});
        CHECK(reasons(outcome.scenarios[1]) == std::vector{NotRun::fail_fast});
        CHECK(f.world.trial_order == std::vector<std::string>{"first/a-pass", "first/b-fail"});
        CHECK(outcome.stopped_early);
        CHECK(outcome.exit_code() == 1);
        CHECK(f.recorder.events.back() == "finish second");
    }

    TEST_CASE("without --fail-fast a failure stops nothing") {
        Fixture f;
        RunOutcome outcome = f.run(
            {scenario("first", {candidate("a-fail"), candidate("b-pass")}), scenario("second", {candidate("a-pass")})});
        CHECK(f.world.trial_order.size() == 3);
        CHECK_FALSE(outcome.stopped_early);
        CHECK(outcome.exit_code() == 1);
    }

    TEST_CASE("the run's timeout, on its clock, cuts the trial in flight short and leaves the rest untried") {
        Fixture f;
        f.options.timeout = Millis(10000);
        RunOutcome outcome =
            f.run({scenario("s", {candidate("a-pass"), candidate("b-tick-10001"), candidate("c-pass")}),
                   scenario("t", {candidate("a-pass")})});
        CHECK(reasons(outcome.scenarios[0]) == std::vector{NotRun::tried, NotRun::timeout, NotRun::timeout});
        CHECK(reasons(outcome.scenarios[1]) == std::vector{NotRun::timeout});
        CHECK(outcome.scenarios[0].candidates[1].message == "not tried: the run's --timeout passed");
        CHECK(outcome.timed_out);
        CHECK(outcome.exit_code() == 3);
    }

    TEST_CASE("the timeout is measured on the run's clock, not on the wall") {
        Fixture f;
        f.options.timeout = Millis(1);
        // 50 ms pass on the wall, none on the fake clock: the run is not timed out.
        RunOutcome outcome = f.run({scenario("s", {candidate("a-sleep-50"), candidate("b-pass")})});
        CHECK_FALSE(outcome.timed_out);
        CHECK(outcome.exit_code() == 0);
    }

    TEST_CASE("an interruption marks the trial in flight and the rest interrupted, and exits 130") {
        Fixture f;
        RunOutcome outcome =
            f.run({scenario("s", {candidate("a-pass"), candidate("b-interrupt"), candidate("c-pass")})});
        CHECK(reasons(outcome.scenarios[0]) == std::vector{NotRun::tried, NotRun::interrupted, NotRun::interrupted});
        CHECK(outcome.signal == 2);
        CHECK(outcome.exit_code() == 130);
    }

    TEST_CASE("a server that does not start fails its scenario only, and the others run") {
        Fixture f;
        f.world.fail_provision.insert("broken");
        RunOutcome outcome = f.run(
            {scenario("broken", {candidate("a-pass"), candidate("b-pass")}), scenario("fine", {candidate("a-pass")})});
        REQUIRE(outcome.scenarios[0].error);
        CHECK(outcome.scenarios[0].error->message == "the fake server of broken did not start");
        CHECK(reasons(outcome.scenarios[0]) == std::vector{NotRun::scenario_error, NotRun::scenario_error});
        CHECK(reasons(outcome.scenarios[1]) == std::vector{NotRun::tried});
        CHECK(outcome.exit_code() == 3);
        CHECK(f.recorder.events ==
              std::vector<std::string>{"start broken", "ready broken (error)", "broken/a-pass scenario-error",
                                       "broken/b-pass scenario-error", "finish broken", "start fine", "ready fine",
                                       "fine/a-pass met", "finish fine"});
    }

    TEST_CASE(
        "servers of plain scenarios go back to the provider, a maintained one is stopped, and none outlive the run") {
        Fixture f;
        RunOutcome outcome =
            f.run({scenario("plain", {candidate("a-pass")}), maintained("changed", {candidate("a-pass")}),
                   scenario("other", {candidate("a-pass")})});
        CHECK(outcome.exit_code() == 0);
        std::sort(f.world.released.begin(), f.world.released.end());
        CHECK(f.world.released == std::vector<std::string>{"other", "plain"});
        CHECK(f.world.provisions == 3);
    }

    TEST_CASE("events come in file order whatever order the trials end in") {
        Fixture f;
        f.options.jobs = 3;
        RunOutcome outcome = f.run({scenario("one", {candidate("a-after-two/a-pass"), candidate("b-pass")}),
                                    scenario("two", {candidate("a-pass")})});
        CHECK(outcome.exit_code() == 0);
        REQUIRE(f.world.trial_order.size() == 3);
        CHECK(std::find(f.world.trial_order.begin(), f.world.trial_order.end(), "two/a-pass") <
              std::find(f.world.trial_order.begin(), f.world.trial_order.end(), "one/a-after-two/a-pass"));
        CHECK(f.recorder.events == std::vector<std::string>{"start one", "ready one", "one/a-after-two/a-pass met",
                                                            "one/b-pass met", "finish one", "start two", "ready two",
                                                            "two/a-pass met", "finish two"});
    }

    TEST_CASE("observers and the outcome see no secret: each part passes the boundary before it is told") {
        Fixture f;
        Scenario failing = scenario("failing", {candidate("a-pass")});
        failing.database.folder = "hunter2-secret"; // the fake's error names its folder
        failing.secrets = {"hunter2-secret"};
        f.world.fail_provision.insert("hunter2-secret");
        Scenario named = scenario("named", {candidate("a-pass-hunter2-secret"), candidate("b-fail")});
        RunOutcome outcome = f.run({failing, named});
        CHECK(f.recorder.seen.find("hunter2-secret") == std::string::npos);
        CHECK(f.recorder.seen.find("the fake server of ******** did not start") != std::string::npos);
        CHECK(f.recorder.seen.find("a-pass-********") != std::string::npos);
        REQUIRE(outcome.scenarios[0].error);
        CHECK(outcome.scenarios[0].error->message == "the fake server of ******** did not start");
        CHECK(outcome.scenarios[1].candidates[0].name == "a-pass-********");
    }

    TEST_CASE("a maintained scenario reports its before phase, its steps, then its after phase") {
        Fixture f;
        f.options.jobs = 2;
        RunOutcome outcome = f.run({maintained("m", {candidate("a-pass"), candidate("b-pass")})});
        CHECK(outcome.exit_code() == 0);
        CHECK(f.recorder.events == std::vector<std::string>{"start m", "ready m", "before m/a-pass met",
                                                            "before m/b-pass met", "step m reload",
                                                            "after m/a-pass met", "after m/b-pass met", "finish m"});
    }
}
