#include "run/candidate_runner.hpp"

#include "provision/tls_material.hpp"
#include "run/checks.hpp"
#include "run/host_map.hpp"
#include "scenario/config_file.hpp"
#include "scenario/jdbc.hpp"
#include "stagegate/secret_fields.hpp"
#include "util/overloaded.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace stagegate {

namespace {

Millis since(Clock::time_point start) {
    return std::chrono::duration_cast<Millis>(Clock::now() - start);
}

Failure config_failure(std::string message, std::string hint) {
    return Failure{Category::config, std::move(message), std::move(hint), {}, 0};
}

} // namespace

std::optional<Failure> tls_policy(const ParsedCandidate& parsed, const Database& database) {
    if (!database.tls.clients_must_verify)
        return std::nullopt;
    std::string why;
    switch (parsed.tls) {
    case TlsIntent::none:
        why = "turns TLS off: credentials and data travel in plaintext";
        break;
    case TlsIntent::opportunistic:
        why = "falls back to plaintext without a word and never checks the server's certificate";
        break;
    case TlsIntent::encrypted:
        why = "encrypts but never checks who answers: anyone in the path can pose as the server";
        break;
    case TlsIntent::verify_ca:
        why = "checks the certificate's CA but not its name: any server with a certificate from that CA passes";
        break;
    case TlsIntent::verify_full:
    case TlsIntent::not_applicable:
        return std::nullopt;
    }
    bool postgres = parsed.protocol == "postgresql";
    return Failure{Category::tls,
                   fmt::format("{} {}; the scenario requires clients to verify the server", parsed.tls_setting, why),
                   postgres ? "use sslmode=verify-full with sslrootcert=<the CA file>"
                            : "use ssl-mode=VERIFY_IDENTITY with ssl-ca=<the CA file>",
                   {},
                   0};
}

namespace {

// MySQL clients are handed the twin's address, not the application's host name, so they cannot
// check the name in the certificate: stagegate checks it against the certificate the twin presents.
std::optional<Failure> name_check(const ParsedCandidate& parsed, const TrialContext& context) {
    if (parsed.protocol != "mysql" || !context.certificate || parsed.tls != TlsIntent::verify_full)
        return std::nullopt;
    for (const auto& endpoint : parsed.endpoints) {
        if (certificate_matches_host(*context.certificate, endpoint.host))
            continue;
        auto described = describe_certificate(*context.certificate);
        return Failure{Category::tls,
                       fmt::format("the server's certificate is not valid for {} ({})", endpoint.host,
                                   described ? *described : described.error()),
                       "the certificate must name the host the application connects to; fix the certificate or "
                       "the host name",
                       {},
                       0};
    }
    return std::nullopt;
}

class Trial {
  public:
    Trial(const Candidate& candidate, const Expectation& expect, std::string_view phase, Redactor& redactor)
        : m_expect(expect), m_redactor(redactor) {
        for (const auto& check : candidate.checks)
            m_outcome.checks.push_back(
                {check.label(), std::string(check.layer()), CheckOutcome::Status::skipped, {}, {}, {}});
        m_outcome.name = candidate.name;
        m_outcome.phase = std::string(phase);
        m_outcome.driver = candidate.driver;
        m_outcome.expected = expect;
        m_outcome.mark = candidate.mark;
    }

    CandidateOutcome& outcome() { return m_outcome; }

    // Records the failure of check `index` (the first failure decides the outcome).
    void failed(std::size_t index, const Failure& failure, Millis elapsed) {
        auto& check = m_outcome.checks.at(index);
        check.status = CheckOutcome::Status::fail;
        check.category = failure.category;
        check.elapsed = elapsed;
        check.message = m_redactor.apply(failure.message);
        m_failure = failure;
    }

    void passed(std::size_t index, Millis elapsed) {
        m_outcome.checks.at(index).status = CheckOutcome::Status::pass;
        m_outcome.checks.at(index).elapsed = elapsed;
    }

    void negotiated(const TlsState& tls) {
        m_outcome.tls = tls.in_use ? fmt::format("{} ({})", tls.version, tls.cipher) : "none";
    }

