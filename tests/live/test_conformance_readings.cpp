// Where two clients read one string differently: percent-encoding, special characters in
// passwords, default ports, unknown options. Each case runs every driver's context against its
// live server and shows the difference with real outcomes.
#include <doctest/doctest.h>

#include "conformance_context.hpp"
#include "live_checks.hpp"
#include "live_mariadb.hpp"
#include "provision/provider.hpp"
#include "stagegate/driver.hpp"
#include "support.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// A copy of `database` that answers only on `port`, so the port a string leads to shows.
Database answering_only_on(const Database& database, int port) {
    Database moved = database;
    for (auto& name : moved.answers_as)
        name.port = port;
    return moved;
}

CandidateSpec without_port(const DriverContext& context) {
    auto spec = context.app_spec();
    spec.port.reset();
    return spec;
}

// Returns the contexts `wanted` picks; there must be at least one, so no case asserts nothing.
std::vector<const DriverContext*> contexts_where(bool (*wanted)(const DriverContext&)) {
    std::vector<const DriverContext*> found;
    for (const auto& context : driver_contexts()) {
        if (wanted(context))
            found.push_back(&context);
    }
    REQUIRE_FALSE(found.empty());
    return found;
}

bool decodes_percent(const DriverContext& context) {
    return context.decodes_percent;
}

bool reads_keywords(const DriverContext& context) {
    return !context.decodes_percent;
}

bool on_mariadb(const DriverContext& context) {
    return context.engine == Engine::mariadb;
}

} // namespace

