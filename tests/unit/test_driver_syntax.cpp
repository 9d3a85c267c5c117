#include <doctest/doctest.h>

#include "stagegate/driver.hpp"

#include <string>
#include <vector>

using namespace stagegate;

namespace {

const Driver& driver_named(std::string_view name) {
    const Driver* driver = find_driver(name);
    REQUIRE(driver != nullptr);
    return *driver;
}

// Composes `parts` for `protocol` with the driver named `driver`, which must succeed.
std::string composed(std::string_view driver, std::string_view protocol, std::vector<ComposedPart> parts,
                     bool localhost_over_tcp = false) {
    auto written = driver_named(driver).compose({std::string(protocol), std::move(parts), localhost_over_tcp});
    REQUIRE_MESSAGE(written.has_value(), written.error().message);
    return written->text;
}

// Returns why the driver named `driver` refuses to compose `parts` for `protocol`.
std::string refusal(std::string_view driver, std::string_view protocol, std::vector<ComposedPart> parts,
                    bool localhost_over_tcp = false) {
    auto written = driver_named(driver).compose({std::string(protocol), std::move(parts), localhost_over_tcp});
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().category == Category::config);
    return written.error().message;
}

// The fields of a layout and the values they hold, in text order: "host=db.internal".
std::vector<std::string> fields_of(const StringLayout& layout) {
    std::vector<std::string> out;
    for (const auto& setting : layout.settings)
        out.push_back((setting.field.empty() ? setting.key : setting.field) + "=" + setting.value.value());
    return out;
}

std::vector<std::string> fields_of(std::string_view driver, std::string_view text) {
    auto layout = driver_named(driver).layout(text);
    REQUIRE_MESSAGE(layout.has_value(), text);
    return fields_of(*layout);
}

} // namespace

TEST_SUITE("driver compose") {
    TEST_CASE("parts become each client's own string, quoted and encoded as it reads them") {
        std::vector<ComposedPart> parts{
            {"host", "db.internal"}, {"port", "5432"}, {"user", "app"}, {"password", "p w'x"}, {"database", "users"}};
        CHECK(composed("libpq", "postgresql", parts) ==
              "host=db.internal port=5432 user=app password='p w\\'x' dbname=users");
        CHECK(composed("soci", "postgresql", parts) ==
              "postgresql://host=db.internal port=5432 user=app password=\"'p w\\'x'\" dbname=users");
        parts[1].value = "3306";
        CHECK(composed("mysqlcppconn", "mysql", parts) == "mysql://app:p%20w%27x@db.internal:3306/users");
        CHECK(composed("soci", "mysql", parts) ==
              "mysql://host=db.internal port=3306 user=app password='p w\\'x' db=users");
        CHECK(composed("libpq", "postgresql", {{"service", "users"}}) == "service=users");
    }

    TEST_CASE("native parts keep the native reading of localhost, and need a host for Connector/C++") {
        CHECK(composed("mysqlcppconn", "mysql", {{"host", "localhost"}, {"user", "app"}}) ==
              "mysql://app@localhost:3306");
        CHECK(refusal("mysqlcppconn", "mysql", {{"user", "app"}}) == "no host: name the key that holds it");
        CHECK(refusal("soci", "sqlite3", {{"database", "/var/lib/app.db"}}) ==
              "a sqlite3 string is not composed from parts: read it whole with key:");
    }

    TEST_CASE("a localhost reached over TCP is tcp:// for Connector/C++, and refused by SOCI") {
        auto written = driver_named("mysqlcppconn")
                           .compose({"mysql", {{"host", "localhost"}, {"port", "3306"}, {"user", "app"}}, true});
        REQUIRE(written.has_value());
        CHECK(written->text == "tcp://localhost:3306?user=app");
        CHECK(written->notes == std::vector<std::string>{"localhost -> tcp://localhost (the Java driver connects "
                                                         "over TCP; mysql://localhost would use the local socket)"});
        CHECK(refusal("soci", "mysql", {{"host", "localhost"}}, true).starts_with("host localhost: the Java driver"));
        CHECK(composed("soci", "mysql", {{"host", "localhost"}}) == "mysql://host=localhost");
        CHECK(composed("libpq", "postgresql", {{"host", "localhost"}}, true) == "host=localhost");
    }

    TEST_CASE("a value SOCI's postgresql backend cannot pass on is refused with the key") {
        CHECK(refusal("soci", "postgresql", {{"options", "-c x=\"a b\""}}) ==
              "the options holds both a blank and a double quote, which SOCI's postgresql backend cannot pass on to "
              "libpq; use driver libpq");
    }

    TEST_CASE("a driver composes no string of a protocol it does not speak") {
        CHECK(refusal("libpq", "mysql", {{"host", "db"}}) == "libpq writes postgresql strings, not mysql");
        CHECK(refusal("mysqlcppconn", "postgresql", {{"host", "db"}}) ==
              "mysqlcppconn writes mysql strings, not postgresql");
    }

    TEST_CASE("every composed string reads back with the same values") {
        std::vector<ComposedPart> parts{{"host", "db.internal"}, {"user", "app"}, {"password", "p w'x\\"}};
        for (const auto& [driver, protocol] : std::vector<std::pair<std::string, std::string>>{
                 {"libpq", "postgresql"}, {"soci", "postgresql"}, {"mysqlcppconn", "mysql"}, {"soci", "mysql"}}) {
            CAPTURE(driver);
            CAPTURE(protocol);
            auto read = driver_named(driver).parse(composed(driver, protocol, parts));
            REQUIRE_MESSAGE(read.has_value(), read.error().message);
            CHECK(read->get("password") == "p w'x\\");
            CHECK(read->protocol == protocol);
        }
    }
}

