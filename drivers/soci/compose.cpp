// SOCI's strings written from separate parts (Driver::compose): backend://, then what the
// backend reads.
#include "soci_driver.hpp"

#include "../libpq/libpq_driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace stagegate::soci_client {

namespace {

// SOCI's postgresql backend splits its string at blanks before libpq sees it, and groups words
// only inside double quotes (which it strips); a value with both a blank and a double quote
// cannot pass.
Result<ComposedString> postgresql_string(const Composition& composition) {
    std::string text;
    for (const auto& part : composition.parts) {
        std::string value = libpq::keyword_quoted(part.value);
        bool blank = std::any_of(part.value.begin(), part.value.end(), [](unsigned char c) { return std::isspace(c); });
        std::string key = libpq::keyword_key(part);
        if (blank && part.value.find('"') != std::string::npos)
            return fail(Category::config,
                        fmt::format("the {} holds both a blank and a double quote, which SOCI's postgresql backend "
                                    "cannot pass on to libpq; use driver libpq",
                                    key));
        text += (text.empty() ? "" : " ") + key + "=" + (blank ? "\"" + value + "\"" : value);
    }
    return ComposedString{"postgresql://" + text, {}};
}

// SOCI's mysql reader quotes as libpq does. It takes the name localhost for the local socket and
// has no way to ask for TCP.
Result<ComposedString> mysql_string(const Composition& composition) {
    std::string text;
    for (const auto& part : composition.parts) {
        if (composition.localhost_over_tcp && part.key == "host" && part.value == "localhost")
            return fail(Category::config,
                        "host localhost: the Java driver connects over TCP, SOCI's MySQL client over the local socket, "
                        "and SOCI cannot ask for TCP; use driver mysqlcppconn");
        std::string key = part.key == "database" ? "db" : part.key;
        text += (text.empty() ? "" : " ") + key + "=" + libpq::keyword_quoted(part.value);
    }
    return ComposedString{"mysql://" + text, {}};
}

} // namespace

Result<ComposedString> compose_string(const Composition& composition) {
    if (composition.protocol == "postgresql")
        return postgresql_string(composition);
    if (composition.protocol == "mysql")
        return mysql_string(composition);
    return fail(Category::config,
                fmt::format("a {} string is not composed from parts: read it whole with key:", composition.protocol));
}

} // namespace stagegate::soci_client
