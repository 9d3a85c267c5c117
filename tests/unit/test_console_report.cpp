#include <doctest/doctest.h>

#include "canary.hpp"
#include "report/console.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// A FILE* that writes into memory.
class Output {
  public:
    Output() : m_file(open_memstream(&m_data, &m_size)) { REQUIRE(m_file != nullptr); }
    ~Output() {
        std::fclose(m_file);
        std::free(m_data);
    }
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;

    std::FILE* file() const { return m_file; }
    std::string text() const {
        std::fflush(m_file);
        return std::string(m_data, m_size);
    }

  private:
    char* m_data = nullptr;
    std::size_t m_size = 0;
    std::FILE* m_file;
};

CheckOutcome check(std::string label, CheckOutcome::Status status, std::optional<Category> category, long ms) {
    return CheckOutcome{std::move(label), "data", status, category, Millis(ms), {}};
}

CandidateOutcome corrected() {
    CandidateOutcome c;
    c.name = "DATABASE_URL corrected";
    c.driver = "libpq";
    c.passed = true;
    c.verdict = true;
    c.elapsed = Millis(41);
    c.tls = "TLSv1.3 (TLS_AES_256_GCM_SHA384)";
    c.checks = {check("connect", CheckOutcome::Status::pass, std::nullopt, 12),
                check("query: SELECT count(*) FROM accounts", CheckOutcome::Status::pass, std::nullopt, 3)};
    return c;
}

CandidateOutcome old_password() {
    CandidateOutcome c;
    c.name = "password from before the rotation";
    c.driver = "libpq";
    c.expected = Expectation{false, Category::auth};
    c.category = Category::auth;
    c.verdict = true;
    c.message = "password authentication failed for user \"app\"";
    c.hint = "check the user name and password (was it rotated?)";
    c.elapsed = Millis(7);
    c.tls = "none";
    c.checks = {check("connect", CheckOutcome::Status::fail, Category::auth, 7)};
    return c;
}

CandidateOutcome typo() {
    CandidateOutcome c;
    c.name = "DATABASE_URL as edited";
    c.driver = "libpq";
    c.category = Category::dns;
    c.message = "host db-prmary.internal is unknown; did you mean db-primary.internal?";
    c.hint = "fix the host name in the connection string";
    c.elapsed = Millis(0);
    c.checks = {check("connect", CheckOutcome::Status::fail, Category::dns, 0),
                check("query: SELECT 1", CheckOutcome::Status::skipped, std::nullopt, 0)};
    return c;
}

// Streams one scenario with `candidates` through a reporter and returns what it wrote.
// The outcome passes the run's secrets boundary (redact()) first, as the executor passes it.
std::string console_text(std::vector<CandidateOutcome> candidates, bool color, const Redactor& redactor,
                         int signal = 0) {
    Output out;
    ConsoleReporter reporter(out.file(), color);
    ScenarioOutcome outcome;
    outcome.file = "scenarios/users.yaml";
    outcome.name = "user service";
    outcome.answers_as = {"db-primary.internal:5432", "db-primary.internal:6432"};
    outcome.server = "PostgreSQL 15.20 (local)";
    outcome.ready_after = Millis(812);
    outcome.candidates = std::move(candidates);
    redact(outcome, redactor, true);
    reporter.scenario_started(outcome);
    reporter.scenario_ready(outcome);
    for (const auto& candidate : outcome.candidates)
        reporter.candidate_finished(outcome, candidate);
    reporter.scenario_finished(outcome);
    RunOutcome run;
    run.scenarios.push_back(outcome);
    run.signal = signal;
    reporter.run_finished(run);
    return out.text();
}

// Replaces every time and the padding before it ("    812 ms") with " N ms".
std::string without_times(const std::string& text) {
    static const std::regex k_time(R"( +\d+ ms)");
    return std::regex_replace(text, k_time, " N ms");
}

// Returns the lines of `text`.
std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < text.size();) {
        auto end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// Returns the last line of `text`, without its line end.
std::string last_line(std::string text) {
    if (text.ends_with('\n'))
        text.pop_back();
    return text.substr(text.rfind('\n') + 1);
}

} // namespace

