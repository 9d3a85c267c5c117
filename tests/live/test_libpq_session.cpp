#include <doctest/doctest.h>

#include "live_checks.hpp"
#include "live_server.hpp"
#include "stagegate/driver.hpp"
#include "support.hpp"
#include "util/environment.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <regex>
#include <thread>

using namespace stagegate;
using namespace stagegate::test;

namespace {

const Driver& libpq() {
    const Driver* driver = find_driver("libpq");
    REQUIRE(driver != nullptr);
    return *driver;
}

std::string app_url(const std::string& database) {
    return fmt::format("postgresql://app:{}@db-primary.staging.internal:5432/{}", percent_encode(k_app_password),
                       database);
}

Millis since(Clock::time_point start) {
    return std::chrono::duration_cast<Millis>(Clock::now() - start);
}

std::unique_ptr<Session> admin_session(const std::string& database) {
    auto session = libpq().connect_admin(LiveServer::get().instance().admin(database), Deadline::in(Millis(10000)));
    REQUIRE_MESSAGE(session.has_value(), why(session));
    return std::move(*session);
}

// Connects `url` the way a candidate connects: parsed by the driver, every endpoint sent to `route`.
Result<std::unique_ptr<Session>> connect_to(const std::string& url, const Route& route, Millis budget) {
    auto parsed = libpq().parse(url);
    REQUIRE_MESSAGE(parsed.has_value(), why(parsed));
    std::vector<Route> routes(parsed->endpoints.size(), route);
    return libpq().connect(*parsed, routes, Deadline::in(budget));
}

std::unique_ptr<Session> app_session() {
    auto session = connect_to(app_url("users"), LiveServer::get().route(), Millis(10000));
    REQUIRE_MESSAGE(session.has_value(), why(session));
    return std::move(*session);
}

// Returns how many back ends run a statement containing `marker` (other than the asking one).
long statements_running(Session& admin, const std::string& marker) {
    auto result = admin.execute(fmt::format("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                                            "AND pid <> pg_backend_pid() AND query LIKE '%{}%'",
                                            marker),
                                Deadline::in(Millis(5000)));
    REQUIRE_MESSAGE(result.has_value(), why(result));
    return std::stol(result->rows.at(0).at(0).value_or("-1"));
}

} // namespace

