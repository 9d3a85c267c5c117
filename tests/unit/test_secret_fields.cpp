// Password fields of strings that may not parse: what the redactor learns before any client reads
// a string, and what drivers cut from their complaints about it.
#include <doctest/doctest.h>

#include "canary.hpp"
#include "stagegate/driver.hpp"
#include "stagegate/secret_fields.hpp"

#include <algorithm>
#include <string>

using namespace stagegate;
using namespace stagegate::test;

namespace {

bool has(const std::vector<std::string>& found, std::string_view value) {
    return std::find(found.begin(), found.end(), value) != found.end();
}

} // namespace

TEST_SUITE("secret fields") {
    TEST_CASE("a URI without a host has its password read as the port") {
        CHECK(has(secret_fields("postgresql://app:NoHost-pw1"), "NoHost-pw1"));
        CHECK(has(secret_fields("mysql://app:NoHost-pw1"), "NoHost-pw1"));
        CHECK(has(secret_fields("mysql://app:NoHost-pw1/shop"), "NoHost-pw1"));
    }

    TEST_CASE("numeric ports and bracketed addresses are not secrets") {
        CHECK(secret_fields("postgresql://localhost:5432/db").empty());
        CHECK(secret_fields("postgresql://h1:5432,h2:5433/db?sslmode=require").empty());
        CHECK(secret_fields("postgresql://[::1]:5432/db").empty());
        CHECK(secret_fields("host=db port=5432 user=app dbname=shop").empty());
    }

    TEST_CASE("the userinfo ends at the last at sign and its pieces are secrets too") {
        auto found = secret_fields("postgresql://app:p@ss-w0rd@db.internal/app");
        CHECK(has(found, "p@ss-w0rd"));
        CHECK(has(found, "ss-w0rd")); // what a client that stops at the first '@' shows as the host
        CHECK_FALSE(has(found, "db.internal"));
    }

    TEST_CASE("percent-encoded passwords are also found decoded") {
        std::string uri = "postgresql://app:" + std::string(k_canary_forms[1].text) + "@db/users";
        CHECK(has(secret_fields(uri), k_canary));
    }

    TEST_CASE("keyword values are found in every quoting") {
        CHECK(has(secret_fields(R"(host=db password='it\'s a secret' user=x)"), "it's a secret"));
        CHECK(has(secret_fields(R"(host=db PASSWORD = "dq secret" user=x)"), "dq secret"));
        CHECK(has(secret_fields("Server=db;Uid=app;Pwd={odbc;secret};"), "odbc;secret"));
        CHECK(has(secret_fields("host=db password='unterminated secret"), "unterminated secret"));
        CHECK(has(secret_fields("host=db password=plain-secret user=x"), "plain-secret"));
        CHECK(has(secret_fields("host=db sslpassword=key-secret"), "key-secret"));
    }

    TEST_CASE("JDBC and URI query parameters are found") {
        CHECK(has(secret_fields("jdbc:postgresql://db/app?user=a&password=jdbc-secret&ssl=true"), "jdbc-secret"));
        CHECK(has(secret_fields("jdbc:mysql://db/app;password=semi-secret;user=a"), "semi-secret"));
        CHECK(has(secret_fields("tcp://db:3306/shop?user=a&pass=amp&tail"), "amp&tail"));
    }

    TEST_CASE("an unquoted value split at blanks is found word by word") {
        auto found = secret_fields("postgresql://host=db password=two words user=x");
        CHECK(has(found, "two words"));
        CHECK(has(found, "words"));
        CHECK_FALSE(has(found, "user=x"));
    }

    TEST_CASE("without secret fields masks what a message quotes") {
        CHECK(without_secret_fields(R"(invalid port number: "NoHost-pw1")", "postgresql://app:NoHost-pw1") ==
              R"(invalid port number: "***")");
        // A short piece is cut only as a whole word.
        CHECK(without_secret_fields("host \"ss@db\" in class", "postgresql://app:p@ss@db/x") ==
              "host \"***@db\" in class");
    }

    TEST_CASE("no driver's parse failure quotes the password of a string without a host") {
        constexpr std::string_view k_secret = "NoHost-Canary-7";
        for (const Driver* driver : all_drivers()) {
            for (std::string_view scheme : {"postgresql://", "mysql://", "mariadb://", "tcp://"}) {
                std::string text = std::string(scheme) + "app:" + std::string(k_secret);
                for (const std::string& candidate : {text, std::string(scheme) + text}) {
                    CAPTURE(driver->name());
                    CAPTURE(candidate);
                    auto parsed = driver->parse(candidate);
                    if (parsed)
                        continue;
                    CHECK(parsed.error().message.find(k_secret) == std::string::npos);
                    CHECK(parsed.error().hint.find(k_secret) == std::string::npos);
                }
            }
        }
    }
}