    CandidateOutcome finish(Millis elapsed) {
        m_outcome.elapsed = elapsed;
        m_outcome.passed = !m_failure;
        m_outcome.verdict = m_expect.met_by(m_failure ? std::optional(m_failure->category) : std::nullopt);
        if (!m_failure) {
            m_outcome.message = m_expect.pass ? "every check passed"
                                              : fmt::format("expected to fail with {}, but every check passed",
                                                            to_string(m_expect.category));
            if (!m_expect.pass)
                m_outcome.hint = "the gate would let this config through: check the scenario";
            return m_outcome;
        }
        m_outcome.category = m_failure->category;
        std::string message = m_redactor.apply(m_failure->message);
        if (m_expect.pass || m_outcome.verdict)
            m_outcome.message = message;
        else
            m_outcome.message = fmt::format("expected to fail with {}, failed with {}: {}",
                                            to_string(m_expect.category), to_string(m_failure->category), message);
        m_outcome.hint = m_redactor.apply(m_failure->hint);
        return m_outcome;
    }

  private:
    const Expectation& m_expect;
    Redactor& m_redactor;
    CandidateOutcome m_outcome;
    std::optional<Failure> m_failure;
};

using Prepared = PreparedCandidate;

// prepare_candidate for a trial: `origin` learns the config file line even when the string fails.
Result<Prepared> prepare(const Candidate& candidate, const TrialContext& context, SourceMark& origin) {
    auto prepared = prepare_candidate(candidate, context, &origin);
    if (!prepared)
        return std::unexpected(prepared.error().failure);
    return std::move(*prepared);
}

Result<std::unique_ptr<Session>> open(const Prepared& prepared, const TrialContext& context, const Deadline& deadline) {
    auto session = prepared.driver->connect(prepared.parsed, prepared.routes, deadline);
    if (!session)
        return session;
    if (auto wrong = name_check(prepared.parsed, context))
        return std::unexpected(*wrong);
    return session;
}

// identity: the candidate lands where the reference candidate lands.
std::optional<Failure> check_identity(const IdentityCheck& check, Session& session, const TrialContext& context,
                                      const Deadline& deadline) {
    const auto& candidates = context.scenario.candidates;
    auto reference =
        std::find_if(candidates.begin(), candidates.end(), [&](const auto& c) { return c.name == check.same_as; });
    Engine engine = context.scenario.database.engine;
    auto mine = whereabouts(engine, session, deadline);
    if (!mine)
        return mine.error();
    ServiceFileScope service(*reference);
    SourceMark origin;
    auto prepared = prepare(*reference, context, origin);
    if (!prepared)
        return Failure{Category::expectation,
                       fmt::format("the reference \"{}\" cannot be tried: {}", check.same_as, prepared.error().message),
                       "fix the reference candidate first",
                       {},
                       0};
    auto other = open(*prepared, context, deadline);
    if (!other)
        return Failure{Category::expectation,
                       fmt::format("the reference \"{}\" cannot log in: {}", check.same_as, other.error().message),
                       "fix the reference candidate first",
                       {},
                       0};
    auto theirs = whereabouts(engine, **other, deadline);
    if (!theirs)
        return theirs.error();
    if (mine->server != theirs->server || mine->database != theirs->database)
        return Failure{Category::expectation,
                       fmt::format("lands on database {} at {}, but \"{}\" lands on database {} at {}", mine->database,
                                   mine->server, check.same_as, theirs->database, theirs->server),
                       "the config connects, but to another database than the reference: check dbname and host",
                       {},
                       0};
    return std::nullopt;
}

// pool: `size` sessions open at the same time, and the server keeps `headroom` connections free.
std::optional<Failure> check_pool(const PoolCheck& check, Session& session, const Prepared& prepared,
                                  const TrialContext& context, const Deadline& deadline) {
    std::vector<std::unique_ptr<Session>> sessions(static_cast<std::size_t>(check.size - 1));
    std::vector<std::optional<Failure>> failures(sessions.size());
    {
        std::vector<std::jthread> threads;
        for (std::size_t i = 0; i < sessions.size(); ++i) {
            threads.emplace_back([&, i] {
                auto opened = prepared.driver->connect(prepared.parsed, prepared.routes, deadline);
                if (opened)
                    sessions[i] = std::move(*opened);
                else
                    failures[i] = opened.error();
            });
        }
    }
    long failed = std::count_if(failures.begin(), failures.end(), [](const auto& f) { return f.has_value(); });
    if (failed > 0) {
        Failure first = **std::find_if(failures.begin(), failures.end(), [](const auto& f) { return f.has_value(); });
        first.message =
            fmt::format("{} of {} concurrent sessions failed; the first: {}", failed, check.size, first.message);
        return first;
    }
    auto limits = capacity(context.scenario.database.engine, session, deadline);
    if (!limits)
        return limits.error();
    long usable = limits->max_connections - limits->reserved;
    if (check.size + check.headroom > usable)
        return Failure{Category::expectation,
                       fmt::format("a pool of {} with {} spare needs {} connections, but the server allows {} "
                                   "(max_connections {}{}; {} open now, the pool's included)",
                                   check.size, check.headroom, check.size + check.headroom, usable,
                                   limits->max_connections,
                                   limits->reserved > 0 ? fmt::format(", {} reserved for superusers", limits->reserved)
                                                        : std::string(),
                                   limits->open),
                       "raise max_connections or shrink the pool",
                       {},
                       0};
    return std::nullopt;
}

} // namespace

