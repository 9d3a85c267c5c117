#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace stagegate {

std::string join(std::span<const std::string> items, std::string_view separator) {
    std::string joined;
    for (const auto& item : items) {
        if (!joined.empty())
            joined += separator;
        joined += item;
    }
    return joined;
}

std::string_view trim(std::string_view text) {
    auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string percent_encode(std::string_view text, bool upper_hex) {
    std::string encoded;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            encoded += static_cast<char>(c);
        else
            encoded += upper_hex ? fmt::format("%{:02X}", c) : fmt::format("%{:02x}", c);
    }
    return encoded;
}

std::string sql_literal(std::string_view text, bool backslash_escapes) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || (c == '\\' && backslash_escapes))
            out += c;
        out += c;
    }
    return out + "'";
}

} // namespace stagegate
