#include <doctest/doctest.h>

#include "live_checks.hpp"
#include "live_server.hpp"
#include "run/candidate_runner.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

using namespace stagegate;
using namespace stagegate::test;

namespace {

constexpr const char* k_host = "db-primary.staging.internal";

Check connect_within(int within_ms) {
    Check check;
    std::get<ConnectCheck>(check.spec).within_ms = within_ms;
    return check;
}

Check query(const std::string& sql, std::optional<long> rows = {}, std::optional<std::string> value = {}) {
    QueryCheck spec;
    spec.sql = sql;
    spec.expect_rows = rows;
    spec.expect_value = std::move(value);
    Check check;
    check.spec = std::move(spec);
    return check;
}

Check query_rows(const std::string& sql, long rows) {
    return query(sql, rows);
}

Check query_value(const std::string& sql, const std::string& value) {
    return query(sql, {}, value);
}

// A libpq candidate for `url` whose checks are a plain connect check followed by `queries`.
Candidate candidate_for(const std::string& url, std::vector<Check> queries = {}) {
    Candidate candidate;
    candidate.name = "case";
    candidate.driver = "libpq";
    candidate.source.url = url;
    candidate.checks.push_back(Check{});
    for (auto& check : queries)
        candidate.checks.push_back(check);
    return candidate;
}

Candidate expecting_failure(Candidate candidate, Category category) {
    candidate.expect = Expectation{false, category};
    return candidate;
}

CandidateOutcome run(const Candidate& candidate) {
    auto& server = LiveServer::get();
    Redactor redactor;
    return run_alone(candidate, server.database(), server.route(), redactor);
}

CandidateOutcome run(const std::string& url, std::vector<Check> queries = {}) {
    return run(candidate_for(url, std::move(queries)));
}

std::string url_for(const std::string& user, const std::string& password, const std::string& database,
                    const std::string& host = k_host, int port = 5432) {
    std::string login = password.empty() ? user : user + ":" + percent_encode(password);
    return fmt::format("postgresql://{}@{}:{}/{}", login, host, port, database);
}

std::string app_url(const std::string& database) {
    return url_for("app", k_app_password, database);
}

std::string reader_url(const std::string& database) {
    return url_for("reader", k_reader_password, database);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE("libpq categories") {
    TEST_CASE("an unknown keyword fails as config naming the keyword") {
        auto outcome = run(fmt::format("hots={} port=5432 user=app dbname=users", k_host));
        CHECK(outcome.category == Category::config);
        CHECK_MESSAGE(contains(outcome.message, "\"hots\""), outcome.message);
        CHECK_FALSE(outcome.hint.empty());
    }

    TEST_CASE("a misspelled sslmode value fails as config naming the value") {
        auto outcome = run(fmt::format("host={} port=5432 user=app dbname=users sslmode=requir", k_host));
        CHECK(outcome.category == Category::config);
        CHECK_MESSAGE(contains(outcome.message, "sslmode"), outcome.message);
        CHECK_MESSAGE(contains(outcome.message, "\"requir\""), outcome.message);
    }

    TEST_CASE("a malformed URI fails as config naming the bad part") {
        auto outcome = run(app_url("users?sslmod=require"));
        CHECK(outcome.category == Category::config);
        CHECK_MESSAGE(contains(outcome.message, "sslmod"), outcome.message);
    }

    TEST_CASE("a typo in the host fails as dns and suggests the known name") {
        auto outcome = run(url_for("app", k_app_password, "users", "db-prmary.staging.internal"));
        CHECK(outcome.category == Category::dns);
        CHECK_MESSAGE(contains(outcome.message, "db-prmary.staging.internal"), outcome.message);
        CHECK_MESSAGE(contains(outcome.message, "did you mean db-primary.staging.internal"), outcome.message);
    }

    TEST_CASE("a known host on another port fails as refused naming the right port") {
        auto outcome = run(url_for("app", k_app_password, "users", k_host, 5433));
        CHECK(outcome.category == Category::refused);
        CHECK_MESSAGE(contains(outcome.message, "5433"), outcome.message);
        CHECK_MESSAGE(contains(outcome.message, "port 5432"), outcome.message);
    }

    TEST_CASE("a server that never answers fails as timeout within the connect deadline") {
        Blackhole blackhole;
        Candidate candidate = candidate_for(app_url("users"));
        candidate.checks.front() = connect_within(500);
        auto& server = LiveServer::get();
        Redactor redactor;
        auto outcome = run_alone(candidate, server.database(), Route{"127.0.0.1", blackhole.port()}, redactor);
        CHECK(outcome.category == Category::timeout);
        CHECK(outcome.elapsed >= Millis(450));
        CHECK(outcome.elapsed < Millis(1000));
        CHECK_MESSAGE(contains(outcome.message, "500 ms"), outcome.message);
        REQUIRE(outcome.checks.size() == 1);
        CHECK(outcome.checks[0].status == CheckOutcome::Status::fail);
        CHECK(outcome.checks[0].elapsed < Millis(1000));
    }

    TEST_CASE("requiring TLS from a server without it fails as tls") {
        auto outcome = run(app_url("users?sslmode=require"));
        CHECK(outcome.category == Category::tls);
        CHECK_MESSAGE(contains(outcome.message, "SSL"), outcome.message);
    }

    TEST_CASE("a wrong password fails as auth") {
        auto outcome = run(url_for("app", "wrong", "users"));
        CHECK(outcome.category == Category::auth);
        CHECK_MESSAGE(contains(outcome.message, "password authentication failed for user \"app\""), outcome.message);
        CHECK_FALSE(outcome.hint.empty());
    }

    TEST_CASE("an unknown user fails as auth") {
        auto outcome = run(url_for("nosuchuser", "whatever", "users"));
        CHECK(outcome.category == Category::auth);
        CHECK_MESSAGE(contains(outcome.message, "\"nosuchuser\""), outcome.message);
    }

    TEST_CASE("a missing password fails as auth") {
        auto outcome = run(url_for("app", "", "users"));
        CHECK(outcome.category == Category::auth);
        CHECK_MESSAGE(contains(outcome.message, "no password supplied"), outcome.message);
    }

    TEST_CASE("an unknown database fails as no-database") {
        auto outcome = run(app_url("nosuchdb"));
        CHECK(outcome.category == Category::no_database);
        CHECK_MESSAGE(contains(outcome.message, "database \"nosuchdb\" does not exist"), outcome.message);
    }

    TEST_CASE("a SELECT the role may not run fails as permission") {
        auto outcome = run(reader_url("users"), {query("SELECT * FROM accounts")});
        CHECK(outcome.category == Category::permission);
        CHECK_MESSAGE(contains(outcome.message, "permission denied for table accounts"), outcome.message);
        REQUIRE(outcome.checks.size() == 2);
        CHECK(outcome.checks[0].status == CheckOutcome::Status::pass);
        CHECK(outcome.checks[1].status == CheckOutcome::Status::fail);
        CHECK(outcome.checks[1].category == Category::permission);
    }

    TEST_CASE("connecting to a database without CONNECT privilege fails as permission") {
        for (const auto& url : {app_url("locked"), reader_url("locked")}) {
            CAPTURE(url);
            auto outcome = run(url);
            CHECK(outcome.category == Category::permission);
            CHECK_MESSAGE(contains(outcome.message, "permission denied for database"), outcome.message);
            CHECK_MESSAGE(contains(outcome.message, "locked"), outcome.message);
        }
    }

    TEST_CASE("a syntax error fails as query") {
        auto outcome = run(app_url("users"), {query("SELEC 1")});
        CHECK(outcome.category == Category::query);
        CHECK_MESSAGE(contains(outcome.message, "syntax error"), outcome.message);
        CHECK_MESSAGE(contains(outcome.message, "SELEC"), outcome.message);
    }

    TEST_CASE("a missing table fails as query") {
        auto outcome = run(app_url("users"), {query("SELECT * FROM nosuchtable")});
        CHECK(outcome.category == Category::query);
        CHECK_MESSAGE(contains(outcome.message, "\"nosuchtable\" does not exist"), outcome.message);
    }

    TEST_CASE("a row count other than expected fails as expectation") {
        auto outcome = run(app_url("users"), {query_rows("SELECT * FROM accounts", 5)});
        CHECK(outcome.category == Category::expectation);
        CHECK_MESSAGE(contains(outcome.message, "expected 5 rows, got 3"), outcome.message);
    }

    TEST_CASE("a value other than expected fails as expectation") {
        auto outcome =
            run(app_url("users"), {query_value("SELECT email FROM accounts ORDER BY id DESC", "ada@example.com")});
        CHECK(outcome.category == Category::expectation);
        CHECK_MESSAGE(contains(outcome.message, "\"ada@example.com\""), outcome.message);
        CHECK_MESSAGE(contains(outcome.message, "\"linus@example.com\""), outcome.message);
    }

    TEST_CASE("a correct candidate passes every check") {
        Candidate candidate = candidate_for(app_url("users"), {query_rows("SELECT * FROM accounts", 3),
                                                               query_value("SELECT count(*) FROM accounts", "3")});
        candidate.checks.front() = connect_within(5000);
        auto outcome = run(candidate);
        CHECK_MESSAGE(outcome.passed, outcome.message);
        CHECK_FALSE(outcome.category.has_value());
        CHECK(outcome.verdict);
        REQUIRE(outcome.checks.size() == 3);
        for (const auto& check : outcome.checks)
            CHECK(check.status == CheckOutcome::Status::pass);
    }

    TEST_CASE("the keyword/value form and the URI form of one login both pass") {
        auto keyword_value =
            run(fmt::format("host={} port=5432 user=app password='{}' dbname=users", k_host, k_app_password));
        CHECK_MESSAGE(keyword_value.passed, keyword_value.message);
        auto uri = run(app_url("users"));
        CHECK_MESSAGE(uri.passed, uri.message);
    }

    TEST_CASE("a typo in one host of several fails as dns") {
        auto outcome = run(fmt::format("postgresql://app:{}@{}:5432,db-prmary.staging.internal:5432/users",
                                       percent_encode(k_app_password), k_host));
        CHECK(outcome.category == Category::dns);
        CHECK_MESSAGE(contains(outcome.message, "db-prmary.staging.internal"), outcome.message);
        CHECK_MESSAGE(contains(outcome.message, "host 2 of 2"), outcome.message);
    }

    TEST_CASE("an expected failure of the expected category meets the expectation") {
        auto outcome = run(expecting_failure(candidate_for(url_for("app", "wrong", "users")), Category::auth));
        CHECK_FALSE(outcome.passed);
        CHECK(outcome.category == Category::auth);
        CHECK_MESSAGE(outcome.verdict, outcome.message);
    }

    TEST_CASE("an expected failure of another category misses the expectation naming both") {
        auto outcome = run(expecting_failure(candidate_for(url_for("app", "wrong", "users")), Category::dns));
        CHECK(outcome.category == Category::auth);
        CHECK_FALSE(outcome.verdict);
        CHECK_MESSAGE(contains(outcome.message, "dns"), outcome.message);
        CHECK_MESSAGE(contains(outcome.message, "auth"), outcome.message);
    }

    TEST_CASE("an expected failure that passes misses the expectation") {
        auto outcome = run(expecting_failure(candidate_for(app_url("users")), Category::auth));
        CHECK(outcome.passed);
        CHECK_FALSE(outcome.verdict);
        CHECK_MESSAGE(contains(outcome.message, "auth"), outcome.message);
        CHECK_FALSE(outcome.hint.empty());
    }

    TEST_CASE("a secret never appears in an outcome") {
        const std::string canary = "canary-5b1e9c";
        const std::vector<std::pair<std::string, Candidate>> cases{
            {"wrong password (URI)", candidate_for(url_for("app", canary, "users"))},
            {"wrong password (keyword/value)",
             candidate_for(fmt::format("host={} user=app password={} dbname=users", k_host, canary))},
            {"config error next to the password",
             candidate_for(fmt::format("host={} user=app password={} sslmode=requir", k_host, canary))},
            {"URI that libpq quotes whole", candidate_for(fmt::format("postgresql://app:{}@[::1/users", canary))},
            {"badly encoded password in the user part",
             candidate_for(fmt::format("postgresql://app:{}%zz@{}:5432/users", canary, k_host))},
            {"badly encoded password in the query",
             candidate_for(
                 fmt::format("postgresql://app@{}:5432/users?password={}%zz&sslmode=disable", k_host, canary))},
        };
        for (const auto& [what, candidate] : cases) {
            CAPTURE(what);
            auto outcome = run(candidate);
            REQUIRE_FALSE(outcome.passed);
            CHECK_MESSAGE(!contains(outcome.message, canary), outcome.message);
            CHECK_MESSAGE(!contains(outcome.hint, canary), outcome.hint);
            for (const auto& check : outcome.checks)
                CHECK_MESSAGE(!contains(check.message, canary), check.message);
        }
    }

    TEST_CASE("a password echoed by a check is cut from its message") {
        const std::string password = k_app_password;
        for (const auto& check : {query_value(fmt::format("SELECT '{}'", password), "something else"),
                                  query(fmt::format("SELECT * FROM \"{}\"", password))}) {
            CAPTURE(check.label());
            auto outcome = run(app_url("users"), {check});
            REQUIRE_FALSE(outcome.passed);
            CHECK_MESSAGE(!contains(outcome.message, password), outcome.message);
            REQUIRE(outcome.checks.size() == 2);
            CHECK_MESSAGE(!contains(outcome.checks[1].message, password), outcome.checks[1].message);
        }
    }
}
