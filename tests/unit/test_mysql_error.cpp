#include <doctest/doctest.h>

#include "mysql/mysqlcppconn.hpp"

#include <span>
#include <string>
#include <string_view>

using namespace stagegate;
using stagegate::mysql::Phase;

namespace {

struct Row {
    int code;
    std::string_view sqlstate;
    std::string_view message;
    Phase phase;
    Category expected;
};

// Error numbers with the SQLSTATE and text MariaDB's client and server send with them.
const Row k_by_code[] = {
    {1045, "28000", "Access denied for user 'app'@'127.0.0.1' (using password: YES)", Phase::connect, Category::auth},
    {1049, "42000", "Unknown database 'shpo'", Phase::connect, Category::no_database},
    {1130, "HY000", "Host '10.0.0.9' is not allowed to connect to this MariaDB server", Phase::connect,
     Category::permission},
    {1142, "42000", "SELECT command denied to user 'app'@'localhost' for table 'accounts'", Phase::statement,
     Category::permission},
    {2002, "HY000", "Can't connect to server on '127.0.0.1' (115)", Phase::connect, Category::refused},
    {2002, "HY000", "Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)", Phase::connect,
     Category::refused},
    {2003, "HY000", "Can't connect to MySQL server on '127.0.0.1' (111)", Phase::connect, Category::refused},
    // errno 110, ETIMEDOUT: nothing answered the connect (a dead or blackholed host)
    {2002, "HY000", "Can't connect to server on '127.0.0.1' (110)", Phase::connect, Category::timeout},
    {2003, "HY000", "Can't connect to MySQL server on '10.0.0.9' (110)", Phase::connect, Category::timeout},
    {2005, "HY000", "Unknown server host 'db-prmary.invalid' (-2)", Phase::connect, Category::dns},
    {2013, "HY000", "Lost connection to server at 'handshake: reading initial communication packet', system error: 11",
     Phase::connect, Category::timeout},
    {2013, "HY000", "Lost connection to MySQL server at 'reading initial communication packet', system error: 0",
     Phase::connect, Category::timeout},
    {2013, "HY000", "Lost connection to server during query", Phase::statement, Category::server},
    {2026, "HY000", "SSL connection error: self-signed certificate in certificate chain", Phase::connect,
     Category::tls},
    {3159, "HY000", "Connections using insecure transport are prohibited while --require_secure_transport=ON.",
     Phase::connect, Category::tls},
    {1969, "70100", "Query execution was interrupted (max_statement_time exceeded)", Phase::statement,
     Category::timeout},
    {3024, "HY000", "Query execution was interrupted, maximum statement execution time exceeded", Phase::statement,
     Category::timeout},
    {1317, "70100", "Query execution was interrupted", Phase::statement, Category::timeout},
    {1040, "08004", "Too many connections", Phase::connect, Category::server},
    {2006, "HY000", "MySQL server has gone away", Phase::statement, Category::server},
    {1146, "42S02", "Table 'shop.acounts' doesn't exist", Phase::statement, Category::query},
    {9999, "HY000", "something nobody has seen before", Phase::connect, Category::server},
    {9999, "HY000", "something nobody has seen before", Phase::statement, Category::query},
};

void check_rows(std::span<const Row> rows) {
    for (const Row& row : rows) {
        CAPTURE(row.code);
        CAPTURE(row.message);
        Failure failure = mysql::classify(row.code, row.sqlstate, row.message, row.phase);
        CHECK(failure.category == row.expected);
        CHECK(failure.native_code == row.code);
        CHECK(failure.sqlstate == row.sqlstate);
        CHECK(failure.hint == mysql::hint_for(row.expected));
        CHECK(failure.message == std::string(row.message) + " (error " + std::to_string(row.code) + ")");
    }
}

} // namespace

TEST_SUITE("mysql_error") {
    TEST_CASE("error numbers map to categories") {
        check_rows(k_by_code);
    }

    TEST_CASE("1044 is permission with a hint about the database name") {
        Failure failure =
            mysql::classify(1044, "42000", "Access denied for user 'app'@'%' to database 'shpo'", Phase::connect);
        CHECK(failure.category == Category::permission);
        CHECK(failure.hint.starts_with("MySQL and MariaDB answer 1044 both for a database the account has no grant "
                                       "on and for one that does not exist"));
        CHECK(failure.hint != mysql::hint_for(Category::permission));
    }

    TEST_CASE("2013 after the handshake is a lost server, not a timeout") {
        CHECK(mysql::classify(2013, "HY000", "Lost connection to server during query", Phase::connect).category ==
              Category::server);
        CHECK(mysql::classify(2013, "HY000",
                              "Lost connection to server at 'reading authorization packet', system "
                              "error: 110 (Connection timed out)",
                              Phase::connect)
                  .category == Category::timeout);
    }

    TEST_CASE("a 28 SQLSTATE is auth whatever the number") {
        CHECK(mysql::classify(9999, "28000", "Access denied", Phase::connect).category == Category::auth);
        CHECK(mysql::classify(1049, "28000", "Access denied", Phase::connect).category == Category::auth);
    }

    TEST_CASE("an 08 SQLSTATE is refused unless the number says more") {
        CHECK(mysql::classify(9999, "08001", "Unable to connect", Phase::connect).category == Category::refused);
        CHECK(mysql::classify(9999, "08S01", "Communication link failure", Phase::statement).category ==
              Category::refused);
        CHECK(mysql::classify(2013, "08S01",
                              "Lost connection to server at 'handshake: reading initial communication packet', "
                              "system error: 11",
                              Phase::connect)
                  .category == Category::timeout);
        CHECK(mysql::classify(1040, "08004", "Too many connections", Phase::connect).category == Category::server);
    }

    TEST_CASE("the number decides where the SQLSTATE says little") {
        CHECK(mysql::classify(1045, "HY000", "Access denied", Phase::connect).category == Category::auth);
        CHECK(mysql::classify(1045, "", "Access denied", Phase::connect).category == Category::auth);
        CHECK(mysql::classify(1049, "42000", "Unknown database 'x'", Phase::connect).category == Category::no_database);
    }

    TEST_CASE("a SQLSTATE that is not five characters is dropped") {
        Failure failure = mysql::classify(1045, "28", "Access denied", Phase::connect);
        CHECK(failure.sqlstate.empty());
        CHECK(failure.category == Category::auth);
    }

    TEST_CASE("the message is one line with the error number") {
        Failure failure =
            mysql::classify(1064, "42000", "You have an error in your SQL syntax;\ncheck the manual\tnear 'FORM'\r\n",
                            Phase::statement);
        CHECK(failure.message == "You have an error in your SQL syntax; check the manual near 'FORM' (error 1064)");
        CHECK(failure.category == Category::query);
        CHECK(failure.native_code == 1064);
    }

    TEST_CASE("a message without a number has no number") {
        Failure failure = mysql::classify(0, "", "connection closed\n", Phase::connect);
        CHECK(failure.message == "connection closed");
        CHECK(failure.category == Category::server);
        CHECK(failure.native_code == 0);
    }

    TEST_CASE("every category has a hint") {
        for (Category category : all_categories()) {
            CAPTURE(to_string(category));
            CHECK_FALSE(mysql::hint_for(category).empty());
        }
    }
}
