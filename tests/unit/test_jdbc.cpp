#include <doctest/doctest.h>

#include "canary.hpp"
#include "libpq/libpq_driver.hpp"
#include "mysql/mysqlcppconn.hpp"
#include "scenario/jdbc.hpp"
#include "soci/soci_driver.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace stagegate;
using namespace stagegate::test;

namespace {

const std::string k_canary_text(k_canary);
const std::optional<std::string> k_app = std::string("app");
const std::optional<std::string> k_none;

// Translates `url`, which must succeed.
JdbcTranslation translated(std::string_view url, std::string_view driver,
                           const std::optional<std::string>& user = k_app,
                           const std::optional<std::string>& password = k_none) {
    auto result = translate_jdbc(url, driver, user, password);
    REQUIRE_MESSAGE(result.has_value(), result.error());
    return *result;
}

// Returns the reason translate_jdbc refuses `url` with.
std::string reason(std::string_view url, std::string_view driver, const std::optional<std::string>& user = k_app,
                   const std::optional<std::string>& password = k_none) {
    auto result = translate_jdbc(url, driver, user, password);
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

bool has_line(const JdbcTranslation& translation, std::string_view line) {
    return std::find(translation.mapping.begin(), translation.mapping.end(), line) != translation.mapping.end();
}

// Reads `native` back with the driver's own reader, which must accept it.
ParsedCandidate read_back(const std::string& native, std::string_view driver) {
    auto parsed = driver == "libpq"          ? libpq::driver().parse(native)
                  : driver == "mysqlcppconn" ? mysql::parse_url(native)
                                             : soci_client::parse_soci(native);
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error().message);
    return *parsed;
}

} // namespace

TEST_SUITE("jdbc") {
    TEST_CASE("a JDBC URL is told by its jdbc: prefix in any case") {
        CHECK(is_jdbc_url("jdbc:postgresql://db/app"));
        CHECK(is_jdbc_url("JDBC:mysql://db/app"));
        CHECK_FALSE(is_jdbc_url("postgresql://db/app"));
        CHECK_FALSE(is_jdbc_url("jdbc"));
        CHECK_FALSE(is_jdbc_url(""));
    }

    TEST_CASE("URLs for other drivers or subprotocols are refused") {
        CHECK(reason("jdbc:mysql://db/app", "libpq") ==
              "jdbc:mysql is a MySQL URL, and driver libpq speaks PostgreSQL");
        CHECK(reason("jdbc:postgresql://db/app", "mysqlcppconn") ==
              "jdbc:postgresql is a PostgreSQL URL, and driver mysqlcppconn speaks MySQL");
        CHECK(reason("jdbc:postgresql://db/app", "odbc") ==
              "driver odbc: JDBC URLs are translated for libpq, mysqlcppconn and soci");
        CHECK(reason("jdbc:postgres://db/app", "libpq") ==
              "jdbc:postgres: is not a URL stagegate translates (jdbc:postgresql, jdbc:mysql, jdbc:mariadb); did you "
              "mean postgresql?");
        CHECK(reason("jdbc:sqlserver://db;databaseName=app", "libpq").starts_with("jdbc:sqlserver: is not a URL"));
        CHECK(reason("JDBC:postgresql://db/app", "libpq") == "write jdbc: in lower case, as the Java drivers match it");
        CHECK(reason("jdbc:PostgreSQL://db/app", "libpq") ==
              "write jdbc:postgresql: in lower case, as the Java drivers match it");
        CHECK(reason("postgresql://db/app", "libpq") == "not a JDBC URL: it does not start with jdbc:");
    }
}