TEST_SUITE("conformance readings") {
    TEST_CASE("a password with every special character passes written the way each client needs it") {
        for (const auto& context : driver_contexts()) {
            CAPTURE(context.name);
            REQUIRE(context.app.password == k_mariadb_app_password);
            Candidate candidate = candidate_for(context, context.app_spec());
            const std::string& text = *candidate.source.url;
            CAPTURE(text);
            CHECK(contains(text, context.written_password(context.app.password)));
            auto outcome = try_candidate(context, candidate);
            CHECK_MESSAGE(outcome.passed, outcome.message);
        }
    }

    TEST_CASE("a percent-encoded password passes through URI clients and fails as auth through the others") {
        for (const auto& context : driver_contexts()) {
            CAPTURE(context.name);
            auto spec = context.app_spec();
            if (!context.decodes_percent)
                spec.login.password = percent_encode(context.app.password); // the writer only quotes it
            Candidate candidate = candidate_for(context, spec);
            CAPTURE(*candidate.source.url);
            CHECK(contains(*candidate.source.url, percent_encode(context.app.password)));
            auto outcome = try_candidate(context, candidate);
            if (context.decodes_percent) {
                CHECK_MESSAGE(outcome.passed, outcome.message);
            } else {
                CHECK(outcome.category == Category::auth);
                CHECK_MESSAGE(contains(outcome.message, context.engine == Engine::postgres
                                                            ? "password authentication failed for user \"webapp\""
                                                            : "Access denied for user 'app'"),
                              outcome.message);
            }
        }
    }

    TEST_CASE("a password written into a URI without percent-encoding fails as config") {
        for (const auto* each : contexts_where(decodes_percent)) {
            const DriverContext& context = *each;
            CAPTURE(context.name);
            std::string text =
                fmt::format("{}://{}:{}@{}:{}/users", context.engine == Engine::postgres ? "postgresql" : "mysql",
                            context.app.user, context.app.password, k_conformance_host, context.default_port);
            Candidate candidate = candidate_for(context, context.app_spec());
            candidate.source.url = text;
            auto outcome = try_candidate(context, candidate);
            CHECK(outcome.category == Category::config);
            // libpq ends the user information at the first '@'; Connector/C++'s reader at the first '/'.
            CHECK_MESSAGE(contains(outcome.message, context.name == "libpq" ? "invalid percent-encoded token"
                                                                            : "is not a database name"),
                          outcome.message);
            CHECK_MESSAGE(!contains(outcome.message, context.app.password), outcome.message);
        }
    }

    TEST_CASE("a password written into a keyword string without quotes fails as config") {
        for (const auto* each : contexts_where(reads_keywords)) {
            const DriverContext& context = *each;
            CAPTURE(context.name);
            Candidate candidate = candidate_for(context, context.app_spec());
            std::string& text = *candidate.source.url;
            auto written = context.written_password(context.app.password);
            text.replace(text.find(written), written.size(), context.app.password);
            CAPTURE(text);
            auto outcome = try_candidate(context, candidate);
            CHECK(outcome.category == Category::config);
            // SOCI's postgresql backend hands the password's tail to libpq as a parameter name ("tail=");
            // SOCI's mysql reader refuses it.
            CHECK_MESSAGE(contains(outcome.message, context.engine == Engine::postgres
                                                        ? "invalid connection option"
                                                        : "Malformed connection string."),
                          outcome.message);
            std::string_view password = context.app.password;
            CHECK_MESSAGE(!contains(outcome.message, password.substr(0, password.find(' '))), outcome.message);
            CHECK_MESSAGE(!contains(outcome.message, password.substr(password.find(' ') + 1)), outcome.message);
        }
    }

    TEST_CASE("a string without a port goes to the client's default port") {
        for (const auto& context : driver_contexts()) {
            CAPTURE(context.name);
            Target target = context.target();
            Candidate candidate = candidate_for(context, without_port(context));
            CAPTURE(*candidate.source.url);
            auto reached = try_candidate(candidate, *target.database, target.route);
            CHECK_MESSAGE(reached.passed, reached.message);
            auto refused = try_candidate(candidate, answering_only_on(*target.database, 6543), target.route);
            CHECK(refused.category == Category::refused);
            CHECK_MESSAGE(contains(refused.message,
                                   fmt::format("{}:{} refuses connections", k_conformance_host, context.default_port)),
                          refused.message);
            CHECK_MESSAGE(contains(refused.message, "answers on port 6543"), refused.message);
        }
    }

    TEST_CASE("an unknown option fails as config in each client's words") {
        for (const auto& context : driver_contexts()) {
            CAPTURE(context.name);
            auto spec = context.app_spec();
            spec.options.push_back(context.misspelled_option);
            auto outcome = try_candidate(context, candidate_for(context, spec));
            CHECK(outcome.category == Category::config);
            CHECK_MESSAGE(contains(outcome.message, context.misspelled_option_says), outcome.message);
            CHECK_FALSE(outcome.hint.empty());
        }
    }

    TEST_CASE("SOCI's sqlite3 backend ignores an unknown option with a warning") {
        const Driver& soci = *find_driver("soci");
        auto file = fresh_dir("conformance-sqlite") / "app.db";
        auto admin =
            soci.connect_admin(AdminLogin{"sqlite3", file.string(), 0, "", "", ""}, Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(admin.has_value(), why(admin));
        REQUIRE((*admin)->execute("CREATE TABLE accounts (id int); INSERT INTO accounts VALUES (1), (2), (3)",
                                  Deadline::in(Millis(5000))));
        std::string text = fmt::format("sqlite3://db={} conect_timeout=5", file.string());
        auto parsed = soci.parse(text);
        REQUIRE_MESSAGE(parsed.has_value(), why(parsed));
        REQUIRE(parsed->warnings.size() == 1);
        CHECK_MESSAGE(contains(parsed->warnings[0], "silently ignores \"conect_timeout\""), parsed->warnings[0]);

        Database database;
        database.engine = Engine::sqlite;
        database.answers_as = {{file.string(), 0, {}}};
        Candidate candidate;
        candidate.name = "sqlite";
        candidate.driver = "soci";
        candidate.source.url = text;
        QueryCheck count;
        count.sql = "SELECT count(*) FROM accounts";
        count.expect_value = "3";
        candidate.checks = {Check{}, Check{}};
        candidate.checks[1].spec = count;
        auto outcome = try_candidate(candidate, database, Route{file.string(), 0});
        CHECK_MESSAGE(outcome.passed, outcome.message);
    }

    TEST_CASE("MariaDB answers a missing database the account has no grant on as permission") {
        for (const auto* each : contexts_where(on_mariadb)) {
            const DriverContext& context = *each;
            CAPTURE(context.name);
            auto spec = context.app_spec();
            spec.database = "nosuchdb";
            auto outcome = try_candidate(context, candidate_for(context, spec));
            CHECK(outcome.category == Category::permission);
            CHECK_MESSAGE(contains(outcome.message, "Access denied for user 'app'@'%' to database 'nosuchdb'"),
                          outcome.message);
            CHECK_MESSAGE(contains(outcome.hint, "1044"), outcome.hint);
        }
    }

    TEST_CASE("SOCI's postgresql reader keeps a password with a space only in double quotes around libpq's quotes") {
        const DriverContext& context = driver_context("soci:postgresql");
        Candidate candidate = candidate_for(context, context.app_spec());
        std::string& text = *candidate.source.url;
        const std::string written = context.written_password(context.app.password);
        REQUIRE(text.ends_with("password=" + written)); // the password is the last parameter
        struct Form {
            std::string password;
            std::string says;
        };
        // SOCI ends the value at the blank and hands "@:/...'=" to libpq as a parameter without a name.
        const Form libpq_quotes{single_quoted(context.app.password), "invalid connection option \"\""};
        // SOCI strips the double quotes, so libpq ends the value at the blank.
        const Form double_quotes{"\"" + std::string(context.app.password) + "\"", "missing \"=\" after"};
        for (const auto& form : {libpq_quotes, double_quotes}) {
            text.replace(text.size() - written.size(), written.size(), form.password);
            CAPTURE(text);
            auto outcome = try_candidate(context, candidate);
            CHECK(outcome.category == Category::config);
            CHECK_MESSAGE(contains(outcome.message, form.says), outcome.message);
            text.replace(text.size() - form.password.size(), form.password.size(), written);
        }
        auto outcome = try_candidate(context, candidate);
        CHECK_MESSAGE(outcome.passed, outcome.message);
    }
}
