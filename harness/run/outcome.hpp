#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "stagegate/deadline.hpp"
#include "util/redactor.hpp"

namespace stagegate {

struct CheckOutcome {
    enum class Status { pass, fail, skipped };
    std::string check; // Check::label()
    std::string layer; // Check::layer(): what the check proves
    Status status = Status::skipped;
    std::optional<Category> category; // when failed
    Millis elapsed{0};
    std::string message; // when failed: one line, redacted
};

// Returns "pass", "fail" or "skipped".
std::string_view to_string(CheckOutcome::Status status);

// Why a candidate was not tried; its checks are then all `skipped`.
enum class NotRun {
    tried,          // it was tried
    interrupted,    // SIGINT or SIGTERM
    timeout,        // the run's --timeout passed
    fail_fast,      // an earlier candidate failed under --fail-fast
    scenario_error, // the scenario's server or setup failed
};

// Returns the name reports give the reason: "interrupted", "timeout", "fail-fast",
// "scenario-error", and "" for tried.
std::string_view to_string(NotRun reason);

// Returns the reason as a report line says it: "the run was interrupted", "the run's --timeout
// passed", "--fail-fast stopped the run after an earlier failure", "the scenario's server or
// setup failed", and "" for tried.
std::string_view explain(NotRun reason);

struct CandidateOutcome {
    std::string name;
    std::string phase; // "before" or "after" a maintenance, empty without one
    std::string driver;
    Expectation expected;
    bool passed = false;              // every check passed
    std::optional<Category> category; // the first failing step's category
    bool verdict = false;             // the outcome is what the scenario expected
    std::string message;              // one line: what happened (redacted)
    std::string hint;                 // what to do about it
    Millis elapsed{0};
    std::vector<CheckOutcome> checks;
    std::string tls;                      // what the session negotiated: "TLSv1.3 (cipher)" or "none"
    std::vector<std::string> translation; // how a JDBC URL became the native string (redacted)
    std::vector<std::string> warnings;    // weak settings the string has, one line each (redacted)
    SourceMark mark;                      // the candidate in its scenario file
    SourceMark origin;                    // the config file line the string came from (file empty: none)
    NotRun not_run = NotRun::tried;       // why the candidate was not tried, if it was not

    // Returns true unless the candidate was left untried.
    bool tried() const { return not_run == NotRun::tried; }
};

// What one maintenance step did to the running twin.
struct StepOutcome {
    std::string step;   // MaintenanceStep::label() (redacted)
    std::string result; // "done", "reload", "restart (port needs one)", or why it failed (redacted)
    bool ok = false;
    Millis elapsed{0};
    SourceMark mark;
};

// What kept a scenario from being judged: an infrastructure error.
struct ScenarioFailure {
    SourceMark mark;     // the setup or maintenance step it points at; file empty: the server itself
    std::string message; // why (redacted); may span lines

    // Returns "file:line:col: message", or the message alone without a mark.
    std::string to_string() const;
};

struct ScenarioOutcome {
    std::string file;
    std::string name;
    std::string server; // Instance::description()
    Millis ready_after{0};
    std::optional<ScenarioFailure> error;     // infrastructure error: nothing could be judged
    std::string client_environment;           // "machine" when the scenario opted in to the machine's client config
    std::vector<std::string> answers_as;      // the names clients reach its database as: "db.internal:5432"
    std::vector<StepOutcome> maintenance;     // applied between the before and after phases
    std::vector<CandidateOutcome> candidates; // without maintenance; else before-phase ones, then after-phase ones
                                              // (every candidate is listed, tried or not: see not_run)

    // Returns true when no infrastructure error occurred and every candidate met its expectation.
    bool verdict() const;
};

struct RunOutcome {
    std::vector<ScenarioOutcome> scenarios; // in the order of the scenarios given, whatever the concurrency
    int signal = 0;                         // SIGINT/SIGTERM when the run was interrupted
    bool timed_out = false;                 // the run's --timeout passed before every candidate was tried
    bool stopped_early = false;             // --fail-fast stopped the run after a failure

    // Returns true when every scenario met its expectations.
    bool verdict() const;
    // Returns the exit code of docs/exit-codes.md: 0, 1, 3, or 128+signal.
    int exit_code() const;
};

// The secrets boundary of a run: cuts every secret `redactor` knows from every string of the
// outcome, in place. The executor passes each part through it before any observer sees it, and
// the whole outcome again at the end (secrets learned late), so reporters and report files are
// handed text without secrets and hold no redactor. A string field added to the outcome model is
// added here, in the one function of its struct.
void redact(CheckOutcome& check, const Redactor& redactor);
void redact(CandidateOutcome& candidate, const Redactor& redactor);
void redact(StepOutcome& step, const Redactor& redactor);
// Cuts the scenario's own strings; its candidates and steps only with `parts`.
void redact(ScenarioOutcome& scenario, const Redactor& redactor, bool parts);
void redact(RunOutcome& run, const Redactor& redactor);

// How far a run is, for progress lines: trials finished, in flight, and how many failed.
struct Progress {
    std::size_t done = 0;
    std::size_t total = 0;
    std::size_t running = 0;
    std::size_t failed = 0; // expectations not met so far
};

// Receives run events; reporters are observers. What they receive holds no secret (redact()).
// Calls never overlap (the runner serialises them
// whatever --jobs says), and scenario events arrive in scenario order: a scenario's events are
// held back until every scenario before it has finished, so reports read the same at any
// concurrency. progress() is the exception: it comes as trials finish, in any order.
class RunObserver {
  public:
    virtual ~RunObserver() = default;
    // A scenario's events begin: its name, file and answers_as are known, nothing else yet.
    virtual void scenario_started(const ScenarioOutcome& outcome) = 0;
    // The server is up and set up (or failed: outcome.error).
    virtual void scenario_ready(const ScenarioOutcome& outcome) = 0;
    virtual void candidate_finished(const ScenarioOutcome& scenario, const CandidateOutcome& candidate) = 0;
    // A maintenance step was applied (or failed: then the scenario ends with an error).
    virtual void step_finished(const ScenarioOutcome& scenario, const StepOutcome& step) = 0;
    virtual void scenario_finished(const ScenarioOutcome& outcome) = 0;
    virtual void run_finished(const RunOutcome& outcome) = 0;
    // A trial finished somewhere in the run (not necessarily in the scenario being reported).
    virtual void progress(const Progress& progress) { (void)progress; }
};

} // namespace stagegate