TEST_SUITE("jdbc_postgresql") {
    TEST_CASE("host, database, credentials and TLS become a libpq keyword string") {
        auto result = translated("jdbc:postgresql://db:5432/app?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem",
                                 "libpq", k_app, k_canary_text);
        CHECK(result.native == "host=db port=5432 dbname=app user=app password='Can@ry:p/ss w%rd\\'\"\\\\<&>' "
                               "sslmode=verify-full sslrootcert=/etc/ssl/ca.pem");
        CHECK(result.mapping == std::vector<std::string>{
                                    "host db:5432 -> host=db port=5432",
                                    "database app -> dbname=app",
                                    "user (from the username key) -> user=app",
                                    "password (from the password key) -> password=********",
                                    "sslmode=verify-full -> sslmode=verify-full",
                                    "sslrootcert=/etc/ssl/ca.pem -> sslrootcert=/etc/ssl/ca.pem",
                                });
        CHECK(result.secrets == std::vector<std::string>{k_canary_text});
        auto parsed = read_back(result.native, "libpq");
        CHECK(parsed.get("password") == k_canary_text);
        CHECK(parsed.get("sslmode") == "verify-full");
    }

    TEST_CASE("several hosts keep their order and get pgjdbc's default port") {
        auto result = translated("jdbc:postgresql://a,b:5433,[::1]/app?targetServerType=primary", "libpq");
        CHECK(result.native == "host=a,b,::1 port=5432,5433,5432 dbname=app user=app target_session_attrs=primary");
        CHECK(has_line(result, "hosts a,b:5433,::1 -> host=a,b,::1 port=5432,5433,5432 (5432 is pgjdbc's default "
                               "port)"));
        CHECK(read_back(result.native, "libpq").endpoints.size() == 3);
    }

    TEST_CASE("the short forms reach localhost:5432 over TCP") {
        auto named = translated("jdbc:postgresql:app", "libpq");
        CHECK(named.native == "host=localhost port=5432 dbname=app user=app");
        CHECK(has_line(named, "no host -> host=localhost port=5432 (pgjdbc's defaults; libpq alone would use its local "
                              "socket)"));
        auto bare = translated("jdbc:postgresql:/", "libpq");
        CHECK(bare.native == "host=localhost port=5432 user=app");
        auto slash = translated("jdbc:postgresql://db/", "libpq");
        CHECK(slash.native == "host=db port=5432 user=app");
        CHECK(has_line(slash, "no database -> dbname left out (pgjdbc and libpq both default to the user name)"));
    }

    TEST_CASE("user and password from the URL, percent-decoded") {
        auto result = translated("jdbc:postgresql://db/my%20db?user=app&password=p%20w", "libpq", k_none, k_none);
        CHECK(result.native == "host=db port=5432 dbname='my db' user=app password='p w'");
        CHECK(has_line(result, "user=app -> user=app"));
        CHECK(has_line(result, "password -> password=********"));
        CHECK(result.secrets == std::vector<std::string>{"p w"});
    }

    TEST_CASE("the URL and the keys must agree on the user and the password") {
        auto same = translated("jdbc:postgresql://db/app?user=app", "libpq", k_app, k_none);
        CHECK(has_line(same, "user=app (the URL and the username key agree) -> user=app"));
        CHECK(reason("jdbc:postgresql://db/app?user=other", "libpq", k_app, k_none) ==
              "the URL says user other and the username key says app: which one the driver uses is not something to "
              "guess; keep one");
        auto differ = reason("jdbc:postgresql://db/app?password=urlsecret", "libpq", k_app, std::string("keysecret"));
        CHECK(differ == "the URL and the password key give different passwords: which one the driver uses is not "
                        "something to guess; keep one");
        CHECK(reason("jdbc:postgresql://db/app", "libpq", k_none, k_none) ==
              "no user in the URL or the username key; the native client would fall back to the operating-system "
              "user");
        CHECK(reason("jdbc:postgresql://db/app?user", "libpq", k_none, k_none) ==
              "the user is empty; the native client would fall back to the operating-system user");
    }

    TEST_CASE("ssl=true means verify-full unless sslmode says otherwise") {
        CHECK(translated("jdbc:postgresql://db/app?ssl=true", "libpq").native ==
              "host=db port=5432 dbname=app user=app sslmode=verify-full");
        CHECK(has_line(translated("jdbc:postgresql://db/app?ssl", "libpq"),
                       "ssl -> sslmode=verify-full (pgjdbc's meaning of ssl=true without sslmode)"));
        auto both = translated("jdbc:postgresql://db/app?ssl=true&sslmode=require", "libpq");
        CHECK(both.native == "host=db port=5432 dbname=app user=app sslmode=require");
        CHECK(has_line(both, "ssl=true ignored: sslmode is set, and pgjdbc then ignores ssl"));
        CHECK(reason("jdbc:postgresql://db/app?ssl=false", "libpq") ==
              "ssl=false without sslmode: pgjdbc then falls back to sslmode=prefer, which still tries TLS; write "
              "sslmode=disable or sslmode=prefer to say which is meant");
    }

    TEST_CASE("no sslmode is left to libpq, whose default is pgjdbc's") {
        auto result = translated("jdbc:postgresql://db/app", "libpq");
        CHECK(result.native == "host=db port=5432 dbname=app user=app");
        CHECK(has_line(result, "no sslmode -> left out (pgjdbc's default and libpq's are both prefer)"));
        CHECK(has_line(result, "no password -> none (the account must have none)"));
    }

    TEST_CASE("an sslmode libpq does not know is refused with a suggestion") {
        CHECK(reason("jdbc:postgresql://db/app?sslmode=REQUIRE", "libpq") ==
              "sslmode=REQUIRE is not a mode stagegate knows pgjdbc and libpq to share (disable, allow, prefer, "
              "require, verify-ca, verify-full); did you mean require?");
    }

    TEST_CASE("timeouts, application name, options and schema") {
        auto result = translated("jdbc:postgresql://db/app?connectTimeout=10&ApplicationName=billing"
                                 "&options=-c%20statement_timeout%3D5000&currentSchema=my%20schema",
                                 "libpq");
        CHECK(result.native == "host=db port=5432 dbname=app user=app connect_timeout=10 application_name=billing "
                               "options='-c statement_timeout=5000 -c search_path=my\\\\ schema'");
        CHECK(has_line(result, "connectTimeout=10 -> connect_timeout=10"));
        CHECK(has_line(result, "ApplicationName=billing -> application_name=billing"));
        CHECK(has_line(result, "currentSchema=my schema -> options=-c search_path=my\\ schema"));
        CHECK(read_back(result.native, "libpq").get("options") ==
              "-c statement_timeout=5000 -c search_path=my\\ schema");
        CHECK(has_line(translated("jdbc:postgresql://db/app?connectTimeout=1", "libpq"),
                       "connectTimeout=1 -> connect_timeout=1 (libpq waits at least 2 seconds)"));
        CHECK(reason("jdbc:postgresql://db/app?connectTimeout=5s", "libpq") ==
              "connectTimeout=5s is not a whole number of seconds");
    }

    TEST_CASE("every targetServerType pgjdbc documents maps to target_session_attrs") {
        const std::vector<std::pair<std::string, std::string>> targets{{"any", "any"},
                                                                       {"primary", "primary"},
                                                                       {"master", "primary"},
                                                                       {"secondary", "standby"},
                                                                       {"standby", "standby"},
                                                                       {"preferSecondary", "prefer-standby"},
                                                                       {"preferStandby", "prefer-standby"}};
        for (const auto& [jdbc, libpq_value] : targets) {
            CAPTURE(jdbc);
            auto result = translated("jdbc:postgresql://a,b/app?targetServerType=" + jdbc, "libpq");
            CHECK(result.native.ends_with("target_session_attrs=" + libpq_value));
            CHECK(has_line(result, "targetServerType=" + jdbc + " -> target_session_attrs=" + libpq_value));
        }
        CHECK(
            reason("jdbc:postgresql://a,b/app?targetServerType=preferPrimary", "libpq")
                .starts_with("targetServerType=preferPrimary has no target_session_attrs equivalent stagegate knows"));
    }

    TEST_CASE("loadBalanceHosts: false is libpq's order, true has no libpq 15 equivalent") {
        CHECK(has_line(translated("jdbc:postgresql://a,b/app?loadBalanceHosts=false", "libpq"),
                       "loadBalanceHosts=false -> left out (hosts are tried in order, as libpq does)"));
        CHECK(reason("jdbc:postgresql://a,b/app?loadBalanceHosts=true", "libpq") ==
              "loadBalanceHosts=true: pgjdbc shuffles the hosts, and libpq 15 has no load_balance_hosts");
    }

    TEST_CASE("statement-only parameters are listed as ignored") {
        auto result = translated("jdbc:postgresql://db/app?prepareThreshold=0&reWriteBatchedInserts=true"
                                 "&defaultRowFetchSize=100",
                                 "libpq");
        CHECK(result.native == "host=db port=5432 dbname=app user=app");
        CHECK(has_line(result, "prepareThreshold ignored: affects statement handling only"));
        CHECK(has_line(result, "reWriteBatchedInserts ignored: affects statement handling only"));
        CHECK(has_line(result, "defaultRowFetchSize ignored: affects statement handling only"));
    }

    TEST_CASE("parameters without an exact libpq equivalent are refused with the reason") {
        CHECK(reason("jdbc:postgresql://db/app?socketTimeout=30", "libpq") ==
              "parameter socketTimeout of jdbc:postgresql cannot be translated: it bounds every read on the socket; "
              "libpq has no such setting");
        CHECK(reason("jdbc:postgresql://db/app?loginTimeout=10", "libpq")
                  .starts_with("parameter loginTimeout of jdbc:postgresql cannot be translated: it is a deadline for "
                               "the whole login"));
        CHECK(reason("jdbc:postgresql://db/app?sslcert=/c.pem&sslkey=/k.pk8", "libpq")
                  .starts_with("parameter sslcert of jdbc:postgresql cannot be translated: pgjdbc reads the client key "
                               "as PKCS-8 DER"));
        CHECK(reason("jdbc:postgresql://db/app?sslfactory=org.postgresql.ssl.NonValidatingFactory", "libpq")
                  .starts_with("parameter sslfactory of jdbc:postgresql cannot be translated: it names a Java "
                               "SSLSocketFactory class"));
    }

    TEST_CASE("an unknown parameter is refused, with the right spelling when it is close") {
        CHECK(reason("jdbc:postgresql://db/app?sslMode=require", "libpq") ==
              "parameter sslMode of jdbc:postgresql has no libpq equivalent stagegate knows (did you mean sslmode? "
              "names are matched exactly); translate it by hand");
        CHECK(
            reason("jdbc:postgresql://db/app?tcpKeepAlive=true", "libpq") ==
            "parameter tcpKeepAlive of jdbc:postgresql has no libpq equivalent stagegate knows; translate it by hand");
    }

    TEST_CASE("malformed pgjdbc URLs are refused") {
        CHECK(reason("jdbc:postgresql://db", "libpq") ==
              "pgjdbc needs a '/' after the host: jdbc:postgresql://host:5432/database (or host:5432/ for the default "
              "database)");
        CHECK(reason("jdbc:postgresql://app:pw@db/app", "libpq") ==
              "pgjdbc's URL has no user@ part: give user and password as parameters or keys");
        CHECK(reason("jdbc:postgresql://db:99999/app", "libpq") ==
              "the port of host db is not a number from 1 to 65535");
        CHECK(reason("jdbc:postgresql://db/app?sslmode=require&sslmode=disable", "libpq") ==
              "parameter sslmode is given twice");
        CHECK(reason("jdbc:postgresql://db/app?ApplicationName=a+b", "libpq") ==
              "the value of ApplicationName holds a '+', which Java's URL decoder reads as a space: write %2B for a "
              "plus (or %20 for a space)");
        CHECK(reason("jdbc:postgresql://db/app%zz", "libpq") ==
              "the database name holds a broken %-escape (write a '%' as %25)");
        CHECK(reason("jdbc:postgresql:/app", "libpq").starts_with("pgjdbc's URL forms are"));
    }

    TEST_CASE("SOCI gets the same keywords, values with blanks double-quoted for its splitter") {
        auto result = translated("jdbc:postgresql://db/app?currentSchema=billing", "soci", k_app, std::string("p w"));
        CHECK(result.native == "postgresql://host=db port=5432 dbname=app user=app password=\"'p w'\" "
                               "options=\"'-c search_path=billing'\"");
        auto parsed = read_back(result.native, "soci");
        CHECK(parsed.get("password") == "p w");
        CHECK(parsed.get("options") == "-c search_path=billing");
        CHECK(reason("jdbc:postgresql://db/app", "soci", k_app, k_canary_text) ==
              "the password holds both a blank and a double quote, which SOCI's postgresql backend cannot pass on to "
              "libpq; use driver libpq");
    }
}

