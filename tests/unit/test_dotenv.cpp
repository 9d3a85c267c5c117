#include <doctest/doctest.h>

#include "scenario/dotenv.hpp"
#include "support.hpp"

#include <sys/stat.h>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// Writes `text` as a fresh .env file and returns its path.
std::filesystem::path env_file(const std::string& text) {
    return write_file(fresh_dir("dotenv") / "app.env", text);
}

// Returns the value of `key` in a file holding `text`, which must be found.
std::string value_of(const std::string& text, const std::string& key, const Environment& env = fixed_env({})) {
    auto value = dotenv_value(env_file(text), key, env);
    REQUIRE_MESSAGE(value.has_value(), value.error());
    return *value;
}

// Returns the reason read_dotenv refuses `file` with.
std::string reason_of(const std::filesystem::path& file) {
    auto entries = read_dotenv(file);
    REQUIRE_FALSE(entries.has_value());
    return entries.error();
}

} // namespace

TEST_SUITE("dotenv") {
    TEST_CASE("plain assignments are read with their line numbers") {
        auto entries = read_dotenv(env_file("A=1\n\nB = two words \nC=\n"));
        REQUIRE(entries.has_value());
        REQUIRE(entries->size() == 3);
        CHECK((*entries)[0].key == "A");
        CHECK((*entries)[0].value == "1");
        CHECK((*entries)[0].line == 1);
        CHECK((*entries)[1].key == "B");
        CHECK((*entries)[1].value == "two words");
        CHECK((*entries)[1].line == 3);
        CHECK((*entries)[2].key == "C");
        CHECK((*entries)[2].value.empty());
    }

    TEST_CASE("an export prefix is ignored") {
        CHECK(value_of("export DATABASE_URL=postgresql://db/app\n", "DATABASE_URL") == "postgresql://db/app");
        CHECK(value_of("  export   PORT=5432\n", "PORT") == "5432");
    }

    TEST_CASE("comment lines and trailing comments are ignored") {
        auto file = env_file("# a comment\n   # indented comment\nA=1 # "
                             "trailing\nB=x#not-a-comment\nC=\"q\" # after quotes\n");
        auto entries = read_dotenv(file);
        REQUIRE(entries.has_value());
        REQUIRE(entries->size() == 3);
        CHECK((*entries)[0].value == "1");
        CHECK((*entries)[0].line == 3);
        CHECK((*entries)[1].value == "x#not-a-comment");
        CHECK((*entries)[2].value == "q");
    }

    TEST_CASE("single quotes keep the text literally") {
        auto entries = read_dotenv(env_file("A='a \\n b # c ${HOME}'\n"));
        REQUIRE(entries.has_value());
        REQUIRE(entries->size() == 1);
        CHECK((*entries)[0].value == "a \\n b # c ${HOME}");
        CHECK((*entries)[0].literal);
    }

    TEST_CASE("double quotes understand escapes") {
        auto entries = read_dotenv(env_file("A=\"line1\\nline2\\ttab \\\"quoted\\\" back\\\\slash # kept\"\n"));
        REQUIRE(entries.has_value());
        REQUIRE(entries->size() == 1);
        CHECK((*entries)[0].value == "line1\nline2\ttab \"quoted\" back\\slash # kept");
        CHECK_FALSE((*entries)[0].literal);
    }

    TEST_CASE("CRLF line ends are accepted") {
        auto entries = read_dotenv(env_file("A=1\r\nB=\"two\"\r\n# c\r\nC='3'\r\n"));
        REQUIRE(entries.has_value());
        REQUIRE(entries->size() == 3);
        CHECK((*entries)[0].value == "1");
        CHECK((*entries)[1].value == "two");
        CHECK((*entries)[2].value == "3");
        CHECK((*entries)[2].line == 4);
    }

    TEST_CASE("a UTF-8 byte-order mark is skipped") {
        auto entries = read_dotenv(env_file("\xEF\xBB\xBF"
                                            "DATABASE_URL=postgresql://db/app\n"));
        REQUIRE(entries.has_value());
        REQUIRE(entries->size() == 1);
        CHECK((*entries)[0].key == "DATABASE_URL");
    }

    TEST_CASE("the last assignment wins") {
        CHECK(value_of("URL=first\nOTHER=x\nURL=second\n", "URL") == "second");
    }

    TEST_CASE("a missing key is named with a suggestion") {
        auto file = env_file("DATABSE_URL=postgresql://db/app\nLOG_LEVEL=info\n");
        auto value = dotenv_value(file, "DATABASE_URL", fixed_env({}));
        REQUIRE_FALSE(value.has_value());
        CHECK(value.error() == file.string() + " has no key DATABASE_URL; did you mean DATABSE_URL?");
        auto far = dotenv_value(file, "REDIS", fixed_env({}));
        REQUIRE_FALSE(far.has_value());
        CHECK(far.error() == file.string() + " has no key REDIS");
    }

    TEST_CASE("a bad line is reported as file:line") {
        auto no_equals = env_file("A=1\nthis is not an assignment\n");
        CHECK(reason_of(no_equals) == no_equals.string() + ":2: expected KEY=VALUE");
        auto bad_key = env_file("A=1\n\nMY KEY=1\n");
        CHECK(reason_of(bad_key) == bad_key.string() + ":3: \"MY KEY\" is not a valid key");
        auto unterminated = env_file("A=\"open\n");
        CHECK(reason_of(unterminated) == unterminated.string() + ":1: A: unterminated double quote");
        auto trailing = env_file("A='x' y\n");
        CHECK(reason_of(trailing) == trailing.string() + ":1: A: text after the closing quote");
        // dotenv_value passes the reason on unchanged.
        auto passed_on = dotenv_value(no_equals, "A", fixed_env({}));
        REQUIRE_FALSE(passed_on.has_value());
        CHECK(passed_on.error() == no_equals.string() + ":2: expected KEY=VALUE");
    }

    TEST_CASE("a missing file is an error") {
        auto file = fresh_dir("dotenv-missing") / "none.env";
        CHECK(reason_of(file) == file.string() + ": cannot read the file: no such file");
    }

    TEST_CASE("references are expanded except in single quotes") {
        auto env = fixed_env({{"APP_DB_PASSWORD", "hunter2"}});
        const std::string text = "PLAIN=a:${APP_DB_PASSWORD}@db\n"
                                 "DOUBLE=\"a:${APP_DB_PASSWORD}@db\"\n"
                                 "SINGLE='a:${APP_DB_PASSWORD}@db'\n"
                                 "DEFAULT=${UNSET_HOST:-db}\n";
        CHECK(value_of(text, "PLAIN", env) == "a:hunter2@db");
        CHECK(value_of(text, "DOUBLE", env) == "a:hunter2@db");
        CHECK(value_of(text, "SINGLE", env) == "a:${APP_DB_PASSWORD}@db");
        CHECK(value_of(text, "DEFAULT", env) == "db");
    }

    TEST_CASE("a reference may name a key assigned earlier in the file") {
        const std::string text = "DB_HOST=from-file\nURL=postgresql://${DB_HOST}/app\nLATE=${LATER:-none}\nLATER=x\n";
        CHECK(value_of(text, "URL") == "postgresql://from-file/app");
        CHECK(value_of(text, "URL", fixed_env({{"DB_HOST", "from-env"}})) == "postgresql://from-env/app");
        CHECK(value_of(text, "LATE") == "none");
    }

    TEST_CASE("an unset reference is reported at its line") {
        auto file = env_file("A=1\nURL=postgresql://${DB_HOST}/app\n");
        auto value = dotenv_value(file, "URL", fixed_env({}));
        REQUIRE_FALSE(value.has_value());
        CHECK(value.error() == file.string() + ":2: URL: environment variable DB_HOST is not set: export it, or write "
                                               "${DB_HOST:-default}");
    }
}

TEST_SUITE("dotenv_special") {
    TEST_CASE("a FIFO is refused without blocking") {
        auto file = fresh_dir("dotenv-fifo") / "app.env";
        REQUIRE(::mkfifo(file.c_str(), 0600) == 0);
        CHECK(reason_of(file) ==
              file.string() + ": cannot read the file: a named pipe (FIFO), not a regular file: name a regular file");
    }
}
