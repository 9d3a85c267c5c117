#include <doctest/doctest.h>

#include "canary.hpp"
#include "stagegate/driver.hpp"
#include "support.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <string>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// A string with every setting the warnings look for, so a test sees only the warning it provokes.
const std::string k_quiet = " password=pw sslmode=verify-full connect_timeout=5";

const Driver& libpq_driver() {
    const Driver* driver = find_driver("libpq");
    REQUIRE(driver != nullptr);
    return *driver;
}

// Parses `text`, which must succeed.
ParsedCandidate parsed(const std::string& text) {
    auto result = libpq_driver().parse(text);
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    return *result;
}

// Parses `text` and returns the failure it must end in.
Failure failure_of(const std::string& text) {
    auto result = libpq_driver().parse(text);
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

bool has_warning(const ParsedCandidate& candidate, std::string_view start) {
    return std::any_of(candidate.warnings.begin(), candidate.warnings.end(),
                       [&](const std::string& warning) { return warning.starts_with(start); });
}

} // namespace

TEST_SUITE("libpq_parse") {
    TEST_CASE("a URI gives its parameters and endpoint") {
        auto candidate = parsed("postgresql://app:s3cret@db.internal:6543/users?sslmode=verify-full&connect_timeout=5");
        CHECK(candidate.form == "uri");
        CHECK(candidate.get("user") == std::optional<std::string>("app"));
        CHECK(candidate.get("password") == std::optional<std::string>("s3cret"));
        CHECK(candidate.get("host") == std::optional<std::string>("db.internal"));
        CHECK(candidate.get("port") == std::optional<std::string>("6543"));
        CHECK(candidate.get("dbname") == std::optional<std::string>("users"));
        CHECK(candidate.get("sslmode") == std::optional<std::string>("verify-full"));
        CHECK(candidate.get("connect_timeout") == std::optional<std::string>("5"));
        CHECK_FALSE(candidate.get("options").has_value());
        CHECK(candidate.default_port == 5432);
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db.internal");
        CHECK(candidate.endpoints[0].hostaddr.empty());
        CHECK(candidate.endpoints[0].port == std::optional<int>(6543));
        CHECK_FALSE(candidate.endpoints[0].unix_socket);
        CHECK(candidate.warnings.empty());
    }

    TEST_CASE("a keyword/value string gives its parameters and endpoint") {
        auto candidate = parsed("host=db user=app dbname=users port=5433" + k_quiet);
        CHECK(candidate.form == "keyword/value");
        CHECK(candidate.get("host") == std::optional<std::string>("db"));
        CHECK(candidate.get("user") == std::optional<std::string>("app"));
        CHECK(candidate.get("dbname") == std::optional<std::string>("users"));
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db");
        CHECK(candidate.endpoints[0].port == std::optional<int>(5433));
        CHECK(candidate.warnings.empty());
    }

    TEST_CASE("a keyword/value string with :// in a value is still keyword/value") {
        auto candidate = parsed("host=db application_name=http://app" + k_quiet);
        CHECK(candidate.form == "keyword/value");
    }

    TEST_CASE("the password is a secret") {
        auto candidate = parsed("host=db password='" + std::string(R"(Can@ry:p/ss w%rd\'"\\<&>)") +
                                "' sslmode=verify-full connect_timeout=5");
        CHECK(candidate.get("password") == std::optional<std::string>(k_canary));
        CHECK(candidate.secrets == std::vector<std::string>{std::string(k_canary)});
        for (const auto& parameter : candidate.parameters) {
            CAPTURE(parameter.key);
            CHECK(parameter.secret == (parameter.key == "password"));
        }
        auto uri = parsed("postgresql://app:" + std::string(k_canary_forms[1].text) +
                          "@db/users?sslmode=verify-full&connect_timeout=5");
        CHECK(uri.secrets == std::vector<std::string>{std::string(k_canary)});
    }

    TEST_CASE("several hosts give one endpoint each in order") {
        auto candidate = parsed("host=db1,db2,db3 port=5432,5433,5434" + k_quiet);
        REQUIRE(candidate.endpoints.size() == 3);
        CHECK(candidate.endpoints[0].host == "db1");
        CHECK(candidate.endpoints[0].port == std::optional<int>(5432));
        CHECK(candidate.endpoints[1].host == "db2");
        CHECK(candidate.endpoints[1].port == std::optional<int>(5433));
        CHECK(candidate.endpoints[2].host == "db3");
        CHECK(candidate.endpoints[2].port == std::optional<int>(5434));
    }

    TEST_CASE("one port serves every host") {
        auto candidate = parsed("host=db1,db2 port=6432" + k_quiet);
        REQUIRE(candidate.endpoints.size() == 2);
        CHECK(candidate.endpoints[0].port == std::optional<int>(6432));
        CHECK(candidate.endpoints[1].port == std::optional<int>(6432));
    }

    TEST_CASE("a URI host without a port gets the default port") {
        auto candidate = parsed("postgres://app:pw@db1,db2:5433/users?sslmode=verify-full&connect_timeout=5");
        REQUIRE(candidate.endpoints.size() == 2);
        CHECK(candidate.endpoints[0].host == "db1");
        CHECK(candidate.endpoints[0].port.value_or(candidate.default_port) == 5432);
        CHECK(candidate.endpoints[1].host == "db2");
        CHECK(candidate.endpoints[1].port == std::optional<int>(5433));
    }

    TEST_CASE("hostaddr is kept beside the host") {
        auto candidate = parsed("host=db.internal hostaddr=10.0.0.5" + k_quiet);
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db.internal");
        CHECK(candidate.endpoints[0].hostaddr == "10.0.0.5");
        CHECK_FALSE(candidate.endpoints[0].unix_socket);
    }

    TEST_CASE("no host or a directory means a unix socket") {
        auto none = parsed("dbname=users" + k_quiet);
        REQUIRE(none.endpoints.size() == 1);
        CHECK(none.endpoints[0].host.empty());
        CHECK(none.endpoints[0].unix_socket);
        auto directory = parsed("host=/var/run/postgresql" + k_quiet);
        REQUIRE(directory.endpoints.size() == 1);
        CHECK(directory.endpoints[0].host == "/var/run/postgresql");
        CHECK(directory.endpoints[0].unix_socket);
        auto uri = parsed("postgresql:///users?sslmode=verify-full&connect_timeout=5&password=pw");
        REQUIRE(uri.endpoints.size() == 1);
        CHECK(uri.endpoints[0].unix_socket);
    }

    TEST_CASE("an unknown keyword fails as config with libpq's reason") {
        auto failure = failure_of("host=db pasword=hunter2");
        CHECK(failure.category == Category::config);
        CHECK(failure.message == "invalid connection option \"pasword\"");
        CHECK_FALSE(failure.hint.empty());
        auto uri = failure_of("postgresql://db/users?sslmod=require");
        CHECK(uri.category == Category::config);
        CHECK(uri.message == "invalid URI query parameter: \"sslmod\"");
    }

    TEST_CASE("a bad sslmode fails as config and never shows the password") {
        auto failure = failure_of("host=db password=hunter2 sslmode=requir");
        CHECK(failure.category == Category::config);
        CHECK(failure.message == "invalid sslmode value: \"requir\"");
        auto uri = failure_of("postgresql://app:" + std::string(k_canary_forms[1].text) + "@db/users?sslmode=requir");
        CHECK(uri.message == "invalid sslmode value: \"requir\"");
    }

    TEST_CASE("a bad URI fails as config and never shows the password") {
        auto failure = failure_of("postgresql://app:hunter2@[::1/users");
        CHECK(failure.category == Category::config);
        CHECK(
            failure.message.starts_with("end of string reached when looking for matching \"]\" in IPv6 host address"));
        CHECK(failure.message.find("hunter2") == std::string::npos);
    }

    TEST_CASE("bad percent-encoding fails as config and never shows the password") {
        auto failure = failure_of("postgresql://app:hun%zzter2@db/users");
        CHECK(failure.category == Category::config);
        CHECK(failure.message.starts_with("invalid percent-encoded token: "));
        CHECK(failure.message.find("hun") == std::string::npos);
        auto in_query = failure_of("postgresql://db/users?password=hun%zzter2&sslmode=require");
        CHECK(in_query.category == Category::config);
        CHECK(in_query.message.starts_with("invalid percent-encoded token: "));
        CHECK(in_query.message.find("hun") == std::string::npos);
    }

    TEST_CASE("a bad port fails as config with libpq's reason") {
        CHECK(failure_of("host=db port=70000 password=hunter2").message == "invalid port number: \"70000\"");
        CHECK(failure_of("host=db port=0").message == "invalid port number: \"0\"");
        auto word = failure_of("postgresql://app:hunter2@db:abc/users");
        CHECK(word.category == Category::config);
        CHECK(word.message == "invalid integer value \"abc\" for connection option \"port\"");
        CHECK(failure_of("host=a,b port=1,2,3").message == "could not match 3 port numbers to 2 hosts");
    }

    TEST_CASE("a password with a raw slash never shows in the reason") {
        // libpq reads "app:Tr0ub4dor/3@db" as host "app", port "Tr0ub4dor": its reason quotes the
        // password.
        auto failure = failure_of("postgresql://app:Tr0ub4dor/3@db/users");
        CHECK(failure.category == Category::config);
        CHECK(failure.message.find("Tr0ub4dor") == std::string::npos);
    }

    TEST_CASE("a broken keyword/value password never shows in the reason") {
        auto failure = failure_of("host=db password=hunter2 extra");
        CHECK(failure.category == Category::config);
        CHECK(failure.message.find("extra") == std::string::npos);
        CHECK(failure.message.find("hunter2") == std::string::npos);
    }

    TEST_CASE("weak sslmode settings are warned about") {
        auto missing = parsed("host=db password=pw connect_timeout=5");
        CHECK(missing.warnings.size() == 1);
        CHECK(has_warning(missing, "sslmode is not set: libpq defaults to `prefer`"));
        auto prefer = parsed("host=db password=pw connect_timeout=5 sslmode=prefer");
        CHECK(prefer.warnings == std::vector<std::string>{
                                     "sslmode=prefer silently falls back to plaintext; use verify-full (or require)"});
        auto disable = parsed("host=db password=pw connect_timeout=5 sslmode=disable");
        CHECK(disable.warnings ==
              std::vector<std::string>{"sslmode=disable: credentials and data travel in plaintext"});
        auto require = parsed("host=db password=pw connect_timeout=5 sslmode=require");
        CHECK(require.warnings.size() == 1);
        CHECK(has_warning(require, "sslmode=require encrypts but never checks the server's certificate"));
        CHECK(parsed("host=db password=pw connect_timeout=5 sslmode=verify-ca").warnings.empty());
    }

    TEST_CASE("a missing connect_timeout is warned about") {
        auto candidate = parsed("host=db password=pw sslmode=verify-full");
        CHECK(candidate.warnings.size() == 1);
        CHECK(has_warning(candidate, "connect_timeout is not set"));
    }

    TEST_CASE("several hosts are warned about") {
        auto candidate = parsed("host=db1,db2" + k_quiet);
        CHECK(candidate.warnings == std::vector<std::string>{"2 hosts: libpq falls back to the next host on "
                                                             "failure, which can hide a typo in one of them"});
    }

    TEST_CASE("a string without password is warned about") {
        auto candidate = parsed("host=db sslmode=verify-full connect_timeout=5");
        CHECK(candidate.warnings.size() == 1);
        CHECK(has_warning(candidate, "no password in the string"));
        CHECK(candidate.secrets.empty());
    }
}