TEST_SUITE("console_report") {
    TEST_CASE("a run is written as the golden text") {
        std::string text = console_text({corrected(), old_password(), typo()}, false, Redactor());
        const std::string golden =
            "user service  (scenarios/users.yaml)\n"
            "  server PostgreSQL 15.20 (local), ready in N ms, answers as "
            "db-primary.internal:5432, "
            "db-primary.internal:6432\n"
            "  PASS  DATABASE_URL corrected             passed as expected N ms\n"
            "        - connect                                          pass, TLSv1.3 "
            "(TLS_AES_256_GCM_SHA384) N ms\n"
            "        - query: SELECT count(*) FROM accounts             pass N ms\n"
            "  PASS  password from before the rotation  blocked as expected (auth) N ms\n"
            "        password authentication failed for user \"app\"\n"
            "        - connect                                          fail, plaintext (auth) N "
            "ms\n"
            "  FAIL  DATABASE_URL as edited             expected pass, got fail:dns N ms\n"
            "        host db-prmary.internal is unknown; did you mean db-primary.internal?\n"
            "        hint: fix the host name in the connection string\n"
            "        - connect                                          fail (dns) N ms\n"
            "        - query: SELECT 1                                  skipped N ms\n"
            "\n"
            "gate: FAIL: 3 candidates in 1 scenario; 2 as expected (1 bad config blocked), 1 not "
            "as expected (exit 1)\n";
        CHECK(without_times(text) == golden);
    }

    TEST_CASE("times are right-aligned in their column") {
        std::string text = console_text({corrected()}, false, Redactor());
        CHECK(text.find("passed as expected                   41 ms\n") != std::string::npos);
        CHECK(text.find("ready in 812 ms,") != std::string::npos);
    }

    TEST_CASE("no colour codes without colour") {
        std::string text = console_text({corrected(), old_password(), typo()}, false, Redactor());
        CHECK(text.find('\x1b') == std::string::npos);
    }

    TEST_CASE("colour marks the verdicts when asked") {
        std::string text = console_text({corrected(), typo()}, true, Redactor());
        CHECK(text.find("\x1b[32mPASS\x1b[0m") != std::string::npos);
        CHECK(text.find("\x1b[31mFAIL\x1b[0m") != std::string::npos);
        CHECK(text.find("\x1b[31mgate: FAIL\x1b[0m") != std::string::npos);
    }

    TEST_CASE("the summary line carries the exit code") {
        CHECK(last_line(console_text({corrected()}, false, Redactor())) ==
              "gate: PASS: 1 candidate in 1 scenario; 1 as expected (0 bad configs blocked), 0 not "
              "as expected (exit 0)");
        CHECK(last_line(console_text({typo()}, false, Redactor())).ends_with("(exit 1)"));
        CHECK(last_line(console_text({corrected()}, false, Redactor(), SIGINT)).starts_with("gate: INTERRUPTED: "));
        CHECK(last_line(console_text({corrected()}, false, Redactor(), SIGINT)).ends_with("(exit 130)"));
    }

    TEST_CASE("a scenario that could not run is reported with exit 3") {
        Output out;
        ConsoleReporter reporter(out.file(), false);
        ScenarioOutcome outcome;
        outcome.file = "scenarios/users.yaml";
        outcome.name = "user service";
        outcome.error = ScenarioFailure{{}, "PostgreSQL did not start within 30 s"};
        reporter.scenario_started(outcome);
        reporter.scenario_ready(outcome);
        reporter.scenario_finished(outcome);
        RunOutcome run;
        run.scenarios.push_back(outcome);
        reporter.run_finished(run);
        CHECK(out.text() == "user service  (scenarios/users.yaml)\n"
                            "  ERROR  could not stand up the database: PostgreSQL did not start within 30 s\n"
                            "\n"
                            "gate: ERROR (infrastructure): 0 candidates in 1 scenario; 0 as expected (0 bad "
                            "configs "
                            "blocked), 0 not as expected, 1 scenario could not run (exit 3)\n");
    }

    TEST_CASE("no form of a secret survives in the console") {
        Redactor redactor;
        redactor.add(k_canary);
        std::vector<CandidateOutcome> candidates;
        for (const auto& form : k_canary_forms) {
            CandidateOutcome c = typo();
            c.name = "candidate " + std::string(form.name);
            c.message = "password=" + std::string(form.text) + " failed";
            c.hint = "the URI was postgresql://app:" + std::string(form.text) + "@db/users";
            c.checks = {check("query: SELECT '" + std::string(form.text) + "'", CheckOutcome::Status::fail,
                              Category::query, 1)};
            candidates.push_back(c);
        }
        std::string text = console_text(candidates, false, redactor);
        REQUIRE(text.find("candidate XML-escaped") != std::string::npos);
        CHECK(canary_form_in(text) == "");
    }

    TEST_CASE("no value can start a line or hide a character") {
        CandidateOutcome forged = typo();
        forged.name = "a\n::error::forged name";
        forged.message = "host db\u200b.internal is unknown; did you mean db.internal?\n::error::forged message";
        forged.hint = "::warning::forged hint\r\x1b[2K";
        forged.translation = {"url from key X\n##[error]forged"};
        forged.checks[1].check = "query: SELECT '\n::error::forged query'";
        for (bool color : {false, true}) {
            CAPTURE(color);
            std::string text = console_text({forged}, color, Redactor());
            for (const auto& line : lines_of(text)) {
                CAPTURE(line);
                CHECK_FALSE(std::string_view(line)
                                .substr(line.find_first_not_of(' ') == std::string::npos ? line.size()
                                                                                         : line.find_first_not_of(' '))
                                .starts_with("::"));
                CHECK(line.find("##[") == std::string::npos);
                CHECK(line.find('\r') == std::string::npos);
            }
            CHECK(
                text.find(R"(host db\u200b.internal is unknown; did you mean db.internal?\n::error::forged message)") !=
                std::string::npos);
            CHECK(text.find(R"(a\n::error::forged name)") != std::string::npos);
            CHECK(text.find(R"(\u001b[2K)") != std::string::npos);
        }
    }
}
