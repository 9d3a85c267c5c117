#include "conformance_context.hpp"

#include "live_checks.hpp"
#include "live_mariadb.hpp"
#include "live_server.hpp"
#include "run/candidate_runner.hpp"
#include "util/text.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>

namespace stagegate::test {

namespace {

// The PostgreSQL role with the same password as MariaDB's app, so both engines test one password.
constexpr const char* k_postgres_app = "webapp";

// SOCI's postgresql backend re-tokenizes the string before libpq reads it: it ends a value at a
// blank and knows only double quotes, which it strips. A libpq-quoted value in double quotes
// survives whole.
std::string soci_postgresql_quoted(const std::string& value) {
    return "\"" + single_quoted(value) + "\"";
}

std::string percent_encoded(const std::string& value) {
    return percent_encode(value);
}

std::string with_port(const CandidateSpec& spec) {
    return spec.port ? fmt::format("{}:{}", spec.host, *spec.port) : spec.host;
}

std::string uri_options(const CandidateSpec& spec) {
    std::string out;
    for (const auto& [key, value] : spec.options)
        out += fmt::format("{}{}={}", out.empty() ? "?" : "&", key, percent_encode(value));
    return out;
}

std::string uri(std::string_view scheme, const CandidateSpec& spec) {
    return fmt::format("{}://{}:{}@{}/{}{}", scheme, percent_encode(spec.login.user),
                       percent_encoded(spec.login.password), with_port(spec), percent_encode(spec.database),
                       uri_options(spec));
}

std::string keyword_value(std::string_view prefix, std::string_view database_key, const CandidateSpec& spec,
                          std::string (*quote)(const std::string&)) {
    std::string out = fmt::format("{}host={}", prefix, spec.host);
    if (spec.port)
        out += fmt::format(" port={}", *spec.port);
    out += fmt::format(" {}={} user={} password={}", database_key, spec.database, spec.login.user,
                       quote(spec.login.password));
    for (const auto& [key, value] : spec.options)
        out += fmt::format(" {}={}", key, value);
    return out;
}

std::string libpq_uri(const CandidateSpec& spec) {
    return uri("postgresql", spec);
}

std::string soci_postgresql(const CandidateSpec& spec) {
    return keyword_value("postgresql://", "dbname", spec, soci_postgresql_quoted);
}

std::string mysql_url(const CandidateSpec& spec) {
    return uri("mysql", spec);
}

std::string soci_mysql(const CandidateSpec& spec) {
    return keyword_value("mysql://", "db", spec, single_quoted);
}

void run_as_superuser(const Instance& instance, const std::string& sql) {
    auto session = instance.admin_driver().connect_admin(instance.admin(""), Deadline::in(Millis(10000)));
    REQUIRE_MESSAGE(session.has_value(), why(session));
    auto done = (*session)->execute(sql, Deadline::in(Millis(10000)));
    REQUIRE_MESSAGE(done.has_value(), why(done));
}

// The shared PostgreSQL server, with role webapp added: a member of app (so it may read
// users.accounts) whose password has every special character.
Target postgres() {
    static LiveServer& server = []() -> LiveServer& {
        LiveServer& shared = LiveServer::get();
        std::string password = k_mariadb_app_password;
        std::string literal;
        for (char c : password)
            literal += c == '\'' ? std::string("''") : std::string(1, c);
        run_as_superuser(shared.instance(),
                         fmt::format("CREATE ROLE {} LOGIN PASSWORD '{}' IN ROLE app", k_postgres_app, literal));
        return shared;
    }();
    return Target{&server.database(), server.route()};
}

Target mariadb() {
    LiveMariadb& server = LiveMariadb::get();
    return Target{&server.database(), server.route()};
}

// libpq refuses plaintext itself once a mode demands TLS, before any certificate is looked at.
const std::vector<TlsMode> k_libpq_modes{
    {"disable", std::nullopt, "every check passed"},
    {"allow", std::nullopt, "every check passed"},
    {"prefer", std::nullopt, "every check passed"},
    {"require", Category::tls, "server does not support SSL, but SSL was required"},
    {"verify-ca", Category::tls, "server does not support SSL, but SSL was required"},
    {"verify-full", Category::tls, "server does not support SSL, but SSL was required"},
};

DriverContext postgres_context(std::string name, std::string driver, std::string (*write)(const CandidateSpec&),
                               std::string (*written_password)(const std::string&), std::string misspelled_says) {
    DriverContext context;
    context.name = std::move(name);
    context.driver = std::move(driver);
    context.engine = Engine::postgres;
    context.default_port = 5432;
    context.write = write;
    context.written_password = written_password;
    context.decodes_percent = written_password == percent_encoded;
    context.target = postgres;
    context.app = {k_postgres_app, k_mariadb_app_password};
    context.reader = {"reader", k_reader_password};
    context.sees_every_database = context.app; // PostgreSQL tells anyone that a database is missing
    context.misspelled_option = {"conect_timeout", "5"};
    context.misspelled_option_says = std::move(misspelled_says);
    context.tls_option = "sslmode";
    context.tls_modes = k_libpq_modes;
    return context;
}

DriverContext mariadb_context(std::string name, std::string driver, std::string (*write)(const CandidateSpec&),
                              std::string (*written_password)(const std::string&)) {
    DriverContext context;
    context.name = std::move(name);
    context.driver = std::move(driver);
    context.engine = Engine::mariadb;
    context.default_port = 3306;
    context.write = write;
    context.written_password = written_password;
    context.decodes_percent = written_password == percent_encoded;
    context.target = mariadb;
    context.app = {"app", k_mariadb_app_password};
    context.reader = {"reader", k_mariadb_reader_password};
    // MariaDB answers 1044 (permission) for a missing database unless the account has a grant there.
    context.sees_every_database = {"auditor", k_mariadb_auditor_password};
    return context;
}

std::vector<DriverContext> make_contexts() {
    DriverContext mysqlcppconn = mariadb_context("mysqlcppconn", "mysqlcppconn", mysql_url, percent_encoded);
    mysqlcppconn.misspelled_option = {"conect-timeout", "5"};
    mysqlcppconn.misspelled_option_says = "unknown option \"conect-timeout\" (did you mean connect-timeout?)";
    mysqlcppconn.tls_option = "ssl-mode";
    // Connector/C++ 1.1 on MariaDB Connector/C enforces TLS only with certificate verification:
    // REQUIRED connects in plaintext, and the driver fails it as tls after the fact.
    mysqlcppconn.tls_modes = {
        {"DISABLED", std::nullopt, "every check passed"},
        {"PREFERRED", std::nullopt, "every check passed"},
        {"REQUIRED", Category::tls, "ssl-mode=REQUIRED asked for TLS, but the session is plaintext"},
        {"VERIFY_CA", Category::tls, "SSL is required, but the server does not support it (error 2026)"},
        {"VERIFY_IDENTITY", Category::tls, "SSL is required, but the server does not support it (error 2026)"},
    };

    DriverContext soci_mysql_context = mariadb_context("soci:mysql", "soci", soci_mysql, single_quoted);
    soci_mysql_context.misspelled_option = {"conect_timeout", "5"};
    soci_mysql_context.misspelled_option_says = "Malformed connection string.";
    soci_mysql_context.without_tls_modes =
        "SOCI 4.0.3's mysql backend reads no ssl_mode: its only TLS options are sslca, sslcert and sslkey, so a "
        "string cannot demand TLS, and an ssl_mode option is refused as a malformed string";

    return {
        postgres_context("libpq", "libpq", libpq_uri, percent_encoded,
                         "invalid URI query parameter: \"conect_timeout\""),
        postgres_context("soci:postgresql", "soci", soci_postgresql, soci_postgresql_quoted,
                         "libpq (through SOCI) refuses the string: invalid connection option \"conect_timeout\""),
        mysqlcppconn,
        soci_mysql_context,
    };
}

} // namespace

Candidate candidate_for(const DriverContext& context, const CandidateSpec& spec, std::vector<Check> queries,
                        std::optional<Category> fails_with) {
    Candidate candidate;
    candidate.name = "conformance";
    candidate.driver = context.driver;
    candidate.source.url = context.write(spec);
    candidate.checks.push_back(Check{});
    for (auto& check : queries)
        candidate.checks.push_back(std::move(check));
    if (fails_with)
        candidate.expect = Expectation{false, *fails_with};
    return candidate;
}

CandidateOutcome try_candidate(const Candidate& candidate, const Database& database, const Route& route) {
    Redactor redactor;
    return run_alone(candidate, database, route, redactor);
}

CandidateOutcome try_candidate(const DriverContext& context, const Candidate& candidate) {
    Target target = context.target();
    return try_candidate(candidate, *target.database, target.route);
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

const std::vector<DriverContext>& driver_contexts() {
    static const std::vector<DriverContext> contexts = make_contexts();
    return contexts;
}

const DriverContext& driver_context(std::string_view name) {
    const auto& contexts = driver_contexts();
    auto found = std::find_if(contexts.begin(), contexts.end(),
                              [&](const DriverContext& context) { return context.name == name; });
    REQUIRE_MESSAGE(found != contexts.end(), "no conformance context " << std::string(name));
    return *found;
}

} // namespace stagegate::test