TEST_SUITE("libpq driver") {
    TEST_CASE("the registry finds libpq by name and nothing by another name") {
        REQUIRE(find_driver("libpq") != nullptr);
        CHECK(find_driver("libpq")->name() == "libpq");
        CHECK(find_driver("jdbc") == nullptr);
        CHECK(driver_names() == "libpq, mysqlcppconn, soci");
    }

    TEST_CASE("each driver says which protocols it speaks and whether it reads service files") {
        CHECK(driver_names_speaking("postgresql", " or ") == "libpq or soci");
        CHECK(driver_names_speaking("mysql", " or ") == "mysqlcppconn or soci");
        CHECK(driver_names_speaking("sqlite3", " or ") == "soci");
        CHECK(driver_names_speaking("oracle", " or ").empty());
        CHECK(driver_names_with(Capability::service_files, ", ") == "libpq");
        CHECK(speaks(*find_driver("soci"), "sqlite3"));
        CHECK_FALSE(speaks(*find_driver("libpq"), "mysql"));
    }

    TEST_CASE("libpq declares every capability of this version") {
        const Driver& libpq = *find_driver("libpq");
        for (Capability capability : {Capability::keyword_value_strings, Capability::uri_strings,
                                      Capability::multi_host, Capability::tls_in_use, Capability::server_settings,
                                      Capability::deadline_connect, Capability::service_files})
            CHECK(libpq.has(capability));
        CHECK(libpq.client_version().starts_with(std::to_string(PQlibVersion() / 10000) + "."));
    }

    TEST_CASE("a service is read from its file without touching the process environment") {
        auto file = write_file(fresh_dir("pg-service") / "pg_service.conf",
                               "[other]\nhost=db.other.test\nport=5433\n\n"
                               "[billing]\nhost=db.billing.test\nport=6432\ndbname=billing\nuser=app\n"
                               "password=service-secret\nsslmode=verify-full\npassfile=/srv/billing.pgpass\n");
        ScopedEnv service_file("PGSERVICEFILE", file.c_str());
        // Another thread's view of the environment: parse must leave it exactly as it was.
        ScopedEnv service("PGSERVICE", "other");
        auto candidate = parsed("service=billing connect_timeout=5");
        CHECK(std::string(std::getenv("PGSERVICE")) == "other");
        CHECK(candidate.get("host") == "db.billing.test");
        CHECK(candidate.get("port") == "6432");
        CHECK(candidate.get("dbname") == "billing");
        CHECK(candidate.get("sslmode") == "verify-full");
        CHECK(candidate.get("passfile") == "/srv/billing.pgpass");
        CHECK(std::count(candidate.secrets.begin(), candidate.secrets.end(), "service-secret") == 1);
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].port == 6432);
        // The string wins over the service file.
        CHECK(parsed("service=billing port=7777").get("port") == "7777");
    }
}
