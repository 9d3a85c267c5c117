#include <doctest/doctest.h>

#include "canary.hpp"
#include "util/redactor.hpp"
#include "util/text.hpp"

#include <string>

using namespace stagegate;
using namespace stagegate::test;

TEST_SUITE("redactor") {
    TEST_CASE("every form of a secret is masked") {
        Redactor redactor;
        redactor.add(k_canary);
        for (const auto& form : k_canary_forms) {
            CAPTURE(form.name);
            std::string text = "before " + std::string(form.text) + " after";
            CHECK(redactor.apply(text) == "before ******** after");
        }
    }

    TEST_CASE("a secret inside a connection string is masked") {
        Redactor redactor;
        redactor.add(k_canary);
        std::string uri = "postgresql://app:" + std::string(k_canary_forms[1].text) + "@db/users";
        CHECK(redactor.apply(uri) == "postgresql://app:********@db/users");
        std::string keyword_value = "password='" + std::string(k_canary_forms[5].text) + "' host=db";
        CHECK(redactor.apply(keyword_value) == "password='********' host=db");
    }

    TEST_CASE("every occurrence is masked") {
        Redactor redactor;
        redactor.add("hunter2");
        CHECK(redactor.apply("hunter2hunter2 and hunter2") == "**************** and ********");
    }

    TEST_CASE("a secret inside a longer secret is cut whole") {
        Redactor short_first;
        short_first.add("abc");
        short_first.add("xxabcxx");
        CHECK(short_first.apply("[xxabcxx] [abc]") == "[********] [********]");
        Redactor long_first;
        long_first.add("xxabcxx");
        long_first.add("abc");
        CHECK(long_first.apply("[xxabcxx] [abc]") == "[********] [********]");
    }

    TEST_CASE("a short secret is cut only as a whole token") {
        Redactor redactor;
        redactor.add("ex");
        CHECK(redactor.apply("expected index, user ex:ex@db") == "expected index, user ********:********@db");
        Redactor six;
        six.add("abcdef");
        CHECK(six.apply("xabcdefx") == "x********x");
    }

    TEST_CASE("text without secrets is unchanged") {
        Redactor redactor;
        redactor.add("hunter2");
        redactor.add("");
        CHECK(redactor.apply("password authentication failed for user \"app\"") ==
              "password authentication failed for user \"app\"");
        CHECK(Redactor().apply("anything") == "anything");
    }

    TEST_CASE("a secret registered twice is masked once") {
        Redactor redactor;
        redactor.add("hunter2");
        redactor.add("hunter2");
        CHECK(redactor.apply("x hunter2 y") == "x ******** y");
    }

    TEST_CASE("a secret is masked in base64, alone and at every offset inside longer base64") {
        Redactor redactor;
        redactor.add(k_canary);
        std::string canary(k_canary);
        for (bool url_safe : {false, true}) {
            CAPTURE(url_safe);
            CHECK(redactor.apply(base64_encode(canary, url_safe)) == "********");
            for (std::string prefix : {"postgresql://app:", "postgresql://ap:", "postgresql://a:"}) {
                CAPTURE(prefix);
                std::string blob = base64_encode(prefix + canary + "@db/users", url_safe);
                std::string masked = redactor.apply(blob);
                CHECK(masked.find("********") != std::string::npos);
                // The secret's 22 bytes are 29 or 30 characters of base64: all but the one or two at
                // each end that mix with the URI's own bytes are cut.
                CHECK(masked.size() + 26 - 8 <= blob.size());
            }
        }
    }

    TEST_CASE("a percent-encoded secret inside a base64 URI is masked") {
        Redactor redactor;
        redactor.add(k_canary);
        std::string blob = base64_encode("postgresql://app:" + std::string(k_canary_forms[1].text) + "@db/users");
        CHECK(redactor.apply(blob) != blob);
        CHECK(redactor.apply(blob).find(base64_encode(std::string(k_canary_forms[1].text)).substr(4, 12)) ==
              std::string::npos);
    }
}