TEST_SUITE("jdbc_mysql") {
    TEST_CASE("Connector/J settings become a mysqlcppconn URL") {
        auto result = translated("jdbc:mysql://db:3306/app?sslMode=VERIFY_IDENTITY&connectTimeout=5000"
                                 "&socketTimeout=30000&characterEncoding=UTF-8",
                                 "mysqlcppconn", k_app, k_canary_text);
        CHECK(result.native == "mysql://app:Can%40ry%3Ap%2Fss%20w%25rd%27%22%5C%3C%26%3E@db:3306/app"
                               "?ssl-mode=VERIFY_IDENTITY&connect-timeout=5&read-timeout=30&write-timeout=30"
                               "&charset=utf8mb4");
        CHECK(result.mapping == std::vector<std::string>{
                                    "host db:3306 -> host=db port=3306",
                                    "database app -> database=app",
                                    "user (from the username key) -> user=app",
                                    "password (from the password key) -> password=********",
                                    "sslMode=VERIFY_IDENTITY -> ssl-mode=VERIFY_IDENTITY",
                                    "connectTimeout=5000 (ms) -> connect-timeout=5",
                                    "socketTimeout=30000 (ms) -> read-timeout=30 write-timeout=30",
                                    "characterEncoding=UTF-8 -> charset=utf8mb4",
                                });
        CHECK(result.secrets == std::vector<std::string>{k_canary_text});
        auto parsed = read_back(result.native, "mysqlcppconn");
        CHECK(parsed.get("password") == k_canary_text);
        CHECK(parsed.get("ssl-mode") == "VERIFY_IDENTITY");
        CHECK(parsed.get("read-timeout") == "30");
    }

    TEST_CASE("Connector/J's default sslMode is said explicitly") {
        auto result = translated("jdbc:mysql://db/app", "mysqlcppconn");
        CHECK(result.native == "mysql://app@db:3306/app?ssl-mode=PREFERRED");
        CHECK(has_line(result, "no sslMode -> ssl-mode=PREFERRED (Connector/J's default, said explicitly)"));
        CHECK(has_line(result, "host db -> host=db port=3306 (3306 is the default port)"));
        CHECK(translated("jdbc:mysql://db/app?sslMode=required", "mysqlcppconn").native ==
              "mysql://app@db:3306/app?ssl-mode=REQUIRED");
        CHECK(reason("jdbc:mysql://db/app?sslMode=STRICT", "mysqlcppconn") ==
              "sslMode=STRICT is not a Connector/J mode (DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)");
    }

    TEST_CASE("the older useSSL settings map as Connector/J 8 maps them") {
        const std::vector<std::pair<std::string, std::string>> cases{
            {"useSSL=false", "DISABLED"},
            {"useSSL=false&requireSSL=true", "DISABLED"},
            {"useSSL=true", "PREFERRED"},
            {"useSSL=true&requireSSL=true", "REQUIRED"},
            {"requireSSL=true", "REQUIRED"},
            {"useSSL=true&verifyServerCertificate=true", "VERIFY_CA"},
            {"useSSL=TRUE&requireSSL=true&verifyServerCertificate=true", "VERIFY_CA"},
        };
        for (const auto& [query, mode] : cases) {
            CAPTURE(query);
            auto result = translated("jdbc:mysql://db/app?" + query, "mysqlcppconn");
            CHECK(result.native == "mysql://app@db:3306/app?ssl-mode=" + mode);
            CHECK(has_line(result, query + " -> ssl-mode=" + mode + " (as Connector/J 8 maps the older settings)"));
        }
        auto both = translated("jdbc:mysql://db/app?useSSL=false&sslMode=REQUIRED", "mysqlcppconn");
        CHECK(both.native == "mysql://app@db:3306/app?ssl-mode=REQUIRED");
        CHECK(has_line(both,
                       "useSSL, requireSSL and verifyServerCertificate ignored: sslMode is set, and Connector/J 8 "
                       "then ignores them"));
        CHECK(reason("jdbc:mysql://db/app?useSSL=yes", "mysqlcppconn") == "useSSL=yes is neither true nor false");
    }

    TEST_CASE("timeouts are rounded up to whole seconds and 0 is left out") {
        auto rounded = translated("jdbc:mysql://db/app?connectTimeout=2500", "mysqlcppconn");
        CHECK(rounded.native == "mysql://app@db:3306/app?ssl-mode=PREFERRED&connect-timeout=3");
        CHECK(has_line(rounded, "connectTimeout=2500 (ms) -> connect-timeout=3 (rounded up to whole seconds)"));
        auto forever = translated("jdbc:mysql://db/app?connectTimeout=0&socketTimeout=0", "mysqlcppconn");
        CHECK(forever.native == "mysql://app@db:3306/app?ssl-mode=PREFERRED");
        CHECK(has_line(forever, "connectTimeout=0 -> left out (0 waits forever, as the native client does without a "
                                "timeout)"));
        CHECK(reason("jdbc:mysql://db/app?socketTimeout=90000000", "mysqlcppconn") ==
              "socketTimeout=90000000 ms is more than the one day the native clients take");
        CHECK(reason("jdbc:mysql://db/app?connectTimeout=-1", "mysqlcppconn") ==
              "connectTimeout=-1 is not a whole number of milliseconds");
    }

    TEST_CASE("only UTF-8 is translated as a character encoding") {
        CHECK(reason("jdbc:mysql://db/app?characterEncoding=latin1", "mysqlcppconn") ==
              "characterEncoding=latin1: stagegate translates only UTF-8 (to charset=utf8mb4)");
    }

    TEST_CASE("user and password in the authority are percent-decoded") {
        auto result = translated("jdbc:mysql://bob:p%40ss@db/app", "mysqlcppconn", k_none, k_none);
        CHECK(result.native == "mysql://bob:p%40ss@db:3306/app?ssl-mode=PREFERRED");
        CHECK(has_line(result, "user=bob -> user=bob"));
        CHECK(result.secrets == std::vector<std::string>{"p@ss"});
        CHECK(read_back(result.native, "mysqlcppconn").get("password") == "p@ss");
    }

    TEST_CASE("localhost stays on TCP through mysqlcppconn's tcp:// form") {
        auto result = translated("jdbc:mysql://localhost:3306/app", "mysqlcppconn", k_app, std::string("pw"));
        CHECK(result.native == "tcp://localhost:3306/app?user=app&password=pw&ssl-mode=PREFERRED");
        CHECK(has_line(result, "localhost -> tcp://localhost (the Java driver connects over TCP; mysql://localhost "
                               "would use the local socket)"));
        CHECK_FALSE(read_back(result.native, "mysqlcppconn").endpoints.front().unix_socket);
        auto defaulted = translated("jdbc:mysql:///app", "mysqlcppconn");
        CHECK(defaulted.native == "tcp://localhost:3306/app?user=app&ssl-mode=PREFERRED");
        CHECK(has_line(defaulted, "no host -> host=localhost port=3306 (Connector/J's defaults)"));
    }

    TEST_CASE("several hosts and multi-host modes are refused") {
        CHECK(reason("jdbc:mysql://a:3306,b:3306/app", "mysqlcppconn") ==
              "several hosts (or an address=(...) host): Connector/J spreads connections over them, and the native "
              "clients take one host");
        CHECK(reason("jdbc:mysql://address=(host=a)(port=3306)/app", "mysqlcppconn").starts_with("several hosts"));
        CHECK(reason("jdbc:mysql:replication://a,b/app", "mysqlcppconn") ==
              "jdbc:mysql:replication:// spreads connections over several hosts; the native clients take one host");
        CHECK(reason("jdbc:mysql:loadbalance://a,b/app", "mysqlcppconn").starts_with("jdbc:mysql:loadbalance://"));
        CHECK(reason("jdbc:mysql+srv://_mysql._tcp.example.com/app", "mysqlcppconn").starts_with("jdbc:mysql+srv:"));
        CHECK(reason("jdbc:mysqlx://db:33060/app", "mysqlcppconn").starts_with("jdbc:mysqlx: is MySQL's X Protocol"));
    }

    TEST_CASE("Java keystores and unknown parameters are refused") {
        CHECK(reason("jdbc:mysql://db/app?trustCertificateKeyStoreUrl=file:/ts.jks", "mysqlcppconn") ==
              "parameter trustCertificateKeyStoreUrl of jdbc:mysql cannot be translated: it is a Java keystore, which "
              "the native clients cannot read: give the CA as a PEM file instead");
        CHECK(reason("jdbc:mysql://db/app?allowPublicKeyRetrieval=true", "mysqlcppconn")
                  .starts_with("parameter allowPublicKeyRetrieval of jdbc:mysql cannot be translated"));
        CHECK(reason("jdbc:mysql://db/app?sslmode=REQUIRED", "mysqlcppconn") ==
              "parameter sslmode of jdbc:mysql has no mysqlcppconn equivalent stagegate knows (did you mean sslMode? "
              "names are matched exactly); translate it by hand");
        CHECK(reason("jdbc:mysql://db/app?useSSL", "mysqlcppconn") ==
              "parameter useSSL has no value: write useSSL=value");
    }

    TEST_CASE("statement-only Connector/J parameters are listed as ignored") {
        auto result = translated("jdbc:mysql://db/app?cachePrepStmts=true&useServerPrepStmts=true"
                                 "&rewriteBatchedStatements=true&zeroDateTimeBehavior=CONVERT_TO_NULL&useUnicode=true",
                                 "mysqlcppconn");
        CHECK(result.native == "mysql://app@db:3306/app?ssl-mode=PREFERRED");
        for (std::string name :
             {"cachePrepStmts", "useServerPrepStmts", "rewriteBatchedStatements", "zeroDateTimeBehavior", "useUnicode"})
            CHECK(has_line(result, name + " ignored: affects statement handling only"));
    }

    TEST_CASE("SOCI's mysql backend gets key=value pairs and no TLS settings") {
        auto result = translated("jdbc:mysql://db:3307/app?sslMode=DISABLED&connectTimeout=5000&socketTimeout=1",
                                 "soci", k_app, std::string("p w'x"));
        CHECK(result.native == "mysql://host=db port=3307 db=app user=app password='p w\\'x' connect_timeout=5 "
                               "read_timeout=1 write_timeout=1");
        CHECK(has_line(result, "sslMode=DISABLED -> no TLS options (the Java driver's mode is DISABLED, and SOCI's "
                               "mysql backend without TLS options uses none)"));
        auto parsed = read_back(result.native, "soci");
        CHECK(parsed.get("password") == "p w'x");
        CHECK(parsed.get("db") == "app");
    }

    TEST_CASE("SOCI cannot carry Connector/J's TLS modes or localhost over TCP") {
        CHECK(reason("jdbc:mysql://db/app", "soci") ==
              "no sslMode means ssl-mode PREFERRED (Connector/J's default, said explicitly), which SOCI cannot ask "
              "for: its mysql backend has no ssl-mode, only sslca/sslcert/sslkey, whose checks depend on the client "
              "library; use driver mysqlcppconn, or sslMode=DISABLED if the application really runs without TLS");
        CHECK(reason("jdbc:mysql://db/app?sslMode=REQUIRED", "soci")
                  .starts_with("sslMode=REQUIRED means ssl-mode "
                               "REQUIRED, which SOCI cannot ask for"));
        CHECK(reason("jdbc:mysql://localhost/app?sslMode=DISABLED", "soci") ==
              "host localhost: the Java driver connects over TCP, SOCI's MySQL client over the local socket, and SOCI "
              "cannot ask for TCP; use driver mysqlcppconn");
    }
}

