#include "util/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <fmt/format.h>

namespace stagegate {

namespace {

constexpr std::string_view k_base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    auto at = k_base64.find(c);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Returns the code point of the UTF-8 sequence at `at` and its length; nothing for bytes that are
// not well-formed UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
std::optional<std::pair<char32_t, std::size_t>> utf8_at(std::string_view text, std::size_t at) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(at);
    if (lead < 0x80)
        return std::pair{char32_t(lead), std::size_t(1)};
    std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (length == 0 || lead > 0xF4 || at + length > text.size())
        return std::nullopt;
    char32_t point = lead & (0x7F >> length);
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80)
            return std::nullopt;
        point = (point << 6) | (byte(at + i) & 0x3F);
    }
    constexpr std::array<char32_t, 5> k_smallest{0, 0, 0x80, 0x800, 0x10000};
    if (point < k_smallest[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF))
        return std::nullopt;
    return std::pair{point, length};
}

// Characters that change nothing visible, or the order text is shown in, or end a line.
bool is_invisible(char32_t point) {
    return point < 0x20 || (point >= 0x7F && point <= 0x9F) || point == 0xAD || point == 0x61C || point == 0x180E ||
           (point >= 0x200B && point <= 0x200F) || (point >= 0x2028 && point <= 0x202E) ||
           (point >= 0x2060 && point <= 0x2064) || (point >= 0x2066 && point <= 0x2069) || point == 0xFEFF;
}

// Blanks a CI runner trims before it looks for `::` (.NET's White_Space that printable_line keeps).
std::size_t leading_blanks(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size()) {
        auto point = utf8_at(text, at);
        bool blank = point && (point->first == ' ' || point->first == 0xA0 || point->first == 0x1680 ||
                               (point->first >= 0x2000 && point->first <= 0x200A) || point->first == 0x202F ||
                               point->first == 0x205F || point->first == 0x3000);
        if (!blank)
            return at;
        at += point->second;
    }
    return at;
}

std::string escaped_point(char32_t point) {
    switch (point) {
    case '\n':
        return "\\n";
    case '\t':
        return "\\t";
    case '\r':
        return "\\r";
    default:
        return fmt::format("\\u{:04x}", static_cast<std::uint32_t>(point));
    }
}

// Returns the length of the well-formed UTF-8 sequence at `at` (its code point in `code`), or 0.
std::size_t utf8_sequence(std::string_view text, std::size_t at, std::uint32_t& code) {
    struct Lead {
        unsigned mask;
        unsigned bits;
        std::size_t length;
        std::uint32_t lowest; // smaller code points in this length are overlong
    };
    static constexpr Lead k_leads[] = {
        {0x80, 0x00, 1, 0}, {0xE0, 0xC0, 2, 0x80}, {0xF0, 0xE0, 3, 0x800}, {0xF8, 0xF0, 4, 0x10000}};
    auto byte = static_cast<unsigned char>(text[at]);
    const auto* lead =
        std::find_if(std::begin(k_leads), std::end(k_leads), [&](const Lead& l) { return (byte & l.mask) == l.bits; });
    if (lead == std::end(k_leads))
        return 0;
    std::size_t length = lead->length;
    code = byte & ~lead->mask & 0xFFu;
    if (at + length > text.size())
        return 0;
    for (std::size_t i = 1; i < length; ++i) {
        auto next = static_cast<unsigned char>(text[at + i]);
        if ((next & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (next & 0x3Fu);
    }
    bool surrogate = code >= 0xD800 && code <= 0xDFFF;
    return code < lead->lowest || code > 0x10FFFF || surrogate ? 0 : length;
}

// Returns true for the characters XML 1.0 allows (its Char production).
bool xml_char(std::uint32_t code) {
    return code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
           (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
}

} // namespace

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

std::string base64_encode(std::string_view bytes, bool url_safe, bool pad) {
    std::string alphabet(k_base64);
    if (url_safe) {
        alphabet[62] = '-';
        alphabet[63] = '_';
    }
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::size_t count = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t group = 0;
        for (std::size_t j = 0; j < 3; ++j)
            group = (group << 8) | (j < count ? static_cast<unsigned char>(bytes[i + j]) : 0U);
        for (std::size_t j = 0; j < 4; ++j) {
            if (j <= count)
                out += alphabet[(group >> (18 - 6 * j)) & 0x3F];
            else if (pad)
                out += '=';
        }
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    while (text.ends_with('='))
        text.remove_suffix(1);
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    std::uint32_t bits = 0;
    int held = 0;
    for (char c : text) {
        int value = base64_value(c);
        if (value < 0)
            return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        held += 6;
        if (held >= 8) {
            held -= 8;
            out += static_cast<char>((bits >> held) & 0xFF);
        }
    }
    return out;
}

std::string printable_line(std::string_view text) {
    std::string out;
    for (std::size_t at = 0; at < text.size();) {
        auto point = utf8_at(text, at);
        if (!point) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[at]));
            ++at;
            continue;
        }
        if (is_invisible(point->first))
            out += escaped_point(point->first);
        else
            out += text.substr(at, point->second);
        at += point->second;
    }
    if (std::string_view rest = std::string_view(out).substr(leading_blanks(out)); rest.starts_with("::"))
        out.replace(out.size() - rest.size(), 1, "\\u003a");
    for (auto at = out.find("##["); at != std::string::npos; at = out.find("##[", at + 1))
        out.replace(at, 1, "\\u0023");
    return out;
}

std::string xml_sanitized(std::string_view text) {
    std::string out;
    for (std::size_t at = 0; at < text.size();) {
        std::uint32_t code = 0;
        std::size_t length = utf8_sequence(text, at, code);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            ++at;
            continue;
        }
        if (xml_char(code))
            out.append(text.substr(at, length));
        at += length;
    }
    return out;
}

} // namespace stagegate