TEST_SUITE("libpq session") {
    TEST_CASE("execute returns columns and rows with NULLs as nullopt") {
        auto session = app_session();
        auto result = session->execute("SELECT id, NULLIF(email, 'grace@example.com') AS email "
                                       "FROM accounts ORDER BY id",
                                       Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(result.has_value(), why(result));
        CHECK(result->columns == std::vector<std::string>{"id", "email"});
        REQUIRE(result->rows.size() == 3);
        CHECK(result->rows[0][0] == std::optional<std::string>("1"));
        CHECK(result->rows[0][1] == std::optional<std::string>("ada@example.com"));
        CHECK_FALSE(result->rows[1][1].has_value());
        CHECK(result->rows[2][1] == std::optional<std::string>("linus@example.com"));
    }

    TEST_CASE("execute returns the last result of several statements") {
        auto session = app_session();
        auto result = session->execute("SELECT 1 AS first; SELECT 2 AS second", Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(result.has_value(), why(result));
        CHECK(result->columns == std::vector<std::string>{"second"});
        REQUIRE(result->rows.size() == 1);
        CHECK(result->rows[0][0] == std::optional<std::string>("2"));
    }

    TEST_CASE("a statement past its deadline fails as timeout and is cancelled") {
        const std::string marker = "stagegate-deadline-probe";
        auto admin = admin_session("postgres");
        auto session = app_session();
        auto start = Clock::now();
        auto result = session->execute(fmt::format("SELECT pg_sleep(5) /* {} */", marker), Deadline::in(Millis(300)));
        auto elapsed = since(start);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().category == Category::timeout);
        CHECK_MESSAGE(result.error().message.find("cancelled") != std::string::npos, result.error().message);
        CHECK(elapsed >= Millis(250));
        CHECK(elapsed < Millis(1000));
        auto deadline = Deadline::in(Millis(1000));
        while (statements_running(*admin, marker) > 0 && !deadline.expired())
            std::this_thread::sleep_for(Millis(20));
        CHECK(statements_running(*admin, marker) == 0);
    }

    TEST_CASE("an interruption from another thread stops a long statement") {
        auto session = app_session();
        std::atomic<bool> interrupted{false};
        std::jthread interrupter([&] {
            std::this_thread::sleep_for(Millis(200));
            interrupted = true;
        });
        auto start = Clock::now();
        auto result = session->execute("SELECT pg_sleep(5)", Deadline::in(Millis(10000), &interrupted));
        auto elapsed = since(start);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().category == Category::timeout);
        CHECK_MESSAGE(result.error().message.find("interrupted") != std::string::npos, result.error().message);
        CHECK(elapsed < Millis(1000));
    }

    TEST_CASE("setting reads a server setting back") {
        auto session = app_session();
        auto value = session->setting("max_connections", Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(value.has_value(), why(value));
        auto shown = session->execute("SHOW max_connections", Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(shown.has_value(), why(shown));
        CHECK(*value == shown->rows.at(0).at(0).value_or("?"));
        CHECK(std::regex_match(*value, std::regex("[0-9]+")));
    }

    TEST_CASE("setting fails for an unknown name") {
        auto session = app_session();
        auto value = session->setting("no_such_setting", Deadline::in(Millis(5000)));
        REQUIRE_FALSE(value.has_value());
        CHECK_MESSAGE(value.error().message.find("no_such_setting") != std::string::npos, value.error().message);
    }

    TEST_CASE("tls reports no TLS on a server without ssl") {
        auto session = app_session();
        auto ssl = session->execute("SHOW ssl", Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(ssl.has_value(), why(ssl));
        REQUIRE(ssl->rows.at(0).at(0) == std::optional<std::string>("off"));
        TlsState tls = session->tls();
        CHECK_FALSE(tls.in_use);
        CHECK(tls.version.empty());
        CHECK(tls.cipher.empty());
    }

    TEST_CASE("identity gives the major.minor version and a writable session") {
        auto session = app_session();
        auto identity = session->identity(Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(identity.has_value(), why(identity));
        CHECK_MESSAGE(std::regex_match(identity->version, std::regex("[0-9]+\\.[0-9]+")), identity->version);
        auto major =
            session->execute("SELECT current_setting('server_version_num')::int / 10000", Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(major.has_value(), why(major));
        CHECK(identity->version.starts_with(major->rows.at(0).at(0).value_or("?") + "."));
        CHECK_FALSE(identity->read_only);
    }

    TEST_CASE("identity reports a read-only session") {
        auto session = app_session();
        auto set = session->execute("SET default_transaction_read_only = on", Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(set.has_value(), why(set));
        auto identity = session->identity(Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(identity.has_value(), why(identity));
        CHECK(identity->read_only);
    }

    TEST_CASE("connect keeps its deadline against a server that never answers") {
        Blackhole blackhole;
        auto start = Clock::now();
        auto session = connect_to(app_url("users"), Route{"127.0.0.1", blackhole.port()}, Millis(300));
        auto elapsed = since(start);
        REQUIRE_FALSE(session.has_value());
        CHECK(session.error().category == Category::timeout);
        CHECK(elapsed >= Millis(250));
        CHECK(elapsed < Millis(800));
    }

    TEST_CASE("connect_admin logs in as superuser") {
        auto admin = admin_session("users");
        auto result = admin->execute("SELECT current_user, current_database(), "
                                     "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
                                     Deadline::in(Millis(5000)));
        REQUIRE_MESSAGE(result.has_value(), why(result));
        REQUIRE(result->rows.size() == 1);
        CHECK(result->rows[0][1] == std::optional<std::string>("users"));
        CHECK(result->rows[0][2] == std::optional<std::string>("t"));
    }

    TEST_CASE("parse ignores PG environment variables once the process isolated them") {
        ScopedEnv sslmode("PGSSLMODE", "bogus");
        isolate_client_environment();
        auto parsed = libpq().parse(app_url("users"));
        CHECK_MESSAGE(parsed.has_value(), why(parsed));
        CHECK(environment_value("PGSSLMODE") == std::optional<std::string>("bogus"));
    }

    TEST_CASE("connect ignores PGPASSWORD once the process isolated it") {
        ScopedEnv password("PGPASSWORD", k_app_password);
        isolate_client_environment();
        auto session = connect_to("postgresql://app@db-primary.staging.internal:5432/users", LiveServer::get().route(),
                                  Millis(10000));
        REQUIRE_FALSE_MESSAGE(session.has_value(), "logged in with the password from PGPASSWORD");
        CHECK(session.error().category == Category::auth);
    }
}
