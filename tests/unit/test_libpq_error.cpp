#include <doctest/doctest.h>

#include "libpq/libpq_driver.hpp"

#include <span>
#include <string>
#include <string_view>

using namespace stagegate;
using stagegate::libpq::Phase;

namespace {

struct Row {
    std::string_view sqlstate;
    std::string_view message;
    Phase phase;
    Category expected;
};

// SQLSTATEs as the server sends them in verbose mode.
const Row k_by_sqlstate[] = {
    {"28P01", "FATAL:  28P01: password authentication failed for user \"app\"", Phase::connect, Category::auth},
    {"28000", "FATAL:  28000: role \"nosuchrole\" does not exist", Phase::connect, Category::auth},
    {"3D000", "FATAL:  3D000: database \"nosuchdb\" does not exist", Phase::connect, Category::no_database},
    {"42501", "FATAL:  42501: permission denied for database \"users\"", Phase::connect, Category::permission},
    {"42501", "ERROR:  42501: permission denied for table accounts", Phase::statement, Category::permission},
    {"08006", "FATAL:  08006: connection failure", Phase::connect, Category::refused},
    {"08P01", "FATAL:  08P01: invalid startup packet layout", Phase::connect, Category::server},
    {"53300", "FATAL:  53300: sorry, too many clients already", Phase::connect, Category::server},
    {"57014", "ERROR:  57014: canceling statement due to user request", Phase::statement, Category::timeout},
    {"57P03", "FATAL:  57P03: the database system is starting up", Phase::connect, Category::server},
    {"42P01", "ERROR:  42P01: relation \"acounts\" does not exist", Phase::statement, Category::query},
    {"22012", "ERROR:  22012: division by zero", Phase::statement, Category::query},
    {"XX000", "ERROR:  XX000: internal error", Phase::statement, Category::server},
};

// libpq's own texts, without SQLSTATE (docs: clients-and-servers.md, section 5.1).
const Row k_by_message[] = {
    {"", "could not translate host name \"db-prmary.invalid\" to address: Name or service not known", Phase::connect,
     Category::dns},
    {"",
     "connection to server at \"127.0.0.1\", port 5 failed: Connection refused\n\tIs the server "
     "running on that "
     "host and accepting TCP/IP connections?\n",
     Phase::connect, Category::refused},
    {"",
     "connection to server on socket \"/tmp/sock/.s.PGSQL.5432\" failed: No such file or "
     "directory\n\tIs the "
     "server running locally and accepting connections on that socket?\n",
     Phase::connect, Category::refused},
    {"", "connection to server at \"127.0.0.1\", port 5 failed: timeout expired\n", Phase::connect, Category::timeout},
    {"", "connection to server at \"127.0.0.1\", port 5 failed: fe_sendauth: no password supplied\n", Phase::connect,
     Category::auth},
    {"",
     "connection to server at \"127.0.0.1\", port 5 failed: server does not support SSL, but SSL "
     "was required\n",
     Phase::connect, Category::tls},
    {"", "connection to server at \"127.0.0.1\", port 5 failed: SSL error: certificate verify failed\n", Phase::connect,
     Category::tls},
    {"", "invalid connection option \"pasword\"\n", Phase::connect, Category::config},
    {"", "something nobody has seen before", Phase::connect, Category::server},
    {"", "server closed the connection unexpectedly", Phase::statement, Category::query},
};

void check_rows(std::span<const Row> rows) {
    for (const Row& row : rows) {
        CAPTURE(row.sqlstate);
        CAPTURE(row.message);
        Failure failure = libpq::classify(row.sqlstate, row.message, row.phase);
        CHECK(failure.category == row.expected);
        CHECK(failure.sqlstate == row.sqlstate);
        CHECK(failure.hint == libpq::hint_for(row.expected));
        CHECK(failure.message.find('\n') == std::string::npos);
    }
}

const std::string k_verbose = "connection to server at \"127.0.0.1\", port 5 failed: FATAL:  28P01: password "
                              "authentication failed for user \"x\"\nLOCATION:  auth_failed, auth.c:334";

} // namespace

TEST_SUITE("libpq_error") {
    TEST_CASE("SQLSTATEs map to categories") {
        check_rows(k_by_sqlstate);
    }

    TEST_CASE("libpq texts without SQLSTATE map to categories") {
        check_rows(k_by_message);
    }

    TEST_CASE("a SQLSTATE decides over the wording") {
        Failure failure = libpq::classify("3D000", "FATAL:  3D000: Connection refused by policy", Phase::connect);
        CHECK(failure.category == Category::no_database);
    }

    TEST_CASE("the SQLSTATE is read from the verbose message") {
        CHECK(libpq::sqlstate_of(k_verbose) == "28P01");
        CHECK(libpq::sqlstate_of("ERROR:  42P01: relation \"x\" does not exist") == "42P01");
        CHECK(libpq::sqlstate_of("FATAL:  password authentication failed for user \"x\"").empty());
        CHECK(libpq::sqlstate_of("could not translate host name \"db\" to address").empty());
    }

    TEST_CASE("one_line strips the prefix and severity and SQLSTATE and LOCATION") {
        CHECK(libpq::one_line(k_verbose) == "password authentication failed for user \"x\"");
    }

    TEST_CASE("one_line drops DETAIL and HINT and the tab-indented advice") {
        CHECK(libpq::one_line("ERROR:  42P01: relation \"acounts\" does not exist\nHINT:  Perhaps you meant "
                              "\"accounts\".\nLOCATION:  parserOpenTable, parse_relation.c:1392\n") ==
              "relation \"acounts\" does not exist");
        CHECK(libpq::one_line("connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file or "
                              "directory\n\tIs the server running locally and accepting connections on that "
                              "socket?\n") == "No such file or directory");
        CHECK(libpq::one_line("connection to server at \"db\" (10.0.0.1), port 5432 failed: timeout expired\n") ==
              "timeout expired");
    }

    TEST_CASE("one_line drops the statement excerpt and its caret") {
        CHECK(libpq::one_line("ERROR:  42601: syntax error at or near \"FORM\"\nLINE 1: SELECT * FORM accounts\n"
                              "                 ^\nLOCATION:  scanner_yyerror, scan.l:1188\n") ==
              "syntax error at or near \"FORM\"");
    }

    TEST_CASE("one_line joins several attempts and drops repeats") {
        CHECK(libpq::one_line("connection to server at \"db\" (10.0.0.1), port 5432 failed: Connection refused\n"
                              "\tIs the server running on that host and accepting TCP/IP connections?\n"
                              "connection to server at \"db\" (10.0.0.2), port 5432 failed: timeout expired\n") ==
              "Connection refused; timeout expired");
        CHECK(libpq::one_line("could not connect\ncould not connect\n") == "could not connect");
    }

    TEST_CASE("one_line never returns an empty message") {
        CHECK(libpq::one_line("") == "libpq reported an error without a message");
        CHECK(libpq::one_line("\n\n") == "libpq reported an error without a message");
    }

    TEST_CASE("classify returns the cleaned message") {
        Failure failure = libpq::classify("28P01", k_verbose, Phase::connect);
        CHECK(failure.message == "password authentication failed for user \"x\"");
        CHECK(failure.hint == "check the user name and password (was it rotated?)");
    }

    TEST_CASE("every category has a hint") {
        for (Category category : all_categories()) {
            CAPTURE(to_string(category));
            CHECK_FALSE(libpq::hint_for(category).empty());
        }
    }
}
