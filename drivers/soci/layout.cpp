// Where SOCI 4.0 and its backends read each value of a string (Driver::layout), as parse.cpp
// reads them.
#include "soci_driver.hpp"

#include "../layout_reading.hpp"
#include "../libpq/libpq_driver.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace stagegate::soci_client {

namespace {

using detail::add_part;
using detail::add_setting;
using detail::is_blank;
using detail::KeyField;
using detail::plain_span;

constexpr std::size_t k_none = StringLayout::k_no_place;

// SOCI 4.0's mysql backend: sslca or sslcert turn TLS on, and nothing names a mode.
constexpr std::array<KeyField, 11> k_mysql_keys{{
    {"host", "host"},
    {"port", "port"},
    {"user", "user"},
    {"pass", "password"},
    {"password", "password"},
    {"db", "database"},
    {"dbname", "database"},
    {"service", "database"},
    {"unix_socket", "address"},
    {"sslca", "tls"},
    {"sslcert", "tls"},
}};

constexpr std::array<KeyField, 2> k_sqlite_keys{{{"db", "database"}, {"dbname", "database"}}};

// What SOCI's postgresql backend passes to libpq: blank-separated key=value tokens, a value in
// double quotes taken whole (without them); libpq then reads each value as its own.
std::optional<StringLayout> postgresql_layout(std::string_view text, std::size_t begin) {
    std::size_t start = begin;
    while (start < text.size() && is_blank(text[start]))
        ++start;
    if (auto uri = libpq::uri_layout(text, start, std::min(text.size(), text.find_first_of(" \t\n\r", start))))
        return uri;
    StringLayout layout;
    layout.tls = libpq::tls_downgrades();
    layout.add_at = text.size();
    layout.separator = is_blank(text.back()) ? "" : " ";
    std::size_t i = begin;
    while (i < text.size()) {
        std::size_t key_begin = k_none;
        std::size_t key_end = k_none;
        std::size_t value_begin = k_none;
        std::size_t value_end = text.size();
        bool quoted = false;
        for (; i < text.size(); ++i) {
            if (value_begin == k_none && text[i] == '=') {
                quoted = i + 1 < text.size() && text[i + 1] == '"';
                i += quoted ? 1 : 0;
                value_begin = i + 1;
            } else if (value_begin == k_none) {
                key_begin = is_blank(text[i]) || key_begin != k_none ? key_begin : i;
                key_end = is_blank(text[i]) ? key_end : i + 1;
            } else if (quoted ? text[i] == '"' : is_blank(text[i])) {
                value_end = i++;
                break;
            }
        }
        if (value_begin == k_none || key_begin == k_none)
            continue;
        auto [value, stop] = libpq::keyword_value(text, std::min(value_begin, value_end), value_end);
        TextSpan key = plain_span(text, key_begin, key_end);
        if (stop != value_end ||
            std::any_of(key.units.begin(), key.units.end(), [](const TextUnit& unit) { return is_blank(unit.value); }))
            return std::nullopt;
        libpq::add_keyword(layout, key, value, quoted && value_end < text.size() ? value_end + 1 : value_end);
    }
    return layout;
}

// SOCI 4.0's mysql reader: name = value pairs, a value quoted '...' or up to a blank, a backslash
// escaping the next character. Its TLS keys (sslca, sslcert) have no mode to weaken: removing
// one is the downgrade.
std::optional<StringLayout> mysql_layout(std::string_view text, std::size_t begin) {
    StringLayout layout;
    std::size_t i = begin;
    auto skip_blanks = [&] {
        while (i < text.size() && is_blank(text[i]))
            ++i;
    };
    while (true) {
        skip_blanks();
        if (i >= text.size())
            return layout;
        std::size_t name_begin = i;
        while (i < text.size() && (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_'))
            ++i;
        TextSpan name = plain_span(text, name_begin, i);
        skip_blanks();
        if (i >= text.size() || text[i] != '=')
            return std::nullopt;
        ++i;
        skip_blanks();
        bool quoted = i < text.size() && text[i] == '\'';
        i += quoted ? 1 : 0;
        TextSpan value{i, i, {}};
        while (i < text.size() && text[i] != '\'' && (quoted || !is_blank(text[i]))) {
            std::size_t size = text[i] == '\\' && i + 1 < text.size() ? 2 : 1;
            value.units.push_back({i, size, text[i + size - 1]});
            i += size;
        }
        value.end = i;
        i += quoted && i < text.size() ? 1 : 0;
        add_setting(layout, k_mysql_keys, name, value, i);
    }
}

// SOCI 4.0's sqlite3 reader: the whole rest names the file, or key=value pairs split at single
// spaces, a value with spaces in double quotes. A value whose quotes span several pieces is left out.
std::optional<StringLayout> sqlite_layout(std::string_view text, std::size_t begin) {
    StringLayout layout;
    if (text.find('=', begin) == k_none) {
        add_part(layout, "database", "db", plain_span(text, begin, text.size()));
        return layout;
    }
    for (std::size_t p = begin; p < text.size();) {
        std::size_t equals = text.find('=', p);
        if (equals == k_none)
            break;
        std::size_t end = std::min(text.find(' ', equals + 1), text.size());
        std::size_t value_begin = equals + 1;
        std::size_t value_end = end;
        if (value_begin < end && text[value_begin] == '"') {
            if (end - value_begin < 2 || text[end - 1] != '"')
                break;
            ++value_begin;
            --value_end;
        }
        add_setting(layout, k_sqlite_keys, plain_span(text, p, equals), plain_span(text, value_begin, value_end), end);
        p = end + 1;
    }
    return layout;
}

} // namespace

std::optional<StringLayout> soci_layout(std::string_view text) {
    std::size_t separator = text.find("://");
    if (separator == k_none)
        return std::nullopt;
    std::string_view backend = text.substr(0, separator);
    std::optional<StringLayout> layout;
    if (backend == "postgresql")
        layout = postgresql_layout(text, separator + 3);
    else if (backend == "mysql")
        layout = mysql_layout(text, separator + 3);
    else if (backend == "sqlite3")
        layout = sqlite_layout(text, separator + 3);
    if (layout)
        layout->scheme = plain_span(text, 0, separator);
    return layout;
}

} // namespace stagegate::soci_client