TEST_SUITE("jdbc_mariadb") {
    TEST_CASE("MariaDB Connector/J's sslMode values map to the native modes") {
        const std::vector<std::pair<std::string, std::string>> modes{{"disable", "DISABLED"},
                                                                     {"trust", "REQUIRED"},
                                                                     {"verify-ca", "VERIFY_CA"},
                                                                     {"verify-full", "VERIFY_IDENTITY"}};
        for (const auto& [jdbc, native] : modes) {
            CAPTURE(jdbc);
            CHECK(translated("jdbc:mariadb://db:3306/app?sslMode=" + jdbc, "mysqlcppconn").native ==
                  "mysql://app@db:3306/app?ssl-mode=" + native);
        }
        CHECK(has_line(translated("jdbc:mariadb://db/app?sslMode=trust", "mysqlcppconn"),
                       "sslMode=trust -> ssl-mode=REQUIRED (encrypted, the certificate not checked)"));
        CHECK(reason("jdbc:mariadb://db/app?sslMode=REQUIRED", "mysqlcppconn") ==
              "sslMode=REQUIRED is not a MariaDB Connector/J 3 mode stagegate knows (disable, trust, verify-ca, "
              "verify-full)");
    }

    TEST_CASE("MariaDB Connector/J's default disable is said explicitly") {
        auto result = translated("jdbc:mariadb://db/app?connectTimeout=10000", "mysqlcppconn");
        CHECK(result.native == "mysql://app@db:3306/app?ssl-mode=DISABLED&connect-timeout=10");
        CHECK(has_line(result, "no sslMode -> ssl-mode=DISABLED (MariaDB Connector/J's default is disable, said "
                               "explicitly)"));
        auto soci = translated("jdbc:mariadb://db/app", "soci");
        CHECK(soci.native == "mysql://host=db port=3306 db=app user=app");
    }

    TEST_CASE("what MariaDB Connector/J reads differently is refused") {
        CHECK(reason("jdbc:mariadb://db/app?useSsl=true", "mysqlcppconn")
                  .starts_with("parameter useSsl of jdbc:mariadb cannot be translated: MariaDB Connector/J 3 maps this "
                               "older setting"));
        CHECK(reason("jdbc:mariadb://db/app?serverSslCert=/etc/ca.pem", "mysqlcppconn")
                  .ends_with("give the CA as a PEM file instead"));
        CHECK(reason("jdbc:mariadb://app:pw@db/app", "mysqlcppconn") ==
              "MariaDB Connector/J's URL has no user@ part: give user and password as parameters or keys");
        CHECK(reason("jdbc:mariadb://db/app?password=p%25w", "mysqlcppconn") ==
              "the value of password holds '%' or '+', and stagegate does not know whether MariaDB Connector/J "
              "percent-decodes it: translate the URL by hand");
        CHECK(reason("jdbc:mariadb:sequential://a,b/app", "mysqlcppconn").starts_with("jdbc:mariadb:sequential://"));
        CHECK(reason("jdbc:mariadb:///app", "mysqlcppconn") == "no host: write jdbc:mariadb://host:3306/database");
        CHECK(reason("jdbc:mariadb://db/app?characterEncoding=UTF-8", "mysqlcppconn")
                  .starts_with("parameter characterEncoding of jdbc:mariadb has no mysqlcppconn equivalent"));
    }
}