ServiceFileScope::ServiceFileScope(const Candidate& candidate)
    : m_active(!candidate.source.service.empty()),
      m_before(std::getenv("PGSERVICEFILE") ? std::getenv("PGSERVICEFILE") : "") {
    if (m_active)
        ::setenv("PGSERVICEFILE", candidate.source.file.c_str(), 1);
}

ServiceFileScope::~ServiceFileScope() {
    if (m_active && m_before.empty())
        ::unsetenv("PGSERVICEFILE");
    else if (m_active)
        ::setenv("PGSERVICEFILE", m_before.c_str(), 1);
}

std::vector<std::string> string_secrets(std::string_view text) {
    auto found = secret_fields(text);
    auto is_base64 = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/' || c == '-' || c == '_';
    };
    for (std::size_t at = 0; at < text.size();) {
        std::size_t end = at;
        while (end < text.size() && is_base64(text[end]))
            ++end;
        while (end < text.size() && end > at && text[end] == '=')
            ++end;
        if (end - at >= k_shortest_encoded_string) {
            if (auto decoded = base64_decode(text.substr(at, end - at))) {
                auto inner = secret_fields(*decoded);
                found.insert(found.end(), inner.begin(), inner.end());
            }
        }
        at = end == at ? at + 1 : end;
    }
    return found;
}

namespace {

// Writes `parts` as the string the candidate's driver reads for `protocol`; a failure says why,
// with `hint`.
Result<std::string> composed(const Candidate& candidate, std::string_view protocol, std::vector<ComposedPart> parts,
                             std::string hint) {
    const Driver* driver = find_driver(candidate.driver);
    if (!driver)
        return std::unexpected(
            config_failure(fmt::format("no driver is called {}", candidate.driver), "name one of " + driver_names()));
    auto written = driver->compose({std::string(protocol), std::move(parts), false});
    if (!written)
        return std::unexpected(config_failure(written.error().message, std::move(hint)));
    return written->text;
}

} // namespace

