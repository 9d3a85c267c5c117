#include <doctest/doctest.h>

#include "util/text.hpp"

#include <string>
#include <vector>

using namespace stagegate;

TEST_SUITE("text") {
    TEST_CASE("edit distance counts insertions and deletions and substitutions") {
        CHECK(edit_distance("kitten", "sitting") == 3);
        CHECK(edit_distance("", "abc") == 3);
        CHECK(edit_distance("abc", "") == 3);
        CHECK(edit_distance("", "") == 0);
        CHECK(edit_distance("scenaro", "scenario") == 1);
        CHECK(edit_distance("chekcs", "checks") == 2);
    }

    TEST_CASE("edit distance ignores case") {
        CHECK(edit_distance("DB-Primary", "db-primary") == 0);
        CHECK(edit_distance("AUTH", "autth") == 1);
    }

    TEST_CASE("closest returns near names best first") {
        std::vector<std::string> known{"answers_as", "engine", "settings", "setup", "provider"};
        CHECK(closest("answer_as", known) == std::vector<std::string>{"answers_as"});
        CHECK(closest("setp", known) == std::vector<std::string>{"setup"});
        std::vector<std::string> hosts{"db3", "db22", "db1"};
        CHECK(closest("db2", hosts) == std::vector<std::string>{"db3", "db22", "db1"});
    }

    TEST_CASE("closest keeps within a distance of two or a third of the length") {
        std::vector<std::string> known{"abcdef", "xyz"};
        CHECK(closest("abcdxy", known) == std::vector<std::string>{"abcdef"}); // distance 2, limit 2
        CHECK(closest("abxxxx", known).empty());                               // distance 4
        std::vector<std::string> long_names{"db-primary.staging.internal"};
        // The typed names have 26 characters: up to 8 edits are still a suggestion, 9 are not.
        CHECK(closest("db-prmary.qqqqqqq.internal", long_names).size() == 1);
        CHECK(closest("db-prmary.qqqqqqq.qnternal", long_names).empty());
    }

    TEST_CASE("closest never suggests the name itself and at most three names") {
        std::vector<std::string> known{"auth", "a", "b", "c", "d", "e"};
        CHECK(closest("auth", std::vector<std::string>{"auth"}).empty());
        CHECK(closest("x", known).size() == 3);
    }

    TEST_CASE("did_you_mean phrases one or two or three suggestions") {
        CHECK(did_you_mean("scenaro", std::vector<std::string>{"scenario", "database"}) == "did you mean scenario?");
        CHECK(did_you_mean("db", std::vector<std::string>{"db1", "db2"}) == "did you mean db1 or db2?");
        CHECK(did_you_mean("db", std::vector<std::string>{"db1", "db2", "db3"}) == "did you mean db1, db2 or db3?");
        CHECK(did_you_mean("zzzzzz", std::vector<std::string>{"scenario"}).empty());
    }

    TEST_CASE("join puts the separator between items only") {
        CHECK(join(std::vector<std::string>{"a", "b", "c"}, ", ") == "a, b, c");
        CHECK(join(std::vector<std::string>{"a"}, ", ") == "a");
        CHECK(join(std::vector<std::string>{}, ", ").empty());
    }

    TEST_CASE("trim removes surrounding whitespace only") {
        CHECK(trim("  a b \t\r\n") == "a b");
        CHECK(trim("   ").empty());
        CHECK(trim("x") == "x");
    }

    TEST_CASE("percent_encode keeps unreserved characters and encodes the rest") {
        CHECK(percent_encode("aZ09-._~") == "aZ09-._~");
        CHECK(percent_encode("p@ss w/rd:%") == "p%40ss%20w%2Frd%3A%25");
        CHECK(percent_encode("p/ss", false) == "p%2fss");
        CHECK(percent_encode("\xC3\xA9") == "%C3%A9");
    }

    TEST_CASE("sql_literal doubles quotes, and backslashes where the server reads them as escapes") {
        CHECK(sql_literal("it's", false) == "'it''s'");
        CHECK(sql_literal("a\\b", false) == "'a\\b'");
        CHECK(sql_literal("a\\b'c", true) == "'a\\\\b''c'");
        CHECK(sql_literal("", true) == "''");
    }
}

TEST_SUITE("text") {
    TEST_CASE("base64 round trips in both alphabets with and without padding") {
        std::string bytes = "\xfb\xff\x01secret";
        CHECK(base64_encode("pw") == "cHc=");
        CHECK(base64_encode("pw", false, false) == "cHc");
        CHECK(base64_encode(bytes) == "+/8Bc2VjcmV0");
        CHECK(base64_encode(bytes, true) == "-_8Bc2VjcmV0");
        CHECK(base64_decode("+/8Bc2VjcmV0") == bytes);
        CHECK(base64_decode("-_8Bc2VjcmV0") == bytes);
        CHECK(base64_decode("cHc") == "pw");
        CHECK(base64_decode("cHc=") == "pw");
        CHECK_FALSE(base64_decode("c").has_value());
        CHECK_FALSE(base64_decode("a b=").has_value());
    }

    TEST_CASE("printable line escapes control and invisible characters") {
        CHECK(printable_line("plain text: ok") == "plain text: ok");
        CHECK(printable_line("a\nb\tc\rd") == R"(a\nb\tc\rd)");
        CHECK(printable_line("db\u200b.test") == R"(db\u200b.test)");
        CHECK(printable_line("x\x1b[31my\x7f") == R"(x\u001b[31my\u007f)");
        CHECK(printable_line("\u202eevil\u2066\ufeff\u2028") == R"(\u202eevil\u2066\ufeff\u2028)");
        CHECK(printable_line("c1 \u0085 end") == R"(c1 \u0085 end)");
        CHECK(printable_line("bad \xff byte") == R"(bad \xff byte)");
        CHECK(printable_line("caf\u00e9 \u00fc") == "caf\u00e9 \u00fc");
    }

    TEST_CASE("printable line never starts a CI workflow command") {
        CHECK(printable_line("::error::forged") == R"(\u003a:error::forged)");
        CHECK(printable_line("  \u00a0::warning::forged") == "  \u00a0\\u003a:warning::forged");
        CHECK(printable_line("x ##[error]old style") == R"(x \u0023#[error]old style)");
        CHECK(printable_line("IPv6 ::1 stays") == "IPv6 ::1 stays");
    }
}
