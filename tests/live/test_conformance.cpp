// One table of candidates and expectations, run through every driver against real throwaway
// servers (PostgreSQL for libpq and soci:postgresql, MariaDB for mysqlcppconn and soci:mysql).
// Each driver's context (conformance_context.cpp) says how it writes a candidate and what it
// supports; nothing is skipped without a stated reason.
#include <doctest/doctest.h>

#include "conformance_context.hpp"
#include "live_checks.hpp"
#include "live_server.hpp"

#include <fmt/format.h>

#include <algorithm>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// What one engine says; every message part below is the server's or client's real wording.
struct Says {
    std::string_view postgres;
    std::string_view mysql;

    std::string_view on(Engine engine) const { return engine == Engine::postgres ? postgres : mysql; }
};

// One row of the table: a candidate, its checks, and what every driver must make of it.
struct Cell {
    std::string name; // the behaviour, as a statement
    CandidateSpec (*candidate)(const DriverContext&);
    std::vector<Check> checks;          // after the connect check
    std::optional<Category> fails_with; // empty: every check passes
    Says says;                          // a part of the outcome's message
    bool never_answers = false;         // sent to a server that accepts and never answers
};

Check query(std::string sql, std::optional<long> rows = {}, std::optional<std::string> value = {}) {
    QueryCheck spec;
    spec.sql = std::move(sql);
    spec.expect_rows = rows;
    spec.expect_value = std::move(value);
    Check check;
    check.spec = std::move(spec);
    return check;
}

// The login deadline of the timeout cell, and the bound every driver must fail within: libpq
// and SOCI's postgresql backend wait at least 2 s (libpq's smallest connect_timeout), the MySQL
// clients whole seconds.
constexpr int k_connect_within_ms = 1000;
constexpr Millis k_timeout_bound{3000};

// The category `server` has no cell: it needs the server itself to fail (too many clients,
// shutdown, out of disk), which would disturb the servers every other cell shares. Category
// `tls` has a cell per TLS mode (see "every TLS mode ..." below).
const std::vector<Cell>& table() {
    static const std::vector<Cell> cells{
        {"a misspelled option fails as config",
         [](const DriverContext& c) {
             auto spec = c.app_spec();
             spec.options.push_back(c.misspelled_option);
             return spec;
         },
         {},
         Category::config,
         {"conect", "conect"}},
        {"an unknown host fails as dns and suggests the known one",
         [](const DriverContext& c) {
             auto spec = c.app_spec();
             spec.host = "db-prmary.staging.internal";
             return spec;
         },
         {},
         Category::dns,
         {"did you mean db-primary.staging.internal", "did you mean db-primary.staging.internal"}},
        {"a known host on another port fails as refused naming the right port",
         [](const DriverContext& c) {
             auto spec = c.app_spec();
             spec.port = 6543;
             return spec;
         },
         {},
         Category::refused,
         {"db-primary.staging.internal:6543 refuses connections; db-primary.staging.internal answers on port 5432",
          "db-primary.staging.internal:6543 refuses connections; db-primary.staging.internal answers on port 3306"}},
        {"a server that never answers fails as timeout within 3 s",
         [](const DriverContext& c) { return c.app_spec(); },
         {},
         Category::timeout,
         {"", ""},
         true},
        {"a wrong password fails as auth",
         [](const DriverContext& c) {
             auto spec = c.app_spec();
             spec.login.password = "wrong";
             return spec;
         },
         {},
         Category::auth,
         {"password authentication failed for user", "Access denied for user 'app'"}},
        {"an unknown user fails as auth",
         [](const DriverContext& c) {
             auto spec = c.app_spec();
             spec.login.user = "nosuchuser";
             return spec;
         },
         {},
         Category::auth,
         {"\"nosuchuser\"", "'nosuchuser'"}},
        {"an unknown database fails as no-database",
         [](const DriverContext& c) {
             auto spec = c.app_spec();
             spec.login = c.sees_every_database;
             spec.database = "nosuchdb";
             return spec;
         },
         {},
         Category::no_database,
         {"database \"nosuchdb\" does not exist", "Unknown database 'nosuchdb'"}},
        {"a database the account may not enter fails as permission",
         [](const DriverContext& c) {
             auto spec = c.app_spec();
             spec.login = c.reader;
             spec.database = "locked";
             return spec;
         },
         {},
         Category::permission,
         {"permission denied for database \"locked\"", "Access denied for user 'reader'@'%' to database 'locked'"}},
        {"a SELECT the account may not run fails as permission",
         [](const DriverContext& c) {
             auto spec = c.app_spec();
             spec.login = c.reader;
             return spec;
         },
         {query("SELECT * FROM accounts")},
         Category::permission,
         {"permission denied for table accounts", "SELECT command denied to user 'reader'"}},
        {"a syntax error fails as query",
         [](const DriverContext& c) { return c.app_spec(); },
         {query("SELEC 1")},
         Category::query,
         {"syntax error", "error in your SQL syntax"}},
        {"a missing table fails as query",
         [](const DriverContext& c) { return c.app_spec(); },
         {query("SELECT * FROM nosuchtable")},
         Category::query,
         {"relation \"nosuchtable\" does not exist", "Table 'users.nosuchtable' doesn't exist"}},
        {"a row count other than expected fails as expectation",
         [](const DriverContext& c) { return c.app_spec(); },
         {query("SELECT * FROM accounts", 5)},
         Category::expectation,
         {"expected 5 rows, got 3", "expected 5 rows, got 3"}},
        {"a value other than expected fails as expectation",
         [](const DriverContext& c) { return c.app_spec(); },
         {query("SELECT email FROM accounts ORDER BY id DESC", {}, "ada@example.com")},
         Category::expectation,
         {"expected value \"ada@example.com\", got \"linus@example.com\"",
          "expected value \"ada@example.com\", got \"linus@example.com\""}},
        {"a correct candidate passes every check in plaintext",
         [](const DriverContext& c) { return c.app_spec(); },
         {query("SELECT * FROM accounts", 3), query("SELECT count(*) FROM accounts", {}, "3")},
         std::nullopt,
         {"every check passed", "every check passed"}},
    };
    return cells;
}

