#include <doctest/doctest.h>

#include "canary.hpp"
#include "mysql/mysqlcppconn.hpp"
#include "stagegate/driver.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// Options that silence every warning, so a test sees only the warning it provokes.
const std::string k_quiet = "ssl-mode=VERIFY_IDENTITY&connect-timeout=5";

// Parses `text`, which must succeed.
ParsedCandidate parsed(const std::string& text) {
    auto result = mysql::parse_url(text);
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    return *result;
}

// Parses `text` and returns the failure it must end in, which is always a config failure.
Failure failure_of(const std::string& text) {
    auto result = mysql::parse_url(text);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().category == Category::config);
    CHECK_FALSE(result.error().hint.empty());
    return result.error();
}

bool has_warning(const ParsedCandidate& candidate, std::string_view start) {
    return std::any_of(candidate.warnings.begin(), candidate.warnings.end(),
                       [&](const std::string& warning) { return warning.starts_with(start); });
}

std::vector<std::pair<std::string, std::string>> pairs(const ParsedCandidate& candidate) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& parameter : candidate.parameters)
        out.emplace_back(parameter.key, parameter.value);
    return out;
}

// Neither the message nor the hint shows `secret` or any canary form of it.
void check_hidden(const Failure& failure, std::string_view secret) {
    CAPTURE(failure.message);
    CHECK(failure.message.find(secret) == std::string::npos);
    CHECK(failure.hint.find(secret) == std::string::npos);
    CHECK(canary_form_in(failure.message).empty());
    CHECK(canary_form_in(failure.hint).empty());
}

} // namespace

