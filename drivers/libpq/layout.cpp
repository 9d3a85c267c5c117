// Where libpq reads each value of its strings (Driver::layout): the URI and the keyword/value form.
#include "libpq_driver.hpp"

#include "../layout_reading.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace stagegate::libpq {

namespace {

using detail::add_part;
using detail::is_blank;
using detail::KeyField;
using detail::percent_span;
using detail::plain_span;

constexpr std::size_t k_none = StringLayout::k_no_place;

constexpr std::array<TlsDowngrade, 5> k_sslmode_downgrades{{
    {"verify-full", "require"},
    {"verify-ca", "require"},
    {"require", "prefer"},
    {"prefer", "disable"},
    {"allow", "disable"},
}};

constexpr TlsDowngradeRules k_tls{k_sslmode_downgrades, false, "sslmode", "disable", {}};

constexpr std::array<KeyField, 7> k_keys{{
    {"host", "host"},
    {"hostaddr", "address"},
    {"port", "port"},
    {"user", "user"},
    {"dbname", "database"},
    {"password", "password"},
    {"sslmode", "tls"},
}};

// libpq's keyword/value string: key = value pairs separated by blanks.
std::optional<StringLayout> keyword_layout(std::string_view text) {
    StringLayout layout;
    layout.tls = k_tls;
    layout.add_at = text.size();
    layout.separator = text.empty() || is_blank(text.back()) ? "" : " ";
    std::size_t i = 0;
    while (true) {
        while (i < text.size() && is_blank(text[i]))
            ++i;
        if (i >= text.size())
            return layout;
        std::size_t key_begin = i;
        while (i < text.size() && text[i] != '=' && !is_blank(text[i]))
            ++i;
        std::size_t key_end = i;
        while (i < text.size() && is_blank(text[i]))
            ++i;
        if (i >= text.size() || text[i] != '=')
            return std::nullopt;
        ++i;
        while (i < text.size() && is_blank(text[i]))
            ++i;
        auto [value, stop] = keyword_value(text, i, text.size());
        add_keyword(layout, plain_span(text, key_begin, key_end), value, stop);
        i = stop;
    }
}

} // namespace

TlsDowngradeRules tls_downgrades() {
    return k_tls;
}

void add_keyword(StringLayout& layout, const TextSpan& key, TextSpan value, std::size_t end) {
    detail::add_setting(layout, k_keys, key, std::move(value), end);
}

std::pair<TextSpan, std::size_t> keyword_value(std::string_view text, std::size_t at, std::size_t end) {
    bool quoted = at < end && text[at] == '\'';
    std::size_t i = at + (quoted ? 1 : 0);
    TextSpan span{i, i, {}};
    while (i < end && !(quoted ? text[i] == '\'' : is_blank(text[i]))) {
        if (text[i] == '\\' && i + 1 >= end)
            break;
        std::size_t size = text[i] == '\\' ? 2 : 1;
        span.units.push_back({i, size, text[i + size - 1]});
        i += size;
    }
    span.end = i;
    return {span, quoted && i < end ? i + 1 : i};
}

std::optional<StringLayout> uri_layout(std::string_view text, std::size_t begin, std::size_t end) {
    std::string_view body = text.substr(begin, end - begin);
    std::size_t scheme = body.starts_with("postgresql://") ? 10 : body.starts_with("postgres://") ? 8 : 0;
    if (scheme == 0)
        return std::nullopt;
    StringLayout layout;
    layout.tls = k_tls;
    layout.scheme = plain_span(text, begin, begin + scheme);
    std::size_t start = begin + scheme + 3;
    std::size_t p = start;
    while (p < end && text[p] != '@' && text[p] != '/')
        ++p;
    if (p < end && text[p] == '@') {
        std::size_t colon = std::min(text.find(':', start), p);
        add_part(layout, "user", "user", percent_span(text, start, colon));
        if (colon < p)
            add_part(layout, "password", "password", percent_span(text, colon + 1, p));
        start = p + 1;
    }
    p = start;
    for (bool first = true;; first = false) {
        std::size_t host_begin = p;
        std::size_t host_end = p;
        if (p < end && text[p] == '[') {
            std::size_t close = text.find(']', p);
            if (close >= end)
                return std::nullopt;
            host_begin = p + 1;
            host_end = close;
            p = close + 1;
        } else {
            while (p < end && std::string_view(":/?,").find(text[p]) == k_none)
                ++p;
            host_end = p;
        }
        std::size_t port_begin = p;
        if (p < end && text[p] == ':') {
            port_begin = ++p;
            while (p < end && std::string_view("/?,").find(text[p]) == k_none)
                ++p;
        }
        if (first) {
            add_part(layout, "host", "host", percent_span(text, host_begin, host_end));
            add_part(layout, "port", "port", percent_span(text, port_begin, p));
        }
        if (p >= end || text[p] != ',')
            break;
        ++p;
    }
    if (p < end && text[p] == '/') {
        std::size_t database = ++p;
        while (p < end && text[p] != '?')
            ++p;
        add_part(layout, "database", "dbname", percent_span(text, database, p));
    }
    detail::read_query(layout, k_keys, text, p, end);
    return layout;
}

std::optional<StringLayout> string_layout(std::string_view text) {
    return text.starts_with("postgresql://") || text.starts_with("postgres://") ? uri_layout(text, 0, text.size())
                                                                                : keyword_layout(text);
}

} // namespace stagegate::libpq