void check_timeout_cell(const DriverContext& context, const Cell& cell) {
    Blackhole blackhole;
    Candidate candidate = candidate_for(context, cell.candidate(context), {}, cell.fails_with);
    std::get<ConnectCheck>(candidate.checks.front().spec).within_ms = k_connect_within_ms;
    auto outcome = try_candidate(candidate, *context.target().database, Route{"127.0.0.1", blackhole.port()});
    CHECK_MESSAGE(outcome.category == Category::timeout, outcome.message);
    CHECK_MESSAGE(outcome.verdict, outcome.message);
    CHECK_MESSAGE(outcome.elapsed < k_timeout_bound,
                  fmt::format("{} gave up after {} ms", context.name, outcome.elapsed.count()));
    CHECK_MESSAGE(outcome.elapsed >= Millis(k_connect_within_ms - 50),
                  fmt::format("{} gave up after {} ms", context.name, outcome.elapsed.count()));
    CHECK_MESSAGE(contains(outcome.message, fmt::format("within {} ms", k_connect_within_ms)), outcome.message);
}

void check_cell(const DriverContext& context, const Cell& cell) {
    if (cell.never_answers)
        return check_timeout_cell(context, cell);
    Candidate candidate = candidate_for(context, cell.candidate(context), cell.checks, cell.fails_with);
    CAPTURE(*candidate.source.url);
    auto outcome = try_candidate(context, candidate);
    CHECK_MESSAGE(outcome.verdict, outcome.message);
    CHECK(outcome.category == cell.fails_with);
    CHECK_MESSAGE(contains(outcome.message, cell.says.on(context.engine)), outcome.message);
    if (!cell.fails_with) {
        CHECK(outcome.tls == "none");
        REQUIRE(outcome.checks.size() == cell.checks.size() + 1);
        for (const auto& check : outcome.checks)
            CHECK(check.status == CheckOutcome::Status::pass);
    }
}

