// Where Connector/C++ reads each value of its URLs (Driver::layout), as parse.cpp reads them.
#include "mysqlcppconn.hpp"

#include "../layout_reading.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace stagegate::mysql {

namespace {

using detail::add_part;
using detail::KeyField;
using detail::percent_span;
using detail::plain_span;

constexpr std::size_t k_none = StringLayout::k_no_place;

constexpr std::array<TlsDowngrade, 4> k_ssl_mode_downgrades{{
    {"VERIFY_IDENTITY", "REQUIRED"},
    {"VERIFY_CA", "REQUIRED"},
    {"REQUIRED", "PREFERRED"},
    {"PREFERRED", "DISABLED"},
}};

// Options that make Connector/C++ (on MariaDB Connector/C) ask for TLS without any ssl-mode.
constexpr std::array<std::string_view, 4> k_tls_options{"ssl-ca", "ssl-capath", "ssl-cert", "ssl-key"};

constexpr TlsDowngradeRules k_tls{k_ssl_mode_downgrades, true, "ssl-mode", "DISABLED", k_tls_options};

// Connector/C++ and JDBC spellings, as parse.cpp reads them.
constexpr std::array<KeyField, 12> k_keys{{
    {"user", "user"},
    {"username", "user"},
    {"userName", "user"},
    {"password", "password"},
    {"pass", "password"},
    {"database", "database"},
    {"schema", "database"},
    {"dbname", "database"},
    {"ssl-mode", "tls"},
    {"sslMode", "tls"},
    {"ssl_mode", "tls"},
    {"socket", "address"},
}};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// user:password@host:port/database, from `rest` up to `body_end`.
bool read_authority(StringLayout& layout, std::string_view text, std::size_t rest, std::size_t body_end) {
    std::size_t slash = std::min(text.find('/', rest), body_end);
    std::size_t host_begin = rest;
    std::size_t at = text.substr(rest, slash - rest).rfind('@');
    if (at != k_none) {
        at += rest;
        std::size_t colon = std::min(text.find(':', rest), at);
        add_part(layout, "user", "user", percent_span(text, rest, colon));
        if (colon < at)
            add_part(layout, "password", "password", percent_span(text, colon + 1, at));
        host_begin = at + 1;
    }
    std::size_t colon = text.substr(host_begin, slash - host_begin).rfind(':');
    std::size_t host_end = colon == k_none ? slash : host_begin + colon;
    std::size_t port_begin = host_end + 1;
    if (host_begin < slash && text[host_begin] == '[') {
        std::size_t close = text.find(']', host_begin);
        if (close >= slash)
            return false;
        add_part(layout, "host", "host", percent_span(text, host_begin + 1, close));
        port_begin = close + 2;
    } else {
        add_part(layout, "host", "host", percent_span(text, host_begin, host_end));
    }
    if (port_begin < slash)
        add_part(layout, "port", "port", plain_span(text, port_begin, slash));
    if (slash < body_end)
        add_part(layout, "database", "database", percent_span(text, slash + 1, body_end));
    return true;
}

} // namespace

std::optional<StringLayout> url_layout(std::string_view text) {
    std::size_t scheme_end = text.find("://");
    if (scheme_end == k_none)
        return std::nullopt;
    StringLayout layout;
    layout.tls = k_tls;
    layout.scheme = plain_span(text, 0, scheme_end);
    std::size_t rest = scheme_end + 3;
    std::size_t body_end = std::min(text.find('?', rest), text.size());
    if (lower(text.substr(0, scheme_end)) == "unix")
        add_part(layout, "host", "host", percent_span(text, rest, body_end));
    else if (!read_authority(layout, text, rest, body_end))
        return std::nullopt;
    detail::read_query(layout, k_keys, text, body_end, text.size());
    return layout;
}

} // namespace stagegate::mysql
