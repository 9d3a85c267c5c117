#include <doctest/doctest.h>

#include "util/pattern.hpp"

#include <string>

using namespace stagegate;

namespace {

// Compiles `text`, which must succeed.
Pattern compiled(const std::string& text) {
    auto pattern = Pattern::compile(text);
    REQUIRE_MESSAGE(pattern.has_value(), pattern.error());
    return *pattern;
}

// Returns the reason `text` is refused with.
std::string refusal(const std::string& text) {
    auto pattern = Pattern::compile(text);
    REQUIRE_FALSE(pattern.has_value());
    return pattern.error();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE("pattern") {
    TEST_CASE("a pattern is searched for in the value, anchors make it whole") {
        CHECK(compiled("grace@").found_in("ada grace@example.com"));
        CHECK_FALSE(compiled("^grace@").found_in("ada grace@example.com"));
        CHECK(compiled("^a.*@example\\.com$").found_in("ada@example.com"));
        CHECK_FALSE(compiled("^a.*@example\\.com$").found_in("ada@example.com\nmore"));
        CHECK(compiled("\\d+").found_in("v15"));
        CHECK(compiled("^$").found_in(""));
        CHECK(compiled("^(?P<major>\\d+)\\.").text() == "^(?P<major>\\d+)\\.");
    }

    TEST_CASE("a long value against a backtracking pattern is matched in bounded stack") {
        std::string value;
        for (int i = 0; i < 10000; ++i)
            value += "ab";
        CHECK(compiled("^(ab|cd)*$").found_in(value));
        CHECK_FALSE(compiled("^(ab|cd)*$").found_in(value + "x"));
        CHECK(compiled("^(a|b)*(a|b)*(a|b)*c?$").found_in(std::string(1 << 20, 'a')));
    }

    TEST_CASE("what RE2 lacks is refused with what to write instead") {
        CHECK(contains(refusal("^a(?=b)"), "RE2 has no lookaround"));
        CHECK(contains(refusal("(a)\\1"), "RE2 has no backreferences"));
        CHECK(contains(refusal("(ab"), "missing )"));
        CHECK(contains(refusal("a{2000}"), "a repetition count is at most 1000"));
        CHECK(refusal("(ab").starts_with("not a valid regular expression (RE2 syntax, see docs/scenario-format.md): "));
    }

    TEST_CASE("a pattern longer than 4 KiB is refused before it is compiled") {
        std::string nested = std::string(40000, '(') + "a" + std::string(40000, ')');
        CHECK(refusal(nested) == "the pattern is 80001 bytes long, more than the 4096 allowed: write a shorter one");
        CHECK(Pattern::compile(std::string(Pattern::k_max_length, 'a')).has_value());
    }

    TEST_CASE("a pattern that compiles too large is refused") {
        CHECK(contains(refusal("((((a{100}){100}){100}){100})"), "write a shorter pattern"));
    }
}