TEST_SUITE("mysql_parse") {
    TEST_CASE("a mysql URL gives its parameters in order and one endpoint") {
        auto candidate = parsed("mysql://app:s3cret@db.internal:3307/shop?" + k_quiet);
        CHECK(candidate.form == "mysql://");
        CHECK(candidate.protocol == "mysql");
        CHECK(candidate.default_port == 3306);
        CHECK(pairs(candidate) == std::vector<std::pair<std::string, std::string>>{{"user", "app"},
                                                                                   {"password", "s3cret"},
                                                                                   {"host", "db.internal"},
                                                                                   {"port", "3307"},
                                                                                   {"database", "shop"},
                                                                                   {"ssl-mode", "VERIFY_IDENTITY"},
                                                                                   {"connect-timeout", "5"}});
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db.internal");
        CHECK(candidate.endpoints[0].port == std::optional<int>(3307));
        CHECK_FALSE(candidate.endpoints[0].unix_socket);
        CHECK(candidate.warnings.empty());
    }

    TEST_CASE("the registry's mysqlcppconn driver reads the same URL") {
        const Driver* driver = find_driver("mysqlcppconn");
        REQUIRE(driver != nullptr);
        auto result = driver->parse("mariadb://app:pw@db/shop?" + k_quiet);
        REQUIRE(result.has_value());
        CHECK(result->form == "mariadb://");
        CHECK(result->get("database") == std::optional<std::string>("shop"));
    }

    TEST_CASE("a host without a port uses the default port") {
        auto candidate = parsed("mysql://app:pw@db/shop?" + k_quiet);
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK_FALSE(candidate.endpoints[0].port.has_value());
        CHECK(candidate.endpoints[0].port.value_or(candidate.default_port) == 3306);
        CHECK_FALSE(candidate.get("port").has_value());
    }

    TEST_CASE("a percent-encoded password decodes every reserved character") {
        auto candidate = parsed("mysql://app:%40%3A%2F%25%3F%23%26%20x@db/shop?" + k_quiet);
        CHECK(candidate.get("password") == std::optional<std::string>("@:/%?#& x"));
        CHECK(candidate.secrets == std::vector<std::string>{"@:/%?#& x"});
        auto canary = parsed("mysql://app:" + std::string(k_canary_forms[1].text) + "@db/shop?" + k_quiet);
        CHECK(canary.get("password") == std::optional<std::string>(k_canary));
        auto lower = parsed("mysql://app:" + std::string(k_canary_forms[2].text) + "@db/shop?" + k_quiet);
        CHECK(lower.get("password") == std::optional<std::string>(k_canary));
    }

    TEST_CASE("a raw @ or : in the password is kept") {
        auto candidate = parsed("mysql://app:p@ss:w0rd@db/shop?" + k_quiet);
        CHECK(candidate.get("user") == std::optional<std::string>("app"));
        CHECK(candidate.get("password") == std::optional<std::string>("p@ss:w0rd"));
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db");
    }

    TEST_CASE("only the password is a secret") {
        auto candidate = parsed("mysql://app:pw@db/shop?" + k_quiet);
        for (const auto& parameter : candidate.parameters) {
            CAPTURE(parameter.key);
            CHECK(parameter.secret == (parameter.key == "password"));
        }
        auto query = parsed("tcp://db:3306/shop?user=app&password=q%26w&" + k_quiet);
        CHECK(query.get("password") == std::optional<std::string>("q&w"));
        CHECK(query.secrets == std::vector<std::string>{"q&w"});
    }

    TEST_CASE("a user without password gives no secret and a warning") {
        auto candidate = parsed("mysql://app@db/shop?" + k_quiet);
        CHECK(candidate.get("user") == std::optional<std::string>("app"));
        CHECK_FALSE(candidate.get("password").has_value());
        CHECK(candidate.secrets.empty());
        CHECK(candidate.warnings.size() == 1);
        CHECK(has_warning(candidate, "no password in the string"));
    }

    TEST_CASE("an IPv6 address in brackets is the host") {
        auto candidate = parsed("mysql://app:pw@[::1]:3307/shop?" + k_quiet);
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "::1");
        CHECK(candidate.endpoints[0].port == std::optional<int>(3307));
        CHECK(parsed("mysql://app:pw@[fe80::1]/shop?" + k_quiet).endpoints[0].host == "fe80::1");
        CHECK(failure_of("mysql://app:pw@[::1/shop").message == "unterminated [IPv6] address");
        CHECK(failure_of("mysql://app:pw@[::1]x/shop").message == "unexpected \"x\" after the IPv6 address");
    }

    TEST_CASE("a port must be a number from 1 to 65535") {
        CHECK(parsed("mysql://app:pw@db:1/shop?" + k_quiet).endpoints[0].port == std::optional<int>(1));
        CHECK(parsed("mysql://app:pw@db:65535/shop?" + k_quiet).endpoints[0].port == std::optional<int>(65535));
        CHECK(failure_of("mysql://app:pw@db:0/shop").message == "invalid port \"0\": a number from 1 to 65535");
        CHECK(failure_of("mysql://app:pw@db:65536/shop").message == "invalid port \"65536\": a number from 1 to 65535");
        CHECK(failure_of("mysql://app:pw@db:33o6/shop").message == "invalid port \"33o6\": a number from 1 to 65535");
        CHECK(failure_of("mysql://app:pw@db:-1/shop").message == "invalid port \"-1\": a number from 1 to 65535");
    }

    TEST_CASE("the database is one percent-encoded path segment") {
        CHECK(parsed("mysql://app:pw@db/my%20shop?" + k_quiet).get("database") ==
              std::optional<std::string>("my shop"));
        CHECK(failure_of("mysql://app:pw@db/shop/extra").message ==
              "\"shop/extra\" is not a database name (one path segment, percent-encoded)");
        CHECK_FALSE(parsed("mysql://app:pw@db/?" + k_quiet).get("database").has_value());
    }

    TEST_CASE("query options take canonical names and aliases") {
        auto candidate = parsed("mysql://app:pw@db?schema=shop&sslMode=verify_ca&connectTimeout=7&read_timeout=8&"
                                "OPT_WRITE_TIMEOUT=9&sslCA=/ca.pem&characterEncoding=utf8mb4&tlsVersion=TLSv1.3");
        CHECK(pairs(candidate) == std::vector<std::pair<std::string, std::string>>{{"user", "app"},
                                                                                   {"password", "pw"},
                                                                                   {"host", "db"},
                                                                                   {"database", "shop"},
                                                                                   {"ssl-mode", "VERIFY_CA"},
                                                                                   {"connect-timeout", "7"},
                                                                                   {"read-timeout", "8"},
                                                                                   {"write-timeout", "9"},
                                                                                   {"ssl-ca", "/ca.pem"},
                                                                                   {"charset", "utf8mb4"},
                                                                                   {"tls-version", "TLSv1.3"}});
        auto users = parsed("tcp://db:3306/shop?username=app&pass=pw&" + k_quiet);
        CHECK(users.get("user") == std::optional<std::string>("app"));
        CHECK(users.get("password") == std::optional<std::string>("pw"));
        CHECK(users.secrets == std::vector<std::string>{"pw"});
    }

    TEST_CASE("ssl-mode values are read case-insensitively and stored upper case") {
        for (const char* mode : {"disabled", "Preferred", "REQUIRED", "verify_ca", "Verify_Identity"}) {
            CAPTURE(mode);
            auto candidate = parsed(std::string("mysql://app:pw@db/shop?connect-timeout=5&ssl-mode=") + mode);
            std::string upper(mode);
            std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
            CHECK(candidate.get("ssl-mode") == std::optional<std::string>(upper));
        }
    }

    TEST_CASE("an unknown ssl-mode fails with a suggestion") {
        auto failure = failure_of("mysql://app:pw@db/shop?ssl-mode=verify-identity");
        CHECK(failure.message.starts_with("ssl-mode=verify-identity is not a mode (did you mean VERIFY_IDENTITY?)"));
        CHECK(failure.message.find("DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY") != std::string::npos);
    }

    TEST_CASE("timeouts are whole seconds from 1 to 86400") {
        CHECK(parsed("mysql://app:pw@db/shop?ssl-mode=REQUIRED&connect-timeout=1").get("connect-timeout") ==
              std::optional<std::string>("1"));
        CHECK(parsed("mysql://app:pw@db/shop?" + k_quiet + "&read-timeout=86400").get("read-timeout") ==
              std::optional<std::string>("86400"));
        for (const char* value : {"0", "86401", "5s", "", "-1", "1.5"}) {
            CAPTURE(value);
            CHECK(failure_of(std::string("mysql://app:pw@db/shop?connect-timeout=") + value).message ==
                  std::string("connect-timeout=") + value + " is not a number of seconds from 1 to 86400");
        }
    }

    TEST_CASE("an option given twice fails, also through an alias or the URL itself") {
        CHECK(failure_of("mysql://app:pw@db/shop?connect-timeout=5&connectTimeout=6").message ==
              "option connect-timeout is given twice");
        CHECK(failure_of("mysql://app:pw@db/shop?database=other").message == "option database is given twice");
        CHECK(failure_of("mysql://app:pw@db/shop?user=other").message == "option user is given twice");
        auto password = failure_of("mysql://app:hunter2@db/shop?password=hunter3");
        CHECK(password.message == "option password is given twice");
        check_hidden(password, "hunter");
        CHECK(failure_of("mysql://app:pw@db/shop?socket=/a.sock&socket=/b.sock").message ==
              "option socket is given twice");
    }

    TEST_CASE("an unknown option fails as config with a suggestion") {
        auto failure = failure_of("mysql://app:hunter2@db/shop?conect-timeout=5");
        CHECK(failure.message.starts_with("unknown option \"conect-timeout\" (did you mean connect-timeout?)"));
        CHECK(failure.message.find("stagegate reads: user, password, database") != std::string::npos);
        check_hidden(failure, "hunter2");
        CHECK(failure_of("mysql://app:pw@db/shop?sslmode=REQUIRED").message.starts_with("unknown option"));
    }

    TEST_CASE("an option without a value fails") {
        CHECK(failure_of("mysql://app:pw@db/shop?ssl-mode").message ==
              "option \"ssl-mode\" has no value: write ssl-mode=value");
    }

    TEST_CASE("a tcp URL takes its user and password from the query") {
        auto candidate = parsed("tcp://db.internal:3306/shop?user=app&password=pw&" + k_quiet);
        CHECK(candidate.form == "tcp://");
        CHECK(candidate.get("user") == std::optional<std::string>("app"));
        CHECK(candidate.get("database") == std::optional<std::string>("shop"));
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db.internal");
        CHECK(candidate.endpoints[0].port == std::optional<int>(3306));
        CHECK_FALSE(candidate.endpoints[0].unix_socket);
        CHECK(candidate.warnings.empty());
    }

    TEST_CASE("a tcp URL with user@ or without host fails") {
        auto userinfo = failure_of("tcp://app:hunter2@db:3306/shop");
        CHECK(userinfo.message.starts_with("Connector/C++ reads tcp:// host names without user@"));
        check_hidden(userinfo, "hunter2");
        CHECK(failure_of("tcp:///shop?user=app").message == "tcp:// needs a host: tcp://host:3306/database");
    }

    TEST_CASE("tcp to localhost stays TCP") {
        auto candidate = parsed("tcp://localhost:3306/shop?user=app&password=pw&" + k_quiet);
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "localhost");
        CHECK_FALSE(candidate.endpoints[0].unix_socket);
    }

    TEST_CASE("a unix URL names a socket path") {
        auto candidate = parsed("unix:///run/mysqld/mysqld.sock?user=app&password=pw&database=shop&" + k_quiet);
        CHECK(candidate.form == "unix://");
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "/run/mysqld/mysqld.sock");
        CHECK(candidate.endpoints[0].unix_socket);
        CHECK(candidate.get("database") == std::optional<std::string>("shop"));
        CHECK(failure_of("unix://run/mysqld.sock").message ==
              "unix:// needs an absolute socket path: unix:///run/mysqld/mysqld.sock");
        CHECK(failure_of("unix://").message.starts_with("unix:// needs an absolute socket path"));
    }

    TEST_CASE("localhost or no host is read as the local socket") {
        auto local = parsed("mysql://app:pw@localhost/shop?" + k_quiet);
        REQUIRE(local.endpoints.size() == 1);
        CHECK(local.endpoints[0].host == "localhost");
        CHECK(local.endpoints[0].unix_socket);
        auto with_port = parsed("mysql://app:pw@localhost:3307/shop?" + k_quiet);
        CHECK(with_port.endpoints[0].unix_socket);
        auto none = parsed("mysql://app:pw@/shop?" + k_quiet);
        REQUIRE(none.endpoints.size() == 1);
        CHECK(none.endpoints[0].host.empty());
        CHECK(none.endpoints[0].unix_socket);
        auto loopback = parsed("mysql://app:pw@127.0.0.1/shop?" + k_quiet);
        CHECK_FALSE(loopback.endpoints[0].unix_socket);
    }

    TEST_CASE("the socket option names the local socket") {
        auto candidate = parsed("mysql://app:pw@localhost/shop?socket=/tmp/my%20sql.sock&" + k_quiet);
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "/tmp/my sql.sock");
        CHECK(candidate.endpoints[0].unix_socket);
        CHECK(candidate.get("socket") == std::optional<std::string>("/tmp/my sql.sock"));
        CHECK(failure_of("mysql://app:pw@localhost/shop?socket=tmp.sock").message == "socket needs an absolute path");
    }

    TEST_CASE("a mysqlx URL fails: Connector/C++ 1.1 speaks the classic protocol") {
        auto failure = failure_of("mysqlx://app:hunter2@db:33060/shop");
        CHECK(failure.message.starts_with("mysqlx:// is MySQL's X Protocol"));
        check_hidden(failure, "hunter2");
    }

    TEST_CASE("a misspelt scheme fails with a suggestion") {
        auto failure = failure_of("myslq://app:hunter2@db/shop");
        CHECK(failure.message.starts_with("unknown scheme \"myslq://\" (did you mean mysql?)"));
        check_hidden(failure, "hunter2");
        CHECK(failure_of("mariadbb://db/shop")
                  .message.starts_with("unknown scheme \"mariadbb://\" (did you mean "
                                       "mariadb?)"));
        CHECK(parsed("MySQL://app:pw@db/shop?" + k_quiet).form == "mysql://");
    }

    TEST_CASE("a string without scheme fails") {
        auto failure = failure_of("app:hunter2@db:3306/shop");
        CHECK(failure.message.starts_with("not a URL: Connector/C++ candidates are written"));
        check_hidden(failure, "hunter2");
    }

    TEST_CASE("a broken percent-escape fails and never shows the password") {
        for (const char* password : {"hun%zzter2", "hunter2%", "hunter2%4", "hun%-1ter2", "hun%+1ter2", "hun% 1ter2"}) {
            CAPTURE(password);
            auto failure = failure_of(std::string("mysql://app:") + password + "@db/shop");
            CHECK(failure.message == "invalid percent-encoding in the password (write % as %25)");
            check_hidden(failure, "hunter2");
        }
        CHECK(failure_of("mysql://a%zzp:pw@db/shop").message == "invalid percent-encoding in the user name");
        CHECK(failure_of("mysql://app:pw@d%b/shop").message == "invalid percent-encoding in the host name");
        auto query = failure_of("mysql://db/shop?password=hunter2%");
        CHECK(query.message == "invalid percent-encoding in the query options");
        check_hidden(query, "hunter2");
        CHECK(failure_of("mysql://app:pw@db/sh%p")
                  .message.ends_with("is not a database name (one path segment, "
                                     "percent-encoded)"));
    }

    TEST_CASE("a # outside the query fails and never shows the password") {
        auto failure = failure_of("mysql://app:hunt#er2@db/shop");
        CHECK(failure.message == "a '#' outside the query: percent-encode it (%23) in a user name or password");
        check_hidden(failure, "hunt");
        CHECK(failure_of("mysql://app:pw@db/shop#top").message.starts_with("a '#' outside the query"));
    }

    TEST_CASE("a raw / or ? in the password never shows in the reason") {
        // Read like any URL: the part before the '/' or '?' is host:port, so the port is the password.
        auto slash = failure_of("mysql://app:Tr0ub4dor/3@db/shop");
        check_hidden(slash, "Tr0ub4dor");
        auto question = failure_of("mysql://app:Tr0ub4dor?3@db/shop");
        check_hidden(question, "Tr0ub4dor");
        auto canary = failure_of("mysql://app:" + std::string(k_canary) + "@db/shop");
        check_hidden(canary, k_canary);
        CHECK(canary.message.find("Can@ry") == std::string::npos);
    }

    TEST_CASE("a raw & in a query password never shows in the reason") {
        auto failure = failure_of("tcp://db:3306/shop?user=app&password=hunter2&hunter3");
        check_hidden(failure, "hunter");
    }

    TEST_CASE("weak ssl-mode settings are warned about") {
        auto missing = parsed("mysql://app:pw@db/shop?connect-timeout=5");
        CHECK(missing.warnings.size() == 1);
        CHECK(has_warning(missing, "ssl-mode is not set: the client may fall back to plaintext"));
        auto preferred = parsed("mysql://app:pw@db/shop?connect-timeout=5&ssl-mode=preferred");
        CHECK(preferred.warnings ==
              std::vector<std::string>{
                  "ssl-mode=PREFERRED silently falls back to plaintext; use VERIFY_IDENTITY (or REQUIRED)"});
        auto disabled = parsed("mysql://app:pw@db/shop?connect-timeout=5&ssl-mode=DISABLED");
        CHECK(disabled.warnings ==
              std::vector<std::string>{"ssl-mode=DISABLED: credentials and data travel in plaintext"});
        auto required = parsed("mysql://app:pw@db/shop?connect-timeout=5&ssl-mode=REQUIRED");
        CHECK(required.warnings ==
              std::vector<std::string>{"ssl-mode=REQUIRED never checks the server's host name; VERIFY_IDENTITY does"});
        CHECK(parsed("mysql://app:pw@db/shop?connect-timeout=5&ssl-mode=VERIFY_IDENTITY").warnings.empty());
    }

    TEST_CASE("a missing connect-timeout is warned about") {
        auto candidate = parsed("mysql://app:pw@db/shop?ssl-mode=VERIFY_IDENTITY");
        CHECK(candidate.warnings.size() == 1);
        CHECK(has_warning(candidate, "connect-timeout is not set"));
    }

    TEST_CASE("a bare URL gets every warning") {
        auto candidate = parsed("mysql://db");
        CHECK(candidate.warnings.size() == 3);
        CHECK(has_warning(candidate, "ssl-mode is not set"));
        CHECK(has_warning(candidate, "connect-timeout is not set"));
        CHECK(has_warning(candidate, "no password in the string"));
    }
}