TEST_SUITE("driver recognises") {
    TEST_CASE("each driver recognises its own forms and the protocol they speak") {
        const Driver& libpq = driver_named("libpq");
        const Driver& mysql = driver_named("mysqlcppconn");
        const Driver& soci = driver_named("soci");
        CHECK(libpq.recognises("postgresql://db/users") == "postgresql");
        CHECK(libpq.recognises("host=db dbname=users") == "postgresql");
        CHECK(libpq.recognises("JDBC:postgresql://db/users") == "postgresql");
        CHECK(mysql.recognises("mysql://app@db/users") == "mysql");
        CHECK(mysql.recognises("tcp://db:3306") == "mysql");
        CHECK(mysql.recognises("jdbc:mariadb://db/users") == "mysql");
        CHECK(soci.recognises("postgresql://host=db dbname=users") == "postgresql");
        CHECK(soci.recognises("mysql://host=db db=users") == "mysql");
        CHECK(soci.recognises("sqlite3://db=/tmp/app.db") == "sqlite3");
    }

    TEST_CASE("no two drivers recognise the same string") {
        for (std::string_view text :
             {"postgresql://db/users", "postgres://host=db", "host=db", "jdbc:postgresql://db/users",
              "jdbc:mysql://db/users?user=app", "jdbc:sqlserver://db;databaseName=app", "mysql://app@db/users",
              "mysql://host=db", "mariadb://db", "unix:///run/mysqld.sock", "postgresql://host=db", "sqlite3://x.db",
              "sqlite://x.db", "db-primary", "redis://cache:6379"}) {
            CAPTURE(text);
            int claims = 0;
            for (const Driver* driver : all_drivers())
                claims += driver->recognises(text) ? 1 : 0;
            CHECK(claims <= 1);
        }
    }
}

TEST_SUITE("driver layout") {
    TEST_CASE("libpq places the values of a URI and of a keyword/value string") {
        CHECK(fields_of("libpq", "postgresql://app:pw@db.internal:5432,db2/users?sslmode=require") ==
              std::vector<std::string>{"user=app", "password=pw", "host=db.internal", "port=5432", "database=users",
                                       "tls=require"});
        CHECK(fields_of("libpq", "host=db.internal dbname='my db' application_name=a\\ b") ==
              std::vector<std::string>{"host=db.internal", "database=my db", "application_name=a b"});
        auto layout = driver_named("libpq").layout("host=db");
        REQUIRE(layout.has_value());
        CHECK(layout->tls.added_key == "sslmode");
        CHECK(layout->add_at == 7);
        CHECK(layout->separator == " ");
        CHECK_FALSE(driver_named("libpq").layout("host"));
    }

    TEST_CASE("Connector/C++ places the values of its URLs, percent escapes whole") {
        auto layout = driver_named("mysqlcppconn").layout("mysql://app:p%40ss@[::1]:3306/users?ssl-mode=REQUIRED");
        REQUIRE(layout.has_value());
        CHECK(fields_of(*layout) == std::vector<std::string>{"user=app", "password=p@ss", "host=::1", "port=3306",
                                                             "database=users", "tls=REQUIRED"});
        CHECK(layout->scheme->value() == "mysql");
        CHECK(layout->settings[1].value.units[1].size == 3);
        CHECK_FALSE(driver_named("mysqlcppconn").layout("host=db"));
    }

    TEST_CASE("SOCI places the values of each backend's string") {
        CHECK(fields_of("soci", "postgresql://host=db.internal options=\"'-c a=b'\"") ==
              std::vector<std::string>{"host=db.internal", "options=-c a=b"});
        CHECK(fields_of("soci", "mysql://host=db db=users pass='p w' sslca=/ca.pem") ==
              std::vector<std::string>{"host=db", "database=users", "password=p w", "tls=/ca.pem"});
        CHECK(fields_of("soci", "sqlite3:///var/lib/app.db") == std::vector<std::string>{"database=/var/lib/app.db"});
        CHECK(driver_named("soci").layout("mysql://host=db")->scheme->value() == "mysql");
        CHECK_FALSE(driver_named("soci").layout("oracle://db"));
    }

    TEST_CASE("every built-in driver places the values of its strings") {
        for (const Driver* driver : all_drivers())
            CHECK(driver->has(Capability::string_layout));
    }
}
