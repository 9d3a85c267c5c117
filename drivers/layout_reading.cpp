#include "layout_reading.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace stagegate {

std::string TextSpan::value() const {
    std::string out;
    for (const auto& unit : units)
        out += unit.value;
    return out;
}

namespace detail {

namespace {

std::string field_of(std::span<const KeyField> keys, std::string_view key) {
    for (const auto& entry : keys) {
        if (entry.key == key)
            return std::string(entry.field);
    }
    return "";
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Host and port lists (libpq): only the first item is touched.
TextSpan first_item(TextSpan span) {
    auto comma =
        std::find_if(span.units.begin(), span.units.end(), [](const TextUnit& unit) { return unit.value == ','; });
    if (comma != span.units.end()) {
        span.end = comma->at;
        span.units.erase(comma, span.units.end());
    }
    return span;
}

} // namespace

bool is_blank(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

TextSpan plain_span(std::string_view text, std::size_t begin, std::size_t end) {
    TextSpan span{begin, end, {}};
    for (std::size_t i = begin; i < end; ++i)
        span.units.push_back({i, 1, text[i]});
    return span;
}

TextSpan percent_span(std::string_view text, std::size_t begin, std::size_t end) {
    TextSpan span{begin, end, {}};
    for (std::size_t i = begin; i < end;) {
        if (text[i] == '%' && i + 2 < end && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
            span.units.push_back({i, 3, static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]))});
            i += 3;
        } else {
            span.units.push_back({i, 1, text[i]});
            ++i;
        }
    }
    return span;
}

void add_setting(StringLayout& layout, std::span<const KeyField> keys, const TextSpan& key, TextSpan value,
                 std::size_t end) {
    std::string name = key.value();
    std::string field = field_of(keys, name);
    if (field == "host" || field == "port" || field == "address")
        value = first_item(std::move(value));
    layout.settings.push_back({field, name, key, std::move(value), end});
}

void add_part(StringLayout& layout, std::string_view field, std::string_view key, TextSpan value) {
    if (!value.units.empty())
        layout.settings.push_back({std::string(field), std::string(key), std::nullopt, value, value.end});
}

void read_query(StringLayout& layout, std::span<const KeyField> keys, std::string_view text, std::size_t at,
                std::size_t end) {
    layout.add_at = end;
    if (at >= end || text[at] != '?') {
        layout.separator = "?";
        return;
    }
    layout.separator = text[end - 1] == '?' || text[end - 1] == '&' ? "" : "&";
    for (std::size_t p = at + 1; p < end;) {
        std::size_t amp = std::min(text.find('&', p), end);
        std::size_t equals = std::min(text.find('=', p), amp);
        if (equals < amp)
            add_setting(layout, keys, percent_span(text, p, equals), percent_span(text, equals + 1, amp), amp);
        p = amp + 1;
    }
}

} // namespace detail

} // namespace stagegate