Result<CandidateText> candidate_text(const Candidate& candidate, std::string_view protocol) {
    const CandidateSource& source = candidate.source;
    CandidateText out;
    std::string text;
    std::optional<std::string> user;
    std::optional<std::string> password;
    if (source.url) {
        text = *source.url;
    } else if (!source.service.empty()) {
        auto service = composed(candidate, protocol, {{"service", source.service}}, "fix the service name");
        if (!service)
            return std::unexpected(service.error());
        text = *service;
    } else {
        const ConfigLoader* loader = find_config_loader(source.format);
        if (!loader)
            return std::unexpected(config_failure(fmt::format("no config loader is called {}", source.format),
                                                  "name one of " + join(config_loader_names(), ", ")));
        if (source.format_from_name && several_loaders_read(source.file))
            out.translation.push_back(fmt::format("{}: read as {} (format {}, from the file name; from.format "
                                                  "chooses another)",
                                                  source.file.filename().string(), loader->reads_as, loader->name));
        auto read = [&](const std::string& key) -> Result<std::string> {
            std::expected<ConfigValue, std::string> value;
            try { // yaml-cpp and nlohmann report some misuse by throwing: never a crash for a config file
                value = read_config_value(source.file, *loader, key, process_environment());
            } catch (const std::exception& e) {
                value = std::unexpected(fmt::format("cannot read {}: {}", source.file.filename().string(), e.what()));
            }
            if (!value)
                return std::unexpected(config_failure(
                    value.error(), "the application would start without this setting: fix its config file"));
            if (out.origin.file.empty() && value->line > 0)
                out.origin = SourceMark{source.file.string(), value->line, 1};
            return value->value;
        };
        if (!source.key.empty()) {
            auto value = read(source.key);
            if (!value)
                return std::unexpected(value.error());
            text = *value;
        } else {
            std::vector<ComposedPart> parts;
            for (const auto& [part, key] : source.parts) {
                auto value = read(key);
                if (!value)
                    return std::unexpected(value.error());
                if (part == "url")
                    text = *value;
                else if (part == "user")
                    user = *value;
                else if (part == "password")
                    password = *value;
                parts.push_back({part, *value});
            }
            if (text.empty()) {
                auto written = composed(candidate, protocol, std::move(parts),
                                        "read the whole string with key:, or write it with url: as drivers.md shows");
                if (!written)
                    return std::unexpected(written.error());
                text = *written;
                for (const auto& [part, key] : source.parts)
                    out.translation.push_back(fmt::format("{} from key {}", part, key));
            } else if (!is_jdbc_url(text) && (user || password)) {
                return std::unexpected(
                    config_failure("user and password keys go with a JDBC url; a native url carries them itself",
                                   "read the whole native string with key:, or give a jdbc: url"));
            }
        }
    }
    // Written before anything reads the string, so that a string no client parses shows no password.
    out.secrets = string_secrets(text);
    if (password)
        out.secrets.push_back(*password);
    if (is_jdbc_url(text)) {
        auto translated = translate_jdbc(text, candidate.driver, user, password);
        if (!translated)
            return std::unexpected(config_failure(without_secret_fields(translated.error(), text),
                                                  "translate this part by hand, or write the native string"));
        out.secrets.insert(out.secrets.end(), translated->secrets.begin(), translated->secrets.end());
        out.translation.insert(out.translation.end(), translated->mapping.begin(), translated->mapping.end());
        text = translated->native;
        auto native = string_secrets(text);
        out.secrets.insert(out.secrets.end(), native.begin(), native.end());
    }
    out.text = std::move(text);
    return out;
}

std::expected<ReadCandidate, PipelineFailure> read_candidate(const Candidate& candidate, std::string_view protocol,
                                                             Redactor& secrets, SourceMark* origin) {
    ReadCandidate read;
    read.driver = find_driver(candidate.driver);
    if (!read.driver) // the loader refuses unknown drivers; a caller that builds candidates may not
        return std::unexpected(PipelineFailure{
            PipelineStep::parse,
            Failure{Category::config, fmt::format("unknown driver \"{}\"", candidate.driver), "", {}, 0}});
    auto text = candidate_text(candidate, protocol);
    if (!text)
        return std::unexpected(PipelineFailure{PipelineStep::source, text.error()});
    if (origin)
        *origin = text->origin;
    for (const auto& secret : text->secrets)
        secrets.add(secret);
    auto parsed = read.driver->parse(text->text);
    if (!parsed)
        return std::unexpected(PipelineFailure{PipelineStep::parse, parsed.error()});
    for (const auto& secret : parsed->secrets)
        secrets.add(secret);
    read.text = std::move(*text);
    read.parsed = std::move(*parsed);
    return read;
}

std::expected<PreparedCandidate, PipelineFailure> prepare_candidate(const Candidate& candidate,
                                                                    const TrialContext& context, SourceMark* origin) {
    auto read = read_candidate(candidate, protocol_of(context.scenario.database.engine), context.redactor, origin);
    if (!read)
        return std::unexpected(read.error());
    PreparedCandidate prepared{std::move(*read), {}};
    auto routes = route_candidate(prepared.parsed, context.scenario.database.engine, context.answers_as, context.server,
                                  context.dead);
    if (!routes)
        return std::unexpected(PipelineFailure{PipelineStep::route, routes.error()});
    prepared.routes = std::move(*routes);
    if (auto refused = tls_policy(prepared.parsed, context.scenario.database))
        return std::unexpected(PipelineFailure{PipelineStep::policy, *refused});
    return prepared;
}

bool names_unreachable_host(const Candidate& candidate, const TrialContext& context) {
    if (context.dead.names.empty() || !candidate.source.service.empty())
        return false;
    SourceMark origin;
    auto prepared = prepare(candidate, context, origin);
    if (!prepared)
        return false;
    return std::any_of(prepared->routes.begin(), prepared->routes.end(), [&](const Route& route) {
        return route.address == context.dead.route.address && route.port == context.dead.route.port;
    });
}

