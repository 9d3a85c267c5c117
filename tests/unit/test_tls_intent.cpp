#include <doctest/doctest.h>

#include "stagegate/driver.hpp"

#include <string>

using namespace stagegate;

namespace {

ParsedCandidate parsed(const char* driver, const std::string& text) {
    auto result = find_driver(driver)->parse(text);
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    return *result;
}

} // namespace

// Each driver says how strongly its string protects the session, in its client's own terms, so
// the harness judges TLS policy without knowing any client's option names.
TEST_SUITE("tls intent") {
    TEST_CASE("libpq: sslmode, with require plus a root certificate counting as verify-ca") {
        CHECK(parsed("libpq", "host=db").tls == TlsIntent::opportunistic);
        CHECK(parsed("libpq", "host=db").tls_setting == "no sslmode (libpq's default: prefer)");
        CHECK(parsed("libpq", "host=db sslmode=disable").tls == TlsIntent::none);
        CHECK(parsed("libpq", "host=db sslmode=allow").tls == TlsIntent::opportunistic);
        CHECK(parsed("libpq", "host=db sslmode=require").tls == TlsIntent::encrypted);
        CHECK(parsed("libpq", "host=db sslmode=require sslrootcert=/ca.pem").tls == TlsIntent::verify_ca);
        CHECK(parsed("libpq", "host=db sslmode=verify-ca").tls == TlsIntent::verify_ca);
        CHECK(parsed("libpq", "postgresql://db/x?sslmode=verify-full").tls == TlsIntent::verify_full);
        CHECK(parsed("libpq", "postgresql://db/x?sslmode=verify-full").tls_setting == "sslmode=verify-full");
    }

    TEST_CASE("mysqlcppconn: ssl-mode in any case, REQUIRED with a CA checking the chain") {
        CHECK(parsed("mysqlcppconn", "mysql://u:p@db/x").tls == TlsIntent::none);
        CHECK(parsed("mysqlcppconn", "mysql://u:p@db/x?ssl-mode=preferred").tls == TlsIntent::opportunistic);
        CHECK(parsed("mysqlcppconn", "mysql://u:p@db/x?ssl-mode=REQUIRED").tls == TlsIntent::encrypted);
        CHECK(parsed("mysqlcppconn", "mysql://u:p@db/x?ssl-mode=REQUIRED&ssl-ca=/ca.pem").tls == TlsIntent::verify_ca);
        CHECK(parsed("mysqlcppconn", "mysql://u:p@db/x?sslMode=VERIFY_IDENTITY").tls == TlsIntent::verify_full);
        CHECK(parsed("mysqlcppconn", "mysql://u:p@db/x?sslMode=VERIFY_IDENTITY").tls_setting ==
              "ssl-mode=VERIFY_IDENTITY");
    }

    TEST_CASE("soci: postgresql as libpq reads it, mysql by sslca, sqlite3 not applicable") {
        CHECK(parsed("soci", "postgresql://host=db sslmode=verify-full").tls == TlsIntent::verify_full);
        CHECK(parsed("soci", "mysql://host=db db=x user=u password=p").tls == TlsIntent::none);
        CHECK(parsed("soci", "mysql://host=db db=x user=u password=p sslca=/ca.pem").tls == TlsIntent::encrypted);
        CHECK(parsed("soci", "sqlite3://db=/var/lib/app.db").tls == TlsIntent::not_applicable);
    }
}
