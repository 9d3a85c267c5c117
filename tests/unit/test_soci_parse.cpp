#include <doctest/doctest.h>

#include "canary.hpp"
#include "soci/soci_driver.hpp"
#include "stagegate/driver.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using namespace stagegate;
using namespace stagegate::test;
using stagegate::soci_client::parse_soci;
using stagegate::soci_client::routed_string;

namespace {

const std::string k_pg_quiet = " password=pw sslmode=verify-full connect_timeout=5";
const Route k_route{"127.0.0.1", 45678};

// Parses `text`, which must succeed.
ParsedCandidate parsed(const std::string& text) {
    auto result = parse_soci(text);
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    return *result;
}

// Parses `text` and returns the failure it must end in, which is always a config failure.
Failure failure_of(const std::string& text) {
    auto result = parse_soci(text);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().category == Category::config);
    CHECK_FALSE(result.error().hint.empty());
    return result.error();
}

bool has_warning(const ParsedCandidate& candidate, std::string_view start) {
    return std::any_of(candidate.warnings.begin(), candidate.warnings.end(),
                       [&](const std::string& warning) { return warning.starts_with(start); });
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The parameters of `candidate` without those listed in `left_out`.
Pairs pairs(const ParsedCandidate& candidate, std::initializer_list<std::string_view> left_out = {}) {
    Pairs out;
    for (const auto& parameter : candidate.parameters) {
        if (std::find(left_out.begin(), left_out.end(), parameter.key) == left_out.end())
            out.emplace_back(parameter.key, parameter.value);
    }
    return out;
}

// Neither the message nor the hint shows `secret` or any canary form.
void check_hidden(const Failure& failure, std::string_view secret) {
    CAPTURE(failure.message);
    CHECK_FALSE(contains(failure.message, secret));
    CHECK_FALSE(contains(failure.hint, secret));
    CHECK(canary_form_in(failure.message).empty());
}

// Reads what routed_string makes of `candidate` back through SOCI's reader for its backend.
ParsedCandidate reread(const ParsedCandidate& candidate, int timeout_seconds = 7) {
    std::string routed = routed_string(candidate, std::span<const Route>(&k_route, 1), timeout_seconds);
    CAPTURE(routed);
    return parsed(candidate.protocol + "://" + routed);
}

} // namespace