CandidateSpec with_tls(const DriverContext& context, std::string option, std::string mode) {
    auto spec = context.app_spec();
    spec.options.emplace_back(std::move(option), std::move(mode));
    return spec;
}

} // namespace

TEST_SUITE("conformance") {
    TEST_CASE("every driver meets every cell of the table") {
        for (const auto& context : driver_contexts()) {
            for (const auto& cell : table()) {
                SUBCASE(fmt::format("{}: {}", context.name, cell.name).c_str()) {
                    check_cell(context, cell);
                }
            }
        }
    }

    TEST_CASE("every category but server has a cell") {
        std::vector<Category> covered{Category::tls}; // by the TLS modes of each context
        for (const auto& cell : table()) {
            if (cell.fails_with)
                covered.push_back(*cell.fails_with);
        }
        for (Category category :
             {Category::config, Category::dns, Category::refused, Category::timeout, Category::auth,
              Category::no_database, Category::permission, Category::query, Category::expectation}) {
            CAPTURE(category);
            CHECK(std::count(covered.begin(), covered.end(), category) > 0);
        }
        CHECK(std::count(covered.begin(), covered.end(), Category::server) == 0);
        CHECK(std::any_of(table().begin(), table().end(), [](const Cell& cell) { return !cell.fails_with; }));
    }

    TEST_CASE("every driver has TLS modes or says why it has none") {
        for (const auto& context : driver_contexts()) {
            CAPTURE(context.name);
            CHECK(context.tls_modes.empty() != context.without_tls_modes.empty());
            CHECK(context.tls_modes.empty() == context.tls_option.empty());
        }
    }

    TEST_CASE("every TLS mode behaves as its context says against a server without TLS") {
        for (const auto& context : driver_contexts()) {
            for (const auto& mode : context.tls_modes) {
                SUBCASE(fmt::format("{}: {}={}", context.name, context.tls_option, mode.mode).c_str()) {
                    Candidate candidate =
                        candidate_for(context, with_tls(context, context.tls_option, mode.mode), {}, mode.fails_with);
                    CAPTURE(*candidate.source.url);
                    auto outcome = try_candidate(context, candidate);
                    CHECK(outcome.category == mode.fails_with);
                    CHECK_MESSAGE(outcome.verdict, outcome.message);
                    CHECK_MESSAGE(contains(outcome.message, mode.says), outcome.message);
                    if (!mode.fails_with)
                        CHECK(outcome.tls == "none");
                }
            }
        }
    }

    TEST_CASE("a driver without TLS modes refuses ssl_mode as config") {
        std::vector<const DriverContext*> without;
        for (const auto& context : driver_contexts()) {
            if (context.tls_modes.empty())
                without.push_back(&context);
        }
        REQUIRE_FALSE(without.empty()); // soci:mysql
        for (const auto* each : without) {
            const DriverContext& context = *each;
            CAPTURE(context.name);
            Candidate candidate = candidate_for(context, with_tls(context, "ssl_mode", "REQUIRED"));
            auto outcome = try_candidate(context, candidate);
            CHECK(outcome.category == Category::config);
            CHECK_MESSAGE(contains(outcome.message, "Malformed connection string."), outcome.message);
            CHECK_MESSAGE(contains(outcome.message, "\"ssl_mode\""), outcome.message);
        }
    }

    TEST_CASE("SOCI's mysql client falls back to plaintext despite sslca, and the gate fails it as tls") {
        const DriverContext& soci_mysql = driver_context("soci:mysql");
        auto spec = with_tls(soci_mysql, "sslca", "/etc/ssl/certs/ca-certificates.crt");
        auto outcome = try_candidate(soci_mysql, candidate_for(soci_mysql, spec, {}, Category::tls));
        CHECK(outcome.category == Category::tls);
        CHECK_MESSAGE(outcome.verdict, outcome.message);
        CHECK_MESSAGE(contains(outcome.message, "the session is plaintext"), outcome.message);
    }
}
