#pragma once

#include <filesystem>
#include <optional>
#include <span>

#include "provision/provider.hpp"
#include "run/host_map.hpp"
#include "run/outcome.hpp"
#include "util/redactor.hpp"

namespace stagegate {

// How long a candidate's login may take when its connect check names no `within_ms`.
inline constexpr Millis k_default_connect_deadline{10000};

// What a candidate is tried against: the scenario, the names its database answers as right now
// (a maintenance step may move them), and the throwaway server behind them.
struct TrialContext {
    const Scenario& scenario;
    std::span<const HostName> answers_as;
    Route server;
    std::optional<std::filesystem::path> certificate; // the server's, when it serves TLS
    bool tls_required = false;                        // the server's access rules refuse plaintext logins now
    Redactor& redactor;
    const std::atomic<bool>* interrupted = nullptr;
    DeadEnds dead{}; // database.unreachable, and where those names lead
};

// The candidate string and how it was made: read from the scenario or the application's config
// file (one key, or several composed), with a JDBC URL translated for the native client.
struct CandidateText {
    std::string text;
    std::vector<std::string> translation; // "jdbc part -> native part" lines, secrets masked
    std::vector<std::string> secrets;     // passwords met on the way (string_secrets of every string read)
    SourceMark origin;                    // the config file line of the (first) key read; file empty: none
};

// Base64 text at least this long is decoded to look for password fields in it.
inline constexpr std::size_t k_shortest_encoded_string = 12;

// Returns every password a candidate string may hold, whether or not it parses: its password
// fields (stagegate/secret_fields.hpp), also inside base64 text it carries (a Kubernetes Secret's
// data read as it stands). Every secret the redactor learns about a string comes from here.
std::vector<std::string> string_secrets(std::string_view text);

// Returns the candidate string, or a `config` failure naming the file, key and reason; strings
// composed from separate keys are written for `protocol` (the scenario engine's).
Result<CandidateText> candidate_text(const Candidate& candidate, std::string_view protocol);

// PostgreSQL service files are looked up by libpq itself, in the file PGSERVICEFILE names: while
// a `from: {service: ...}` candidate is read and tried, the variable points at its file, and back
// at the stand-in afterwards. Not thread-safe (the environment): candidates are tried one at a time.
class ServiceFileScope {
  public:
    explicit ServiceFileScope(const Candidate& candidate);
    ~ServiceFileScope();
    ServiceFileScope(const ServiceFileScope&) = delete;
    ServiceFileScope& operator=(const ServiceFileScope&) = delete;

  private:
    bool m_active;
    std::string m_before;
};

// The steps of the candidate pipeline, in order: where a candidate that fails before it logs in
// stopped.
enum class PipelineStep {
    source, // its string could not be read (config file, composed keys, JDBC translation)
    parse,  // its driver refuses the string
    route,  // an endpoint leads nowhere the scenario knows, or the protocol is not the engine's
    policy, // the scenario's TLS policy refuses it
};

// Why a candidate stopped in the pipeline, and at which step.
struct PipelineFailure {
    PipelineStep step = PipelineStep::source;
    Failure failure;
};

// A candidate's string read and parsed as its client reads it: the first half of the candidate
// pipeline, which run, lint, drill, diff and explain share.
struct ReadCandidate {
    const Driver* driver = nullptr;
    CandidateText text;
    ParsedCandidate parsed;
};

// Reads the candidate's string (candidate_text; strings composed from separate keys are written
// for `protocol`) and has its driver parse it. Every secret met is registered with `secrets`
// before any message is built. `origin`, when given, learns the config file line the string came
// from even when it then fails to parse.
std::expected<ReadCandidate, PipelineFailure> read_candidate(const Candidate& candidate, std::string_view protocol,
                                                             Redactor& secrets, SourceMark* origin = nullptr);

// A candidate read, then routed to the twin and held to the scenario's TLS policy: everything a
// trial does before it logs in, and everything `lint` checks.
struct PreparedCandidate : ReadCandidate {
    std::vector<Route> routes; // one per endpoint, in the client's order
};

// The whole pipeline short of the login: read_candidate, route_candidate (run/host_map.hpp) with
// the context's names and routes, then tls_policy.
std::expected<PreparedCandidate, PipelineFailure>
prepare_candidate(const Candidate& candidate, const TrialContext& context, SourceMark* origin = nullptr);

// Returns a `tls` failure when the scenario requires clients to verify the server and the string
// does not (sslmode=prefer/require, ssl-mode=REQUIRED, ...); run and lint both apply it.
std::optional<Failure> tls_policy(const ParsedCandidate& parsed, const Database& database);

// Returns true when the candidate's string names a host of the scenario's database.unreachable
// (read and parsed, never connected): its login will mostly wait, so it needs no worker.
bool names_unreachable_host(const Candidate& candidate, const TrialContext& context);

// Tries one candidate: reads its string, parses it with its driver, routes its hosts, logs in,
// runs its checks, and judges the result against `expect` (its expectation for `phase`: "",
// "before" or "after"). Every secret met on the way is registered with the redactor before any
// message is built. Never throws for candidate trouble: it all ends up in the outcome.
CandidateOutcome run_candidate(const Candidate& candidate, const Expectation& expect, std::string_view phase,
                               const TrialContext& context);

} // namespace stagegate
