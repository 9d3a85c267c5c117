#include <doctest/doctest.h>

#include "libpq/libpq_driver.hpp"
#include "mysql/mysqlcppconn.hpp"
#include "soci/soci_driver.hpp"

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>

using namespace stagegate;
using stagegate::soci_client::classify;
using stagegate::soci_client::Phase;

namespace {

// SOCI's postgresql backend prefixes libpq's connect complaint with this line and no SQLSTATE.
const std::string k_cannot_connect = "Cannot establish connection to the database.\n";

Failure postgresql(const std::string& message, const char* sqlstate, Phase phase) {
    return classify(soci::postgresql_soci_error(message, sqlstate), "postgresql", phase);
}

Failure mysql_error(const std::string& message, int number, Phase phase) {
    return classify(soci::mysql_soci_error(message, number), "mysql", phase);
}

Failure sqlite(const std::string& message, int result, Phase phase) {
    return classify(soci::sqlite3_soci_error(message, result), "sqlite3", phase);
}

Failure plain_connect(const std::string& libpq_text) {
    return classify(soci::soci_error(k_cannot_connect + libpq_text), "postgresql", Phase::connect);
}

} // namespace

TEST_SUITE("soci_error") {
    TEST_CASE("postgresql errors map by SQLSTATE") {
        auto auth = postgresql("FATAL:  password authentication failed for user \"app\"", "28P01", Phase::connect);
        CHECK(auth.category == Category::auth);
        CHECK(auth.sqlstate == "28P01");
        CHECK(auth.hint == libpq::hint_for(Category::auth));
        CHECK(postgresql("FATAL:  database \"shpo\" does not exist", "3D000", Phase::connect).category ==
              Category::no_database);
        CHECK(postgresql("ERROR:  permission denied for table accounts", "42501", Phase::statement).category ==
              Category::permission);
        CHECK(postgresql("ERROR:  canceling statement due to statement timeout", "57014", Phase::statement).category ==
              Category::timeout);
        CHECK(postgresql("ERROR:  relation \"acounts\" does not exist", "42P01", Phase::statement).category ==
              Category::query);
    }

    TEST_CASE("postgresql messages are one line") {
        auto failure = postgresql("ERROR:  relation \"acounts\" does not exist\nLINE 1: SELECT * FROM acounts\n",
                                  "42P01", Phase::statement);
        CHECK(failure.message.find('\n') == std::string::npos);
        CHECK(failure.message.find("relation \"acounts\" does not exist") != std::string::npos);
    }

    TEST_CASE("a plain SOCI connect error is read through libpq's text") {
        CHECK(plain_connect("connection to server at \"127.0.0.1\", port 5 failed: Connection refused\n\tIs the "
                            "server running on that host and accepting TCP/IP connections?\n")
                  .category == Category::refused);
        CHECK(plain_connect("connection to server at \"127.0.0.1\", port 5 failed: FATAL:  password authentication "
                            "failed for user \"app\"\n")
                  .category == Category::auth);
        CHECK(plain_connect("connection to server at \"127.0.0.1\", port 5 failed: FATAL:  database \"x\" does not "
                            "exist\n")
                  .category == Category::no_database);
        CHECK(plain_connect("connection to server at \"127.0.0.1\", port 5 failed: FATAL:  role \"x\" does not "
                            "exist\n")
                  .category == Category::auth);
        CHECK(plain_connect("could not translate host name \"x\" to address: Name or service not known\n").category ==
              Category::dns);
        CHECK(plain_connect("connection to server at \"127.0.0.1\", port 5 failed: timeout expired\n").category ==
              Category::timeout);
    }

    TEST_CASE("a plain SOCI connect error keeps libpq's words on one line") {
        auto failure = plain_connect("connection to server at \"127.0.0.1\", port 5 failed: Connection refused\n\tIs "
                                     "the server running on that host and accepting TCP/IP connections?\n");
        CHECK(failure.message == "Connection refused");
        CHECK(failure.hint == libpq::hint_for(Category::refused));
    }

    TEST_CASE("mysql errors map by error number") {
        auto auth = mysql_error("Access denied for user 'app'@'127.0.0.1' (using password: YES)", 1045, Phase::connect);
        CHECK(auth.category == Category::auth);
        CHECK(auth.native_code == 1045);
        CHECK(auth.hint == mysql::hint_for(Category::auth));
        CHECK(auth.message == "Access denied for user 'app'@'127.0.0.1' (using password: YES) (error 1045)");
        CHECK(mysql_error("Unknown database 'shpo'", 1049, Phase::connect).category == Category::no_database);
        CHECK(mysql_error("Access denied for user 'app'@'%' to database 'x'", 1044, Phase::connect).category ==
              Category::permission);
        CHECK(mysql_error("Can't connect to server on '127.0.0.1' (111)", 2002, Phase::connect).category ==
              Category::refused);
        CHECK(mysql_error("Unknown server host 'x' (-2)", 2005, Phase::connect).category == Category::dns);
        CHECK(mysql_error("Lost connection to server at 'handshake: reading initial communication packet', system "
                          "error: 11",
                          2013, Phase::connect)
                  .category == Category::timeout);
        CHECK(mysql_error("SSL connection error: unable to get local issuer certificate", 2026, Phase::connect)
                  .category == Category::tls);
        CHECK(mysql_error("Query execution was interrupted (max_statement_time exceeded)", 1969, Phase::statement)
                  .category == Category::timeout);
        CHECK(mysql_error("Table 'shop.acounts' doesn't exist", 1146, Phase::statement).category == Category::query);
    }

    TEST_CASE("sqlite3 result codes map to categories") {
        CHECK(sqlite("Cannot establish connection to the database. unable to open database file", SQLITE_CANTOPEN,
                     Phase::connect)
                  .category == Category::no_database);
        CHECK(sqlite("attempt to write a readonly database", SQLITE_READONLY, Phase::statement).category ==
              Category::permission);
        CHECK(sqlite("database is locked", SQLITE_BUSY, Phase::statement).category == Category::timeout);
        CHECK(sqlite("interrupted", SQLITE_INTERRUPT, Phase::statement).category == Category::timeout);
        CHECK(sqlite("authorization denied", SQLITE_AUTH, Phase::statement).category == Category::auth);
        CHECK(sqlite("no such table: acounts", SQLITE_ERROR, Phase::statement).category == Category::query);
        CHECK(sqlite("no such table: acounts", SQLITE_ERROR, Phase::connect).category == Category::server);
    }

    TEST_CASE("an extended sqlite3 result code maps like its primary code") {
        CHECK(sqlite("database is locked", SQLITE_BUSY_SNAPSHOT, Phase::statement).category == Category::timeout);
        CHECK(sqlite("attempt to write a readonly database", SQLITE_READONLY_DBMOVED, Phase::statement).category ==
              Category::permission);
    }

    TEST_CASE("sqlite3 messages carry the result code on one line") {
        auto failure = sqlite("database is locked\n", SQLITE_BUSY, Phase::statement);
        CHECK(failure.native_code == SQLITE_BUSY);
        CHECK(failure.message == "database is locked (SQLite result 5)");
        CHECK(failure.hint == libpq::hint_for(Category::timeout));
    }

    TEST_CASE("a plain SOCI error falls back to SOCI's category and the phase") {
        auto statement = classify(soci::soci_error("Something odd happened.\n"), "mysql", Phase::statement);
        CHECK(statement.category == Category::query);
        CHECK(statement.message == "Something odd happened.");
        CHECK(statement.hint == mysql::hint_for(Category::query));
        CHECK(classify(soci::soci_error("Something odd happened."), "sqlite3", Phase::connect).category ==
              Category::server);
    }
}
