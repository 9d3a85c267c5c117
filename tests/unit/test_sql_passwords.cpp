// Passwords in setup SQL, read with a lexer over literals: every quoting MariaDB and PostgreSQL
// accept for a password, so that a server's complaint quoting a statement can be cut.
#include <doctest/doctest.h>

#include "util/sql_passwords.hpp"

#include <string>
#include <vector>

using namespace stagegate;

namespace {

using Found = std::vector<std::string>;

Found mariadb(std::string_view sql) {
    return sql_passwords(sql, SqlDialect::mariadb);
}

Found postgres(std::string_view sql) {
    return sql_passwords(sql, SqlDialect::postgresql);
}

} // namespace

TEST_SUITE("sql passwords") {
    TEST_CASE("MariaDB takes single and double quotes after IDENTIFIED BY") {
        CHECK(mariadb("CREATE USER 'app'@'%' IDENTIFIED BY 'single-pw';") == Found{"single-pw"});
        CHECK(mariadb("CREATE USER 'app'@'%' IDENTIFIED BY \"double-pw\";") == Found{"double-pw"});
        CHECK(mariadb("create user app identified\n  by\t\"lower-pw\"") == Found{"lower-pw"});
    }

    TEST_CASE("escaped quotes are read as the server reads them and kept as written") {
        CHECK(mariadb(R"(CREATE USER app IDENTIFIED BY 'it\'s';)") == Found{R"(it\'s)", "it's"});
        CHECK(mariadb(R"(CREATE USER app IDENTIFIED BY 'it''s';)") == Found{"it''s", "it's"});
        CHECK(mariadb(R"(CREATE USER app IDENTIFIED BY "say \"hi\"";)") == Found{R"(say \"hi\")", R"(say "hi")"});
        CHECK(postgres(R"(ALTER ROLE app PASSWORD 'back\slash';)") == Found{R"(back\slash)"});
    }

    TEST_CASE("PASSWORD functions and plugins name the password") {
        CHECK(mariadb("SET PASSWORD FOR 'app'@'%' = PASSWORD('fn-pw');") == Found{"fn-pw"});
        CHECK(mariadb("SET PASSWORD FOR app@localhost = 'plain-pw'") == Found{"plain-pw"});
        CHECK(mariadb("CREATE USER app IDENTIFIED VIA ed25519 USING PASSWORD('ed-pw') OR unix_socket") ==
              Found{"ed-pw"});
        CHECK(mariadb("CREATE USER app IDENTIFIED WITH caching_sha2_password BY 'with-pw'") == Found{"with-pw"});
        CHECK(mariadb("ALTER USER app IDENTIFIED BY 'new-pw' REPLACE 'old-pw'") == Found{"new-pw", "old-pw"});
        CHECK(mariadb("CREATE USER a IDENTIFIED BY 'pw-a', b IDENTIFIED BY _utf8mb4'pw-b'") == Found{"pw-a", "pw-b"});
    }

    TEST_CASE("PostgreSQL takes E strings and dollar quotes") {
        CHECK(postgres("CREATE ROLE app LOGIN PASSWORD 'pg-pw';") == Found{"pg-pw"});
        CHECK(postgres(R"(CREATE ROLE app LOGIN ENCRYPTED PASSWORD E'e\'pw';)") == Found{R"(e\'pw)", "e'pw"});
        CHECK(postgres("ALTER ROLE app PASSWORD $$dollar 'pw'$$;") == Found{"dollar 'pw'"});
        CHECK(postgres("ALTER ROLE app PASSWORD $tag$tagged$$pw$tag$;") == Found{"tagged$$pw"});
        CHECK(postgres("CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'remote', password 'fdw-pw')") ==
              Found{"fdw-pw"});
    }

    TEST_CASE("literals that are not passwords are left alone") {
        CHECK(postgres("CREATE ROLE app PASSWORD NULL VALID UNTIL '2030-01-01'").empty());
        CHECK(mariadb("INSERT INTO t (name, password) VALUES ('bob', 'x')").empty());
        CHECK(mariadb("CREATE USER 'app'@'%' IDENTIFIED VIA pam USING 'mariadb'").empty());
        CHECK(postgres("SELECT $1, 'password'").empty());
    }

    TEST_CASE("comments are skipped and an unterminated literal runs to the end") {
        CHECK(mariadb("# PASSWORD 'no'\nCREATE USER a IDENTIFIED BY /* 'no' */ 'yes-pw'") == Found{"yes-pw"});
        CHECK(postgres("-- PASSWORD 'no'\nALTER ROLE a PASSWORD 'open-ended") == Found{"open-ended"});
    }
}