TEST_SUITE("soci_parse") {
    TEST_CASE("a postgresql string is read by libpq's own parser") {
        auto candidate = parsed("postgresql://host=db.internal port=6543 dbname=shop user=app" + k_pg_quiet);
        CHECK(candidate.form == "postgresql:// + libpq keyword/value");
        CHECK(candidate.protocol == "postgresql");
        CHECK(candidate.default_port == 5432);
        CHECK(candidate.get("dbname") == std::optional<std::string>("shop"));
        CHECK(candidate.secrets == std::vector<std::string>{"pw"});
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db.internal");
        CHECK(candidate.endpoints[0].port == std::optional<int>(6543));
        CHECK(candidate.warnings.empty());
    }

    TEST_CASE("the registry's soci driver reads the same string") {
        const Driver* driver = find_driver("soci");
        REQUIRE(driver != nullptr);
        auto result = driver->parse("postgresql://host=db dbname=shop" + k_pg_quiet);
        REQUIRE(result.has_value());
        CHECK(result->get("dbname") == std::optional<std::string>("shop"));
    }

    TEST_CASE("libpq's refusal is a config failure in libpq's words") {
        auto failure = failure_of("postgresql://host=db pasword=hunter2");
        CHECK(failure.message == "libpq (through SOCI) refuses the string: invalid connection option \"pasword\"");
        check_hidden(failure, "hunter2");
    }

    TEST_CASE("a URI after postgresql:// fails: SOCI hands libpq a keyword/value string") {
        auto failure = failure_of("postgresql://app:hunter2@db.internal:5432/shop");
        CHECK(contains(failure.message, "keyword/value string, not a URI"));
        CHECK(contains(failure.message, "\"app:***@db.internal:5432/shop\""));
        check_hidden(failure, "hunter2");
        auto canary = failure_of("postgresql://app:" + std::string(k_canary) + "@db/shop");
        check_hidden(canary, k_canary);
        CHECK_FALSE(contains(canary.message, "p/ss"));
        auto encoded =
            failure_of("postgresql://app:" + std::string(k_canary_forms[1].text) + "@db/shop?sslmode=require");
        check_hidden(encoded, k_canary_forms[1].text);
        CHECK(contains(failure_of("postgresql://db.internal/shop").message, "not a URI"));
    }

    TEST_CASE("a real URI after the prefix is accepted") {
        auto candidate =
            parsed("postgresql://postgresql://app:pw@db.internal:6543/shop?sslmode=verify-full&connect_timeout=5");
        CHECK(candidate.form == "postgresql:// + libpq uri");
        CHECK(candidate.get("dbname") == std::optional<std::string>("shop"));
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db.internal");
        CHECK(candidate.endpoints[0].port == std::optional<int>(6543));
        CHECK(candidate.secrets == std::vector<std::string>{"pw"});
    }

    TEST_CASE("a URI without any = gets one appended, as SOCI 4.0.3 does") {
        // SOCI rebuilds the string from key=value tokens, so the lone token becomes "token=".
        auto candidate = parsed("postgresql://postgresql://app:pw@db/shop");
        CHECK(candidate.get("dbname") == std::optional<std::string>("shop="));
    }

    TEST_CASE("singlerow and singlerows are taken out before libpq sees the string") {
        for (const char* option : {"singlerow=true", "singlerows=true", "singlerow=false", "singlerows=yes"}) {
            CAPTURE(option);
            auto candidate = parsed("postgresql://host=db " + std::string(option) + k_pg_quiet);
            CHECK_FALSE(candidate.get("singlerow").has_value());
            CHECK(candidate.get("host") == std::optional<std::string>("db"));
        }
    }

    TEST_CASE("SOCI's postgresql reader collapses spaces and drops double quotes") {
        // SOCI 4.0.3 splits the string at blanks and joins the pieces again with one space.
        CHECK(parsed("postgresql://host=db application_name='a  b'" + k_pg_quiet).get("application_name") ==
              std::optional<std::string>("a b"));
        auto quoted = failure_of("postgresql://host=db application_name=\"a b\"" + k_pg_quiet);
        CHECK(quoted.message == "libpq (through SOCI) refuses the string: missing \"=\" after \"b\" in connection "
                                "info string");
        CHECK(failure_of("postgresql://host=db password=pw singlerow = true").message ==
              "libpq (through SOCI) refuses the string: invalid connection option \"true\"");
    }

    TEST_CASE("a mysql string is read by SOCI's own key=value reader") {
        auto candidate = parsed("mysql://host=db.internal port=3307 db=shop user=app password=pw connect_timeout=5 "
                                "sslca=/ca.pem");
        CHECK(candidate.form == "mysql:// + SOCI key=value");
        CHECK(candidate.protocol == "mysql");
        CHECK(candidate.default_port == 3306);
        CHECK(pairs(candidate) == Pairs{{"host", "db.internal"},
                                        {"port", "3307"},
                                        {"db", "shop"},
                                        {"user", "app"},
                                        {"password", "pw"},
                                        {"connect_timeout", "5"},
                                        {"sslca", "/ca.pem"}});
        CHECK(candidate.secrets == std::vector<std::string>{"pw"});
        for (const auto& parameter : candidate.parameters)
            CHECK(parameter.secret == (parameter.key == "password"));
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "db.internal");
        CHECK(candidate.endpoints[0].port == std::optional<int>(3307));
        CHECK_FALSE(candidate.endpoints[0].unix_socket);
        CHECK(candidate.warnings.empty());
    }

    TEST_CASE("mysql aliases are stored under one name") {
        auto candidate = parsed("mysql://host=db pass=pw dbname=shop connect_timeout=5 sslca=/ca.pem");
        CHECK(candidate.get("password") == std::optional<std::string>("pw"));
        CHECK(candidate.get("db") == std::optional<std::string>("shop"));
        CHECK(parsed("mysql://service=shop").get("db") == std::optional<std::string>("shop"));
    }

    TEST_CASE("mysql values may be quoted and escaped with a backslash") {
        CHECK(parsed(R"(mysql://host=db password='p w\'x\\y')").get("password") ==
              std::optional<std::string>(R"(p w'x\y)"));
        CHECK(parsed(R"(mysql://host=db password=a\ b\'c)").get("password") == std::optional<std::string>("a b'c"));
        CHECK(parsed("mysql://host=db password=''").get("password") == std::optional<std::string>(""));
        CHECK(parsed("mysql://  host = db   user =app ").get("user") == std::optional<std::string>("app"));
        CHECK(contains(failure_of("mysql://host=db password='open").message, "Malformed connection string."));
        CHECK(contains(failure_of("mysql://host=db password=a'b").message, "Malformed connection string."));
        CHECK(contains(failure_of(R"(mysql://host=db password=ab\)").message, "Malformed connection string."));
    }

    TEST_CASE("a repeated mysql parameter is malformed, also through an alias") {
        for (const char* text : {"mysql://host=a host=b", "mysql://pass=hunter2 password=hunter3",
                                 "mysql://db=a dbname=b", "mysql://dbname=a service=b"}) {
            CAPTURE(text);
            auto failure = failure_of(text);
            CHECK(failure.message.starts_with("SOCI's mysql backend says \"Malformed connection string.\""));
            check_hidden(failure, "hunter");
        }
    }

    TEST_CASE("an unknown mysql parameter is malformed with a suggestion") {
        auto failure = failure_of("mysql://hots=db password=hunter2");
        CHECK(contains(failure.message, "Malformed connection string."));
        CHECK(contains(failure.message, "unknown parameter \"hots\" (did you mean host?)"));
        check_hidden(failure, "hunter2");
        // SOCI 4.0.3 has no ssl_mode (later versions do).
        CHECK(contains(failure_of("mysql://host=db ssl_mode=REQUIRED").message, "unknown parameter \"ssl_mode\""));
    }

    TEST_CASE("a mysql string that ends early is refused in SOCI's words") {
        CHECK(contains(failure_of("mysql://host=db port").message, "Unexpected end of connection string."));
        CHECK(contains(failure_of("mysql://host=").message, "Unexpected end of connection string."));
    }

    TEST_CASE("words of an unquoted password never show in the reason") {
        auto failure = failure_of("mysql://host=db password=hunter2 isgreat port=3306");
        check_hidden(failure, "isgreat");
        check_hidden(failure, "hunter2");
    }

    TEST_CASE("mysql numbers are checked as SOCI checks them") {
        CHECK(parsed("mysql://host=db port=3307").endpoints[0].port == std::optional<int>(3307));
        CHECK(contains(failure_of("mysql://host=db port=33o6").message, "Malformed connection string."));
        CHECK(contains(failure_of("mysql://host=db port=-1").message, "Malformed connection string."));
        CHECK(parsed("mysql://host=db local_infile=1").get("local_infile") == std::optional<std::string>("1"));
        CHECK(contains(failure_of("mysql://host=db local_infile=2").message, "Malformed connection string."));
        CHECK(contains(failure_of("mysql://host=db connect_timeout=0").message, "Malformed connection string."));
        CHECK(contains(failure_of("mysql://host=db read_timeout=5s").message, "Malformed connection string."));
        CHECK(parsed("mysql://host=db write_timeout=4294967295").get("write_timeout") ==
              std::optional<std::string>("4294967295"));
        CHECK(contains(failure_of("mysql://host=db write_timeout=4294967296").message, "Malformed connection string."));
    }

    TEST_CASE("mysql port 0 means the default port") {
        auto candidate = parsed("mysql://host=db port=0");
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].port.value_or(candidate.default_port) == 3306);
    }

    TEST_CASE("reconnect may only be 1") {
        CHECK(parsed("mysql://host=db reconnect=1").get("reconnect") == std::optional<std::string>("1"));
        CHECK(failure_of("mysql://host=db reconnect=true").message ==
              "SOCI's mysql backend says: \"reconnect\" option may only be set to 1");
    }

    TEST_CASE("a URL after mysql:// fails with a clear message") {
        for (const char* text :
             {"mysql://app:hunter2@db:3306/shop", "mysql://app:hunter2@db:3306/shop?ssl-mode=REQUIRED",
              "mysql://db.internal:3306/shop", "mysql://mysql://app:hunter2@db/shop"}) {
            CAPTURE(text);
            auto failure = failure_of(text);
            CHECK(failure.message.starts_with("SOCI's mysql backend reads key=value pairs, not a URL"));
            check_hidden(failure, "hunter2");
        }
    }

    TEST_CASE("a mysql host of localhost or none is the local socket") {
        auto socket = parsed("mysql://host=localhost unix_socket=/run/mysqld/mysqld.sock");
        REQUIRE(socket.endpoints.size() == 1);
        CHECK(socket.endpoints[0].host == "/run/mysqld/mysqld.sock");
        CHECK(socket.endpoints[0].unix_socket);
        auto none = parsed("mysql://db=shop");
        CHECK(none.endpoints[0].host.empty());
        CHECK(none.endpoints[0].unix_socket);
        auto tcp = parsed("mysql://host=db unix_socket=/run/mysqld/mysqld.sock");
        CHECK(tcp.endpoints[0].host == "db");
        CHECK_FALSE(tcp.endpoints[0].unix_socket);
    }

    TEST_CASE("mysql strings without timeout or CA are warned about") {
        auto candidate = parsed("mysql://host=db password=pw");
        CHECK(candidate.warnings.size() == 2);
        CHECK(has_warning(candidate, "connect_timeout is not set"));
        CHECK(has_warning(candidate, "no sslca: SOCI 4.0's mysql backend has no ssl_mode"));
    }

    TEST_CASE("an sqlite3 string without = is the file name") {
        auto candidate = parsed("sqlite3:///var/lib/app/data.db");
        CHECK(candidate.protocol == "sqlite3");
        CHECK(pairs(candidate) == Pairs{{"db", "/var/lib/app/data.db"}});
        REQUIRE(candidate.endpoints.size() == 1);
        CHECK(candidate.endpoints[0].host == "/var/lib/app/data.db");
        CHECK(candidate.endpoints[0].file);
        CHECK(parsed("sqlite3:///tmp/my app.db").endpoints[0].host == "/tmp/my app.db");
    }

    TEST_CASE("sqlite3 keys name the file and its settings") {
        auto candidate = parsed("sqlite3://db=/tmp/app.db timeout=5 synchronous=NORMAL");
        CHECK(pairs(candidate) == Pairs{{"db", "/tmp/app.db"}, {"timeout", "5"}, {"synchronous", "NORMAL"}});
        CHECK(candidate.warnings.empty());
        auto dbname = parsed("sqlite3://timeout=5 dbname=/tmp/app.db");
        CHECK(dbname.get("db") == std::optional<std::string>("/tmp/app.db"));
        CHECK(dbname.endpoints[0].host == "/tmp/app.db");
    }

    TEST_CASE("sqlite3 values in double quotes keep their spaces") {
        auto candidate = parsed("sqlite3://db=\"/tmp/my app.db\" timeout=5");
        CHECK(candidate.get("db") == std::optional<std::string>("/tmp/my app.db"));
        CHECK(candidate.get("timeout") == std::optional<std::string>("5"));
        CHECK(parsed("sqlite3://db=\"/tmp/app.db\"").get("db") == std::optional<std::string>("/tmp/app.db"));
    }

    TEST_CASE("unknown sqlite3 keys are only warned about") {
        auto candidate = parsed("sqlite3://db=/tmp/app.db timout=5");
        CHECK(candidate.get("db") == std::optional<std::string>("/tmp/app.db"));
        CHECK(candidate.warnings ==
              std::vector<std::string>{"SOCI's sqlite3 backend silently ignores \"timout\" (did you mean timeout?)"});
    }

    TEST_CASE("an empty sqlite3 string fails") {
        CHECK(failure_of("sqlite3://").message ==
              "SOCI's sqlite3 backend needs a database file: sqlite3://db=/path/app.db");
    }

    TEST_CASE("backends SOCI does not have fail with advice") {
        auto postgres = failure_of("postgres://app:hunter2@db/shop");
        CHECK(postgres.message ==
              "SOCI has no backend \"postgres\" (it would look for libsoci_postgres.so); did you mean postgresql?");
        check_hidden(postgres, "hunter2");
        CHECK(contains(failure_of("mariadb://host=db").message, "SOCI reaches MariaDB through its mysql backend"));
        CHECK(contains(failure_of("sqlite:///tmp/app.db").message, "did you mean sqlite3?"));
        CHECK(contains(failure_of("postgrsql://host=db").message, "did you mean postgresql?"));
        CHECK(failure_of("odbc://DSN=shop").message ==
              "SOCI backend odbc is not one stagegate tries: use postgresql, mysql or sqlite3");
        CHECK(failure_of("host=db password=hunter2").message.starts_with("SOCI finds no backend name"));
    }

    TEST_CASE("a postgresql route keeps the host and adds hostaddr and port") {
        auto candidate = parsed("postgresql://host=db.internal port=6543 dbname=shop user=app password=pw "
                                "sslmode=verify-full");
        std::string routed = routed_string(candidate, std::span<const Route>(&k_route, 1), 7);
        CAPTURE(routed);
        CHECK(contains(routed, "host=db.internal"));
        CHECK(contains(routed, "hostaddr=127.0.0.1"));
        CHECK(contains(routed, "port=45678"));
        CHECK_FALSE(contains(routed, "6543"));
        CHECK(contains(routed, "connect_timeout=7"));
        auto again = reread(candidate);
        CHECK(pairs(again, {"hostaddr", "port", "passfile", "connect_timeout"}) ==
              pairs(candidate, {"hostaddr", "port", "passfile", "connect_timeout"}));
        REQUIRE(again.endpoints.size() == 1);
        CHECK(again.endpoints[0].host == "db.internal");
        CHECK(again.endpoints[0].hostaddr == "127.0.0.1");
        CHECK(again.endpoints[0].port == std::optional<int>(45678));
    }

    TEST_CASE("a postgresql route adds a timeout only when the candidate has none") {
        auto with_timeout = parsed("postgresql://host=db connect_timeout=3" + std::string(" password=pw"));
        CHECK(reread(with_timeout).get("connect_timeout") == std::optional<std::string>("3"));
        auto without = parsed("postgresql://host=db password=pw");
        CHECK(reread(without, 1).get("connect_timeout") == std::optional<std::string>("2"));
    }

    TEST_CASE("a postgresql route of several hosts sends each host along its own route") {
        auto candidate = parsed("postgresql://host=db1,db2 port=5432,5433 dbname=shop" + k_pg_quiet);
        const Route routes[] = {{"127.0.0.1", 45678}, {"127.0.0.2", 45679}};
        std::string routed = routed_string(candidate, routes, 7);
        CAPTURE(routed);
        auto again = parsed("postgresql://" + routed);
        REQUIRE(again.endpoints.size() == 2);
        CHECK(again.endpoints[0].host == "db1");
        CHECK(again.endpoints[0].hostaddr == "127.0.0.1");
        CHECK(again.endpoints[0].port == std::optional<int>(45678));
        CHECK(again.endpoints[1].host == "db2");
        CHECK(again.endpoints[1].hostaddr == "127.0.0.2");
        CHECK(again.endpoints[1].port == std::optional<int>(45679));
    }

    TEST_CASE("a candidate's connect timeout longer than the deadline is cut to it") {
        auto postgres = parsed("postgresql://host=db connect_timeout=600" + std::string(" password=pw"));
        CHECK(reread(postgres).get("connect_timeout") == std::optional<std::string>("7"));
        auto mysql = parsed("mysql://host=db connect_timeout=600");
        CHECK(reread(mysql).get("connect_timeout") == std::optional<std::string>("7"));
    }

    TEST_CASE("a postgresql route reads back every value identically") {
        for (const char* password : {R"(p w'x\y)", "\"quoted\"", "a=b c", "", "'", "\\"}) {
            CAPTURE(password);
            ParsedCandidate candidate;
            candidate.protocol = "postgresql";
            candidate.parameters = {{"host", "db"}, {"user", "app"}, {"password", password, true}, {"dbname", "sh op"}};
            auto again = reread(candidate);
            CHECK(again.get("password") == std::optional<std::string>(password));
            CHECK(again.get("dbname") == std::optional<std::string>("sh op"));
            CHECK(again.get("user") == std::optional<std::string>("app"));
        }
    }

    TEST_CASE("a URI without a query after SOCI's prefix is warned about: its database gains an =") {
        auto bare = parsed("postgresql://postgresql://app:pw@db.internal/shop");
        CHECK(bare.get("dbname") == std::optional<std::string>("shop="));
        bool warned = std::any_of(bare.warnings.begin(), bare.warnings.end(), [](const std::string& w) {
            return w.find("database \"shop=\"") != std::string::npos;
        });
        CHECK(warned);
        auto with_query = parsed("postgresql://postgresql://app:pw@db.internal/shop?connect_timeout=5");
        CHECK(with_query.get("dbname") == std::optional<std::string>("shop"));
        CHECK(std::none_of(with_query.warnings.begin(), with_query.warnings.end(),
                           [](const std::string& w) { return w.find("appends '='") != std::string::npos; }));
    }

    TEST_CASE("a URI candidate is routed as keyword/value") {
        auto candidate = parsed("postgresql://postgresql://app:" + std::string(k_canary_forms[1].text) +
                                "@db.internal/shop?sslmode=verify-full&connect_timeout=5");
        auto again = reread(candidate);
        CHECK(again.form == "postgresql:// + libpq keyword/value");
        CHECK(again.get("password") == std::optional<std::string>(k_canary));
        CHECK(again.get("host") == std::optional<std::string>("db.internal"));
    }

    TEST_CASE("a mysql route replaces host and port") {
        auto candidate = parsed("mysql://host=db.internal port=3307 db=shop user=app password=pw "
                                "unix_socket=/run/mysqld/mysqld.sock");
        std::string routed = routed_string(candidate, std::span<const Route>(&k_route, 1), 7);
        CAPTURE(routed);
        CHECK_FALSE(contains(routed, "db.internal"));
        CHECK_FALSE(contains(routed, "3307"));
        CHECK_FALSE(contains(routed, "unix_socket"));
        auto again = reread(candidate);
        CHECK(again.get("host") == std::optional<std::string>("127.0.0.1"));
        CHECK(again.get("port") == std::optional<std::string>("45678"));
        CHECK(pairs(again, {"host", "port", "connect_timeout", "read_timeout", "write_timeout"}) ==
              pairs(candidate, {"host", "port", "unix_socket"}));
        CHECK(again.get("connect_timeout") == std::optional<std::string>("7"));
        CHECK(again.get("read_timeout") == std::optional<std::string>("30"));
        CHECK(again.get("write_timeout") == std::optional<std::string>("30"));
    }

    TEST_CASE("a mysql route keeps the candidate's own timeouts") {
        auto candidate = parsed("mysql://host=db connect_timeout=3 read_timeout=30");
        auto again = reread(candidate);
        CHECK(again.get("connect_timeout") == std::optional<std::string>("3"));
        CHECK(again.get("read_timeout") == std::optional<std::string>("30"));
        CHECK(again.get("write_timeout") == std::optional<std::string>("30"));
    }

    TEST_CASE("a mysql route reads back every value identically") {
        for (const char* password : {R"(p w'x\y)", "\"quoted\"", "a=b", "tab\there", "cr\rhere", "", "'", "\\"}) {
            CAPTURE(password);
            ParsedCandidate candidate;
            candidate.protocol = "mysql";
            candidate.parameters = {{"user", "app"}, {"password", password, true}, {"db", "sh op"}};
            auto again = reread(candidate);
            CHECK(again.get("password") == std::optional<std::string>(password));
            CHECK(again.get("db") == std::optional<std::string>("sh op"));
        }
    }

    TEST_CASE("an sqlite3 route names the routed file and keeps the settings") {
        auto candidate = parsed("sqlite3://db=/srv/app.db timeout=5 synchronous=NORMAL");
        Route route{"/dev/shm/run 1/app.db", 0};
        std::string routed = routed_string(candidate, std::span<const Route>(&route, 1), 7);
        CAPTURE(routed);
        auto again = parsed("sqlite3://" + routed);
        CHECK(again.get("db") == std::optional<std::string>("/dev/shm/run 1/app.db"));
        REQUIRE(again.endpoints.size() == 1);
        CHECK(again.endpoints[0].host == "/dev/shm/run 1/app.db");
        CHECK(pairs(again, {"db"}) == pairs(candidate, {"db"}));
        auto spaced = parsed("sqlite3://db=/srv/app.db vfs=\"unix dotfile\"");
        CHECK(pairs(parsed("sqlite3://" + routed_string(spaced, std::span<const Route>(&route, 1), 7)), {"db"}) ==
              pairs(spaced, {"db"}));
    }
}
