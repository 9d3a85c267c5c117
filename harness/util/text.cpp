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

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && digits < 9 && text[digits] >= '0' && text[digits] <= '9')
        ++digits;
    if (digits == 0)
        return std::nullopt;
    long long number = std::stoll(std::string(text.substr(0, digits)));
    std::string_view unit = text.substr(digits);
    long long scale = 0;
    if (unit == "ms")
        scale = 1;
    else if (unit.empty() || unit == "s")
        scale = 1000;
    else if (unit == "m")
        scale = 60 * 1000;
    else if (unit == "h")
        scale = 3600 * 1000;
    long long total = number * scale;
    if (scale == 0 || total <= 0 || total > 7LL * 24 * 3600 * 1000)
        return std::nullopt;
    return std::chrono::milliseconds(total);
}

std::string xml_escaped(std::string_view text, bool attribute) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        case '\r':
            out += "&#13;";
            break;
        case '\n':
            out += attribute ? "&#10;" : "\n";
            break;
        case '\t':
            out += attribute ? "&#9;" : "\t";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace stagegate