CandidateOutcome run_candidate(const Candidate& candidate, const Expectation& expect, std::string_view phase,
                               const TrialContext& context) {
    auto start = Clock::now();
    Trial trial(candidate, expect, phase, context.redactor);
    ServiceFileScope service(candidate);
    auto prepared = prepare(candidate, context, trial.outcome().origin);
    if (!prepared) {
        trial.failed(0, prepared.error(), since(start));
        return trial.finish(since(start));
    }
    for (const auto& line : prepared->text.translation)
        trial.outcome().translation.push_back(context.redactor.apply(line));
    for (const auto& line : prepared->parsed.warnings)
        trial.outcome().warnings.push_back(context.redactor.apply(line));
    const auto& connect = std::get<ConnectCheck>(candidate.checks.front().spec);
    Millis budget = connect.within_ms > 0 ? Millis(connect.within_ms) : k_default_connect_deadline;
    auto connect_start = Clock::now();
    auto session = open(*prepared, context, Deadline::in(budget, context.interrupted));
    if (!session) {
        Failure failure = session.error();
        // MariaDB answers a plaintext login under require_secure_transport with "Access denied"
        // (1045), which reads like a wrong password: the scenario knows better.
        if (failure.category == Category::auth && context.tls_required && prepared->parsed.tls == TlsIntent::none) {
            failure.category = Category::tls;
            failure.message =
                fmt::format("the server accepts only TLS logins, and {} turns TLS off (the server said: {})",
                            prepared->parsed.tls_setting, failure.message);
            failure.hint =
                "require TLS in the string, with verification (ssl-mode=VERIFY_IDENTITY, sslmode=verify-full)";
        }
        if (failure.category == Category::timeout) {
            // The client names the address it was sent to; say which declared-dead name that was.
            std::vector<std::string> dead;
            for (std::size_t i = 0; i < prepared->routes.size() && i < prepared->parsed.endpoints.size(); ++i)
                if (prepared->routes[i].address == context.dead.route.address &&
                    prepared->routes[i].port == context.dead.route.port && !context.dead.names.empty())
                    dead.push_back(prepared->parsed.endpoints[i].host);
            if (!dead.empty()) {
                failure.message = fmt::format("{} never answered (the scenario lists {} as unreachable); the client "
                                              "said: {}",
                                              join(dead, ", "), dead.size() == 1 ? "it" : "them", failure.message);
                failure.hint = "give the string a connect timeout the application can live with, and a second "
                               "host to fail over to";
            }
        }
        if (failure.category == Category::timeout && connect.within_ms > 0)
            failure.message += fmt::format(" (connect must finish within {} ms)", connect.within_ms);
        trial.failed(0, failure, since(connect_start));
        return trial.finish(since(start));
    }
    trial.passed(0, since(connect_start));
    const Driver& driver = *prepared->driver;
    bool has_tls = driver.has(Capability::tls_in_use) && context.scenario.database.engine != Engine::sqlite;
    if (has_tls)
        trial.negotiated((*session)->tls());
    Engine engine = context.scenario.database.engine;
    for (std::size_t i = 1; i < candidate.checks.size(); ++i) {
        const Check& check = candidate.checks[i];
        auto check_start = Clock::now();
        auto deadline = Deadline::in(Millis(check.timeout_ms), context.interrupted);
        std::optional<Failure> failure = std::visit(
            Overloaded{
                [](const ConnectCheck&) -> std::optional<Failure> { return std::nullopt; },
                [&](const QueryCheck& query) { return check_query(query, **session, deadline); },
                [&](const TlsCheck& tls) {
                    return has_tls ? check_tls(tls, (*session)->tls())
                                   : Failure{Category::tls, "this driver cannot tell whether TLS is in use", "", {}, 0};
                },
                [&](const SettingCheck& setting) { return check_setting(setting, **session, deadline); },
                [&](const PrivilegesCheck& privileges) {
                    return check_privileges(privileges, engine, **session, deadline);
                },
                [&](const ReadWriteCheck& read_write) { return check_read_write(read_write, **session, deadline); },
                [&](const IdentityCheck& identity) { return check_identity(identity, **session, context, deadline); },
                [&](const PoolCheck& pool) { return check_pool(pool, **session, *prepared, context, deadline); },
            },
            check.spec);
        if (failure) {
            trial.failed(i, *failure, since(check_start));
            break;
        }
        trial.passed(i, since(check_start));
    }
    return trial.finish(since(start));
}

} // namespace stagegate
