// libpq's keyword/value strings written from separate parts (Driver::compose).
#include "libpq_driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace stagegate::libpq {

std::string keyword_quoted(const std::string& value) {
    bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](unsigned char c) {
        return std::isspace(c) || c == '\'' || c == '\\' || c == '"';
    });
    if (plain)
        return value;
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

std::string keyword_key(const ComposedPart& part) {
    return part.key == "database" ? "dbname" : part.key;
}

// libpq reads a host named localhost over TCP already (only an empty host or a directory means
// the local socket), so `localhost_over_tcp` changes nothing.
Result<ComposedString> compose_keywords(const Composition& composition) {
    if (composition.protocol != "postgresql")
        return fail(Category::config, fmt::format("libpq writes postgresql strings, not {}", composition.protocol));
    std::string text;
    for (const auto& part : composition.parts)
        text += (text.empty() ? "" : " ") + keyword_key(part) + "=" + keyword_quoted(part.value);
    return ComposedString{text, {}};
}

} // namespace stagegate::libpq
