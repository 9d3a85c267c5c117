#include "run/candidate_runner.hpp"

#include "run/host_map.hpp"
#include "scenario/dotenv.hpp"

#include <fmt/format.h>

namespace stagegate {

namespace {

Millis since(Clock::time_point start) {
    return std::chrono::duration_cast<Millis>(Clock::now() - start);
}

std::optional<Failure> compare(const Check& check, const QueryResult& result) {
    if (check.expect_rows && static_cast<long>(result.rows.size()) != *check.expect_rows)
        return Failure{Category::expectation,
                       fmt::format("expected {} row{}, got {}", *check.expect_rows, *check.expect_rows == 1 ? "" : "s",
                                   result.rows.size()),
                       "the data differs from what the scenario expects: check the database and the query",
                       {},
                       0};
    if (check.expect_value) {
        if (result.rows.empty() || result.rows[0].empty())
            return Failure{Category::expectation,
                           fmt::format("expected value \"{}\", got no rows", *check.expect_value),
                           "the query returned nothing",
                           {},
                           0};
        auto actual = result.rows[0][0].value_or("NULL");
        if (actual != *check.expect_value)
            return Failure{Category::expectation,
                           fmt::format("expected value \"{}\", got \"{}\"", *check.expect_value, actual),
                           "the data differs from what the scenario expects",
                           {},
                           0};
    }
    return std::nullopt;
}

class Trial {
  public:
    Trial(const Candidate& candidate, Redactor& redactor) : m_candidate(candidate), m_redactor(redactor) {
        for (const auto& check : candidate.checks)
            m_outcome.checks.push_back({check.label(), CheckOutcome::Status::skipped, {}, {}, {}});
        m_outcome.name = candidate.name;
        m_outcome.driver = candidate.driver;
        m_outcome.expected = candidate.expect;
        m_outcome.mark = candidate.mark;
    }

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
        const Expectation& expect = m_candidate.expect;
        if (!m_failure) {
            m_outcome.verdict = expect.pass;
            m_outcome.message = expect.pass ? "every check passed"
                                            : fmt::format("expected to fail with {}, but every check passed",
                                                          to_string(expect.category));
            if (!expect.pass)
                m_outcome.hint = "the gate would let this config through: check the scenario";
            return m_outcome;
        }
        m_outcome.category = m_failure->category;
        m_outcome.verdict = !expect.pass && expect.category == m_failure->category;
        std::string message = m_redactor.apply(m_failure->message);
        if (expect.pass || m_outcome.verdict)
            m_outcome.message = message;
        else
            m_outcome.message = fmt::format("expected to fail with {}, failed with {}: {}", to_string(expect.category),
                                            to_string(m_failure->category), message);
        m_outcome.hint = m_redactor.apply(m_failure->hint);
        return m_outcome;
    }

  private:
    const Candidate& m_candidate;
    Redactor& m_redactor;
    CandidateOutcome m_outcome;
    std::optional<Failure> m_failure;
};

} // namespace

Result<std::string> candidate_text(const Candidate& candidate) {
    if (candidate.source.url)
        return *candidate.source.url;
    auto value = dotenv_value(candidate.source.file, candidate.source.key, process_environment());
    if (!value)
        return fail(Category::config, value.error(),
                    "the application would start without this setting: fix its config file");
    return *value;
}

CandidateOutcome run_candidate(const Candidate& candidate, const Database& database, const Route& server,
                               Redactor& redactor, const std::atomic<bool>* interrupted) {
    auto start = Clock::now();
    Trial trial(candidate, redactor);
    const Driver& driver = *find_driver(candidate.driver);
    auto text = candidate_text(candidate);
    if (!text) {
        trial.failed(0, text.error(), since(start));
        return trial.finish(since(start));
    }
    auto parsed = driver.parse(*text);
    if (!parsed) {
        trial.failed(0, parsed.error(), since(start));
        return trial.finish(since(start));
    }
    for (const auto& secret : parsed->secrets)
        redactor.add(secret);
    auto routes = route_candidate(*parsed, database, server);
    if (!routes) {
        trial.failed(0, routes.error(), since(start));
        return trial.finish(since(start));
    }
    const Check& connect = candidate.checks.front();
    Millis budget = connect.within_ms > 0 ? Millis(connect.within_ms) : k_default_connect_deadline;
    auto connect_start = Clock::now();
    auto session = driver.connect(*parsed, *routes, Deadline::in(budget, interrupted));
    if (!session) {
        Failure failure = session.error();
        if (failure.category == Category::timeout && connect.within_ms > 0)
            failure.message += fmt::format(" (connect must finish within {} ms)", connect.within_ms);
        trial.failed(0, failure, since(connect_start));
        return trial.finish(since(start));
    }
    trial.passed(0, since(connect_start));
    if (driver.has(Capability::tls_in_use) && database.engine != Engine::sqlite)
        trial.negotiated((*session)->tls());
    for (std::size_t i = 1; i < candidate.checks.size(); ++i) {
        const Check& check = candidate.checks[i];
        auto check_start = Clock::now();
        auto result = (*session)->execute(check.sql, Deadline::in(Millis(check.timeout_ms), interrupted));
        if (!result) {
            trial.failed(i, result.error(), since(check_start));
            break;
        }
        if (auto mismatch = compare(check, *result)) {
            trial.failed(i, *mismatch, since(check_start));
            break;
        }
        trial.passed(i, since(check_start));
    }
    return trial.finish(since(start));
}

} // namespace stagegate
