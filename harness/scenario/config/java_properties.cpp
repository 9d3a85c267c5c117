#include "scenario/config/java_properties.hpp"

#include "scenario/config/common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace stagegate::config {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\f';
}

std::string_view without_leading_blanks(std::string_view line) {
    while (!line.empty() && is_blank(line.front()))
        line.remove_prefix(1);
    return line;
}

// Natural lines as java.util.Properties splits them: \n, \r\n and a lone \r each end one.
std::vector<std::string_view> natural_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n' && text[i] != '\r')
            continue;
        lines.push_back(text.substr(start, i - start));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
            ++i;
        start = i + 1;
    }
    if (start < text.size())
        lines.push_back(text.substr(start));
    return lines;
}

// An odd number of trailing backslashes continues the line.
bool continues(std::string_view line) {
    std::size_t count = 0;
    while (count < line.size() && line[line.size() - 1 - count] == '\\')
        ++count;
    return count % 2 == 1;
}

void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

std::optional<std::uint32_t> hex4(std::string_view text, std::size_t at) {
    std::uint32_t unit = 0;
    if (at + 4 > text.size())
        return std::nullopt;
    auto [end, error] = std::from_chars(text.data() + at, text.data() + at + 4, unit, 16);
    if (error != std::errc() || end != text.data() + at + 4)
        return std::nullopt;
    return unit;
}

// Reads the \uXXXX at `at` (just after "\u"), with its low surrogate when it is a high one.
std::expected<std::uint32_t, std::string> unicode_escape(std::string_view raw, std::size_t& at) {
    auto unit = hex4(raw, at);
    if (!unit)
        return Failed(std::string("malformed \\uxxxx encoding"));
    at += 4;
    if (*unit < 0xD800 || *unit > 0xDFFF)
        return *unit;
    auto low = raw.substr(at, 2) == "\\u" ? hex4(raw, at + 2) : std::nullopt;
    if (*unit > 0xDBFF || !low || *low < 0xDC00 || *low > 0xDFFF)
        return Failed(fmt::format("\\u{:04X} is half of a UTF-16 surrogate pair without its other half", *unit));
    at += 6;
    return 0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00);
}

// java.util.Properties' loadConvert: \t \n \r \f, \uXXXX (written out as UTF-8), and any
// other escaped character stands for itself.
std::expected<std::string, std::string> unescape_java(std::string_view raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size();) {
        char c = raw[i++];
        if (c != '\\' || i == raw.size()) {
            out += c;
            continue;
        }
        c = raw[i++];
        if (c == 'u') {
            auto code = unicode_escape(raw, i);
            if (!code)
                return Failed(code.error());
            append_utf8(out, *code);
            continue;
        }
        out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'f' ? '\f' : c;
    }
    return out;
}

// Splits a logical line at the first unescaped '=', ':' or blank, as java.util.Properties does;
// blanks and one '=' or ':' after the key are skipped, the value keeps its trailing blanks.
std::pair<std::string_view, std::string_view> split_property(std::string_view line) {
    std::size_t key_end = 0;
    std::size_t value_start = line.size();
    bool separator = false;
    bool escaped = false;
    for (; key_end < line.size(); ++key_end) {
        char c = line[key_end];
        if (!escaped && (c == '=' || c == ':' || is_blank(c))) {
            separator = c == '=' || c == ':';
            value_start = key_end + 1;
            break;
        }
        escaped = c == '\\' && !escaped;
    }
    for (; value_start < line.size(); ++value_start) {
        char c = line[value_start];
        if (is_blank(c))
            continue;
        if (separator || (c != '=' && c != ':'))
            break;
        separator = true;
    }
    return {line.substr(0, key_end), line.substr(std::min(value_start, line.size()))};
}

std::expected<std::vector<Property>, std::string> parse_properties(const std::string& text,
                                                                   const std::filesystem::path& file) {
    auto lines = natural_lines(text);
    std::vector<Property> properties;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto first = without_leading_blanks(lines[i]);
        if (first.empty() || first.front() == '#' || first.front() == '!')
            continue;
        int number = static_cast<int>(i) + 1;
        // A continued line loses its leading blanks, and is never a comment.
        std::string logical(first);
        while (continues(logical) && i + 1 < lines.size()) {
            logical.pop_back();
            logical += without_leading_blanks(lines[++i]);
        }
        if (continues(logical))
            logical.pop_back();
        auto [raw_key, raw_value] = split_property(logical);
        auto key = unescape_java(raw_key);
        auto value = key ? unescape_java(raw_value) : key;
        if (!value)
            return Failed(fmt::format("{}: {}", where(file, number), value.error()));
        properties.push_back({*key, *value, number});
    }
    return properties;
}

} // namespace

std::expected<std::vector<Property>, std::string> read_properties(const std::filesystem::path& file) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    return parse_properties(*text, file);
}

const Property* last_property(const std::vector<Property>& properties, const std::string& key) {
    auto found = std::find_if(properties.rbegin(), properties.rend(),
                              [&](const Property& property) { return property.key == key; });
    return found == properties.rend() ? nullptr : &*found;
}

std::expected<Property, std::string> find_property(const std::vector<Property>& properties,
                                                   const std::filesystem::path& file, const std::string& key) {
    if (const Property* found = last_property(properties, key))
        return *found;
    std::vector<std::string> known;
    for (const auto& property : properties)
        known.push_back(property.key);
    return no_key(file, key, suggestion(key, known));
}

} // namespace stagegate::config