TEST_SUITE("jdbc_secrets") {
    TEST_CASE("no error or mapping line shows the password") {
        const std::string encoded = "Can%40ry%3Ap%2Fss%20w%25rd%27%22%5C%3C%26%3E";
        const std::vector<std::pair<std::string, std::string>> urls{
            {"jdbc:postgresql://db/app?password=" + encoded, "libpq"},
            {"jdbc:postgresql://db/app?password=" + encoded + "&sslMode=require", "libpq"},
            {"jdbc:postgresql://db/app?password=" + encoded + "&socketTimeout=5", "libpq"},
            {"jdbc:postgresql://db/app?password=" + encoded + "&user=other", "libpq"},
            {"jdbc:postgresql://db/app?password=" + encoded, "soci"},
            {"jdbc:postgresql://db/app?password=Can@ry:p/ss w%rd'\"\\<&>", "libpq"},
            {"jdbc:mysql://app:" + encoded + "@db/app", "mysqlcppconn"},
            {"jdbc:mysql://app:" + encoded + "@db/app?sslMode=REQUIRED", "soci"},
            {"jdbc:mysql://app:" + encoded + "@db/app?password=" + encoded, "mysqlcppconn"},
            {"jdbc:mysql://app:Can@ry:p/ss w%rd'\"\\<&>@db/app", "mysqlcppconn"},
            {"jdbc:mariadb://db/app?password=" + encoded, "mysqlcppconn"},
            {"jdbc:mysql://db/app?password=" + encoded, "mysqlcppconn"},
        };
        int refused = 0;
        for (const auto& [url, driver] : urls) {
            for (const auto& password : {k_none, std::optional<std::string>(k_canary_text)}) {
                CAPTURE(url);
                auto result = translate_jdbc(url, driver, k_app, password);
                if (!result) {
                    ++refused;
                    CHECK(canary_form_in(result.error()).empty());
                    continue;
                }
                for (const auto& line : result->mapping)
                    CHECK(canary_form_in(line).empty());
            }
        }
        CHECK(refused == 18);
    }

    TEST_CASE("a name after password= that may be the password's tail is not quoted back") {
        auto message = reason("jdbc:postgresql://db/app?password=abc&defgh&user=app", "libpq");
        CHECK(message == "a parameter after password is not one pgjdbc knows (a raw '&' in the password? "
                         "percent-encode it as %26)");
        CHECK(message.find("defgh") == std::string::npos);
    }

    TEST_CASE("a password pasted into another parameter is cut from the message") {
        CHECK(reason("jdbc:postgresql://db/app?sslmode=hunter2", "libpq", k_app, std::string("hunter2")) ==
              "sslmode=******** is not a mode stagegate knows pgjdbc and libpq to share (disable, allow, prefer, "
              "require, verify-ca, verify-full)");
    }
}
