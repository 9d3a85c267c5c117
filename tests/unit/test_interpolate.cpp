#include <doctest/doctest.h>

#include "scenario/interpolate.hpp"
#include "support.hpp"

#include <algorithm>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// Interpolates `text` and returns the result, which must succeed.
Interpolated ok(const std::string& text, const Environment& env) {
    auto result = interpolate(text, env);
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    return *result;
}

// Interpolates `text` and returns the error it must fail with.
InterpolationError error_of(const std::string& text, const Environment& env = fixed_env({})) {
    auto result = interpolate(text, env);
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

} // namespace

TEST_SUITE("interpolate") {
    TEST_CASE("text without references is unchanged") {
        CHECK(ok("postgresql://db/app?x=1", fixed_env({})).text == "postgresql://db/app?x=1");
        CHECK(ok("", fixed_env({})).text.empty());
    }

    TEST_CASE("a set variable is replaced") {
        auto env = fixed_env({{"HOST", "db"}, {"PORT", "6432"}});
        CHECK(ok("${HOST}:${PORT}/app", env).text == "db:6432/app");
    }

    TEST_CASE("the default is used when the variable is unset") {
        auto env = fixed_env({{"HOST", "db"}});
        CHECK(ok("${HOST:-other}", env).text == "db");
        CHECK(ok("${PORT:-5432}", env).text == "5432");
        CHECK(ok("${PORT:-}", env).text.empty());
        CHECK(ok("${URL:-postgresql://a:b@c/d}", env).text == "postgresql://a:b@c/d");
    }

    TEST_CASE("an empty variable takes the default as in the shell") {
        auto env = fixed_env({{"PORT", ""}});
        CHECK(ok("${PORT:-5432}", env).text == "5432");
        CHECK(ok("[${PORT}]", env).text == "[]");
    }

    TEST_CASE("$${ is a literal ${") {
        auto env = fixed_env({{"HOST", "db"}});
        CHECK(ok("$${HOST}", env).text == "${HOST}");
        CHECK(ok("a $${HOST} b ${HOST}", env).text == "a ${HOST} b db");
    }

    TEST_CASE("any other dollar is kept so PL/pgSQL bodies pass through") {
        auto env = fixed_env({{"HOST", "db"}});
        CHECK(ok("pa$$word", env).text == "pa$$word");
        CHECK(ok("CREATE FUNCTION f() RETURNS int AS $$ SELECT $1 $$ LANGUAGE sql", env).text ==
              "CREATE FUNCTION f() RETURNS int AS $$ SELECT $1 $$ LANGUAGE sql");
        CHECK(ok("SELECT $1, a$b, $", env).text == "SELECT $1, a$b, $");
    }

    TEST_CASE("an unset variable without a default is an error naming it") {
        auto error = error_of("host=${HOST} password=${DB_PASSWORD}", fixed_env({{"HOST", "db"}}));
        CHECK(error.offset == 22);
        CHECK(error.message == "environment variable DB_PASSWORD is not set: export it, or write "
                               "${DB_PASSWORD:-default}");
    }

    TEST_CASE("a malformed reference is an error") {
        auto unterminated = error_of("abc ${HOST");
        CHECK(unterminated.offset == 4);
        CHECK(unterminated.message == "unterminated ${...}: add the closing }");
        CHECK(error_of("${}").message == "invalid variable name \"\" in ${}: use letters, digits and _");
        CHECK(error_of("${1HOST}").message == "invalid variable name \"1HOST\" in ${1HOST}: use letters, digits and _");
        CHECK(error_of("${DB-HOST}").message ==
              "invalid variable name \"DB-HOST\" in ${DB-HOST}: use letters, digits and _");
        CHECK(error_of("${DB HOST:-x}").message ==
              "invalid variable name \"DB HOST\" in ${DB HOST:-x}: use letters, digits and _");
    }

    TEST_CASE("values of secret-looking variables are reported as secrets") {
        auto env = fixed_env({{"APP_DB_PASSWORD", "hunter2"}, {"API_TOKEN", "t0k"}, {"DB_HOST", "db"}});
        auto result = ok("${DB_HOST} ${APP_DB_PASSWORD} ${API_TOKEN} ${DB_SECRET:-dflt} ${EMPTY_PASSWORD:-}", env);
        CHECK(result.text == "db hunter2 t0k dflt ");
        CHECK(result.secrets == std::vector<std::string>{"hunter2", "t0k", "dflt"});
    }

    TEST_CASE("secret-looking names are recognised case-insensitively") {
        CHECK(looks_secret("APP_DB_PASSWORD"));
        CHECK(looks_secret("db_passwd"));
        CHECK(looks_secret("PGPASS"));
        CHECK(looks_secret("Api_Token"));
        CHECK(looks_secret("CLIENT_SECRET"));
        CHECK(looks_secret("SSL_KEY"));
        CHECK_FALSE(looks_secret("DB_HOST"));
        CHECK_FALSE(looks_secret("DATABASE_URL"));
        CHECK_FALSE(looks_secret("PORT"));
    }
}

TEST_SUITE("interpolate_bounds") {
    TEST_CASE("a default may hold references, expanded only when it is used") {
        auto env = fixed_env({{"B", "second"}, {"EMPTY", ""}});
        CHECK(ok("${A:-${B}}", env).text == "second");
        CHECK(ok("${B:-${NOT_SET}}", env).text == "second");
        CHECK(ok("${A:-${EMPTY:-${C:-x}y}z}", env).text == "xyz");
        CHECK(ok("[${A:-a}]-${B}", env).text == "[a]-second");
        CHECK(error_of("${A:-${NOT_SET}}").message ==
              "environment variable NOT_SET is not set: export it, or write ${NOT_SET:-default}");
        CHECK(error_of("${A:-${B}").message == "unterminated ${...}: add the closing }");
    }

    TEST_CASE("a secret-looking name's default counts as a secret when nested") {
        auto result = ok("${DB_PASSWORD:-${FALLBACK:-hunter2}}", fixed_env({}));
        CHECK(result.text == "hunter2");
        CHECK(std::find(result.secrets.begin(), result.secrets.end(), "hunter2") != result.secrets.end());
    }

    TEST_CASE("defaults nest at most 8 deep") {
        std::string text = "x";
        for (int i = 0; i < 9; ++i)
            text = "${A:-" + text + "}";
        CHECK(error_of(text).message == "defaults nest more than 8 deep: write a plain default");
        std::string deep;
        for (int i = 0; i < 100000; ++i)
            deep += "${A:-";
        CHECK(error_of(deep + "x" + std::string(100000, '}')).message ==
              "defaults nest more than 8 deep: write a plain default");
    }

    TEST_CASE("the result may not grow beyond 4 MiB") {
        std::string text;
        for (int i = 0; i < 100; ++i)
            text += "${BIG}";
        CHECK(error_of(text, fixed_env({{"BIG", std::string(64 * 1024, 'x')}})).message ==
              "the text grows beyond 4 MiB once ${...} are replaced: use fewer or shorter variables");
    }
}
