#include "run/mutations.hpp"

#include "util/redactor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace stagegate {

namespace {

constexpr std::size_t k_none = std::string_view::npos;

// U+200B ZERO WIDTH SPACE in UTF-8: what copying a URL out of a chat or a document can bring along.
constexpr std::string_view k_zero_width_space = "\xE2\x80\x8B";

// --- Where each value stands in the text ------------------------------------------------------

// One character of a value as the client reads it, and the bytes of the text that write it.
struct Unit {
    std::size_t at = 0;   // offset in the text
    std::size_t size = 1; // 1; 3 for a percent escape; 2 for a backslash escape
    char value = 0;
};

// Where a value stands in the text, character by character.
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::vector<Unit> units;

    std::string value() const {
        std::string out;
        for (const auto& unit : units)
            out += unit.value;
        return out;
    }
};

// One setting the text writes.
struct Setting {
    std::string field;            // host, port, user, database, password, tls, address; "" for any other
    std::string key;              // as the client reads it; for a URI part, the client's own key
    std::optional<Span> key_span; // none for the parts of a URI
    Span value;
    std::size_t end = 0; // where the whole setting ends (after a closing quote)
};

// How a client's TLS setting is weakened by one step.
struct Downgrade {
    std::string_view from;
    std::string_view to;
};

constexpr std::array<Downgrade, 5> k_sslmode_downgrades{{
    {"verify-full", "require"},
    {"verify-ca", "require"},
    {"require", "prefer"},
    {"prefer", "disable"},
    {"allow", "disable"},
}};

constexpr std::array<Downgrade, 4> k_ssl_mode_downgrades{{
    {"VERIFY_IDENTITY", "REQUIRED"},
    {"VERIFY_CA", "REQUIRED"},
    {"REQUIRED", "PREFERRED"},
    {"PREFERRED", "DISABLED"},
}};

// Options that make Connector/C++ (on MariaDB Connector/C) ask for TLS without any ssl-mode.
constexpr std::array<std::string_view, 4> k_mysql_tls_options{"ssl-ca", "ssl-capath", "ssl-cert", "ssl-key"};

struct TlsRules {
    std::span<const Downgrade> steps; // empty: the key asks for TLS by being there, and removing it downgrades
    bool any_case = false;            // values are read case-insensitively
    std::string_view added_key;       // written with added_value when the string sets no TLS key; "" = never
    std::string_view added_value;
    // Added only when the string sets one of these (none: always): without them the client asks
    // for no TLS anyway, and the mutant would be the same session.
    std::span<const std::string_view> added_when;
};

constexpr TlsRules k_libpq_tls{k_sslmode_downgrades, false, "sslmode", "disable", {}};
constexpr TlsRules k_mysqlcppconn_tls{k_ssl_mode_downgrades, true, "ssl-mode", "DISABLED", k_mysql_tls_options};
constexpr TlsRules k_soci_mysql_tls{{}, false, "", "", {}};

// A string's settings in text order, and how a setting is added to it.
struct Layout {
    std::vector<Setting> settings;
    std::optional<Span> scheme;
    std::size_t add_at = k_none; // where an added setting goes; k_none: the form takes none
    std::string separator;       // written before an added setting: "?", "&", " " or ""
    TlsRules tls;
};

struct KeyField {
    std::string_view key;
    std::string_view field;
};

constexpr std::array<KeyField, 7> k_libpq_keys{{
    {"host", "host"},
    {"hostaddr", "address"},
    {"port", "port"},
    {"user", "user"},
    {"dbname", "database"},
    {"password", "password"},
    {"sslmode", "tls"},
}};

// Connector/C++ and JDBC spellings, as drivers/mysql/parse.cpp reads them.
constexpr std::array<KeyField, 12> k_mysqlcppconn_keys{{
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

// SOCI 4.0's mysql backend: sslca or sslcert turn TLS on, and nothing names a mode.
constexpr std::array<KeyField, 11> k_soci_mysql_keys{{
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

bool is_blank(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string field_of(std::span<const KeyField> keys, std::string_view key) {
    for (const auto& entry : keys) {
        if (entry.key == key)
            return std::string(entry.field);
    }
    return "";
}

Span plain_span(std::string_view text, std::size_t begin, std::size_t end) {
    Span span{begin, end, {}};
    for (std::size_t i = begin; i < end; ++i)
        span.units.push_back({i, 1, text[i]});
    return span;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// A percent-encoded value: an escape is one character of the value.
Span percent_span(std::string_view text, std::size_t begin, std::size_t end) {
    Span span{begin, end, {}};
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

// Host and port lists (libpq): only the first item is touched.
Span first_item(Span span) {
    auto comma = std::find_if(span.units.begin(), span.units.end(), [](const Unit& unit) { return unit.value == ','; });
    if (comma != span.units.end()) {
        span.end = comma->at;
        span.units.erase(comma, span.units.end());
    }
    return span;
}

void add_setting(Layout& layout, std::span<const KeyField> keys, const Span& key, Span value, std::size_t end) {
    std::string name = key.value();
    std::string field = field_of(keys, name);
    if (field == "host" || field == "port" || field == "address")
        value = first_item(std::move(value));
    layout.settings.push_back({field, name, key, std::move(value), end});
}

void add_part(Layout& layout, std::string_view field, std::string_view key, Span value) {
    if (!value.units.empty())
        layout.settings.push_back({std::string(field), std::string(key), std::nullopt, value, value.end});
}

// Reads a URI query (key=value&...), percent-encoded, up to `end`, and says how a setting is added.
void read_query(Layout& layout, std::span<const KeyField> keys, std::string_view text, std::size_t at,
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

// Reads one libpq keyword value at `at`: quoted '...' or up to a blank, a backslash escaping the
// next character; no further than `end`. Returns the value and where reading stopped.
std::pair<Span, std::size_t> libpq_value(std::string_view text, std::size_t at, std::size_t end) {
    bool quoted = at < end && text[at] == '\'';
    std::size_t i = at + (quoted ? 1 : 0);
    Span span{i, i, {}};
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

// libpq's URI: postgresql://user:password@host:port,host2/dbname?key=value, up to `end`.
std::optional<Layout> libpq_uri_layout(std::string_view text, std::size_t begin, std::size_t end) {
    std::string_view body = text.substr(begin, end - begin);
    std::size_t scheme = body.starts_with("postgresql://") ? 10 : body.starts_with("postgres://") ? 8 : 0;
    if (scheme == 0)
        return std::nullopt;
    Layout layout;
    layout.tls = k_libpq_tls;
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
    read_query(layout, k_libpq_keys, text, p, end);
    return layout;
}

// libpq's keyword/value string: key = value pairs separated by blanks.
std::optional<Layout> libpq_keyword_layout(std::string_view text) {
    Layout layout;
    layout.tls = k_libpq_tls;
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
        auto [value, stop] = libpq_value(text, i, text.size());
        add_setting(layout, k_libpq_keys, plain_span(text, key_begin, key_end), value, stop);
        i = stop;
    }
}

// What SOCI's postgresql backend passes to libpq: blank-separated key=value tokens, a value in
// double quotes taken whole (without them); libpq then reads each value as its own.
std::optional<Layout> soci_postgresql_layout(std::string_view text, std::size_t begin) {
    std::size_t start = begin;
    while (start < text.size() && is_blank(text[start]))
        ++start;
    if (auto uri = libpq_uri_layout(text, start, std::min(text.size(), text.find_first_of(" \t\n\r", start))))
        return uri;
    Layout layout;
    layout.tls = k_libpq_tls;
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
        auto [value, stop] = libpq_value(text, std::min(value_begin, value_end), value_end);
        Span key = plain_span(text, key_begin, key_end);
        if (stop != value_end ||
            std::any_of(key.units.begin(), key.units.end(), [](const Unit& unit) { return is_blank(unit.value); }))
            return std::nullopt;
        add_setting(layout, k_libpq_keys, key, value, quoted && value_end < text.size() ? value_end + 1 : value_end);
    }
    return layout;
}

// Connector/C++ URLs as drivers/mysql/parse.cpp reads them: scheme://user:password@host:port/database?options,
// or unix:///socket/path?options.
std::optional<Layout> mysql_url_layout(std::string_view text) {
    std::size_t scheme_end = text.find("://");
    if (scheme_end == k_none)
        return std::nullopt;
    Layout layout;
    layout.tls = k_mysqlcppconn_tls;
    layout.scheme = plain_span(text, 0, scheme_end);
    std::size_t rest = scheme_end + 3;
    std::size_t body_end = std::min(text.find('?', rest), text.size());
    if (lower(text.substr(0, scheme_end)) == "unix") {
        add_part(layout, "host", "host", percent_span(text, rest, body_end));
    } else {
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
                return std::nullopt;
            add_part(layout, "host", "host", percent_span(text, host_begin + 1, close));
            port_begin = close + 2;
        } else {
            add_part(layout, "host", "host", percent_span(text, host_begin, host_end));
        }
        if (port_begin < slash)
            add_part(layout, "port", "port", plain_span(text, port_begin, slash));
        if (slash < body_end)
            add_part(layout, "database", "database", percent_span(text, slash + 1, body_end));
    }
    read_query(layout, k_mysqlcppconn_keys, text, body_end, text.size());
    return layout;
}

// SOCI 4.0's mysql reader: name = value pairs, a value quoted '...' or up to a blank, a backslash
// escaping the next character.
std::optional<Layout> soci_mysql_layout(std::string_view text, std::size_t begin) {
    Layout layout;
    layout.tls = k_soci_mysql_tls;
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
        Span name = plain_span(text, name_begin, i);
        skip_blanks();
        if (i >= text.size() || text[i] != '=')
            return std::nullopt;
        ++i;
        skip_blanks();
        bool quoted = i < text.size() && text[i] == '\'';
        i += quoted ? 1 : 0;
        Span value{i, i, {}};
        while (i < text.size() && text[i] != '\'' && (quoted || !is_blank(text[i]))) {
            std::size_t size = text[i] == '\\' && i + 1 < text.size() ? 2 : 1;
            value.units.push_back({i, size, text[i + size - 1]});
            i += size;
        }
        value.end = i;
        i += quoted && i < text.size() ? 1 : 0;
        add_setting(layout, k_soci_mysql_keys, name, value, i);
    }
}

// SOCI 4.0's sqlite3 reader: the whole rest names the file, or key=value pairs split at single
// spaces, a value with spaces in double quotes. A value whose quotes span several pieces is left out.
std::optional<Layout> soci_sqlite_layout(std::string_view text, std::size_t begin) {
    Layout layout;
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

std::optional<Layout> soci_layout(std::string_view text) {
    std::size_t separator = text.find("://");
    if (separator == k_none)
        return std::nullopt;
    std::string_view backend = text.substr(0, separator);
    std::optional<Layout> layout;
    if (backend == "postgresql")
        layout = soci_postgresql_layout(text, separator + 3);
    else if (backend == "mysql")
        layout = soci_mysql_layout(text, separator + 3);
    else if (backend == "sqlite3")
        layout = soci_sqlite_layout(text, separator + 3);
    if (layout)
        layout->scheme = plain_span(text, 0, separator);
    return layout;
}

std::optional<Layout> layout_of(std::string_view driver, std::string_view text) {
    if (driver == "libpq")
        return text.starts_with("postgresql://") || text.starts_with("postgres://")
                   ? libpq_uri_layout(text, 0, text.size())
                   : libpq_keyword_layout(text);
    if (driver == "mysqlcppconn")
        return mysql_url_layout(text);
    if (driver == "soci")
        return soci_layout(text);
    return std::nullopt;
}

// The only setting of `field`: none when the string sets it nowhere, or twice (which one the
// client reads is not certain).
const Setting* only(const Layout& layout, std::string_view field) {
    const Setting* found = nullptr;
    for (const auto& setting : layout.settings) {
        if (setting.field != field)
            continue;
        if (found)
            return nullptr;
        found = &setting;
    }
    return found;
}

// --- Mutants ------------------------------------------------------------------------------------

std::string edited(std::string_view text, std::size_t at, std::size_t size, std::string_view with) {
    std::string out(text);
    out.replace(at, size, with);
    return out;
}

std::string raw(std::string_view text, const Unit& unit) {
    return std::string(text.substr(unit.at, unit.size));
}

bool is_vowel(char c) {
    return std::string_view("aeiouAEIOU").find(c) != k_none;
}

// Where a typo lands in a value: the first vowel after the first character (realistic: fingers
// rarely miss a word's first letter), else the middle character.
std::size_t typo_position(const Span& value) {
    for (std::size_t i = 1; i < value.units.size(); ++i) {
        if (is_vowel(value.units[i].value))
            return i;
    }
    return value.units.size() / 2;
}

// Which pair a swap exchanges (returns its first index): the typo's character with the letter or
// digit before it, else with the character after it, else with any character before it; k_none
// when every neighbour is the same character. Fingers swap letters within a word, not across a dot.
std::size_t swap_position(const Span& value, std::size_t p) {
    const auto& units = value.units;
    auto differs = [&](std::size_t i) { return units[i].value != units[p].value; };
    if (p > 0 && differs(p - 1) && std::isalnum(static_cast<unsigned char>(units[p - 1].value)))
        return p - 1;
    if (p + 1 < units.size() && differs(p + 1))
        return p;
    return p > 0 && differs(p - 1) ? p - 1 : k_none;
}

// Where a parameter name is misspelled: one letter of its first doubled pair, else as a value.
std::size_t misspelling_position(const Span& name) {
    for (std::size_t i = 0; i + 1 < name.units.size(); ++i) {
        if (std::isalpha(static_cast<unsigned char>(name.units[i].value)) &&
            name.units[i].value == name.units[i + 1].value)
            return i;
    }
    return typo_position(name);
}

// What to check when a mutant of `field` survives. `weaker` names the TLS mode a downgrade
// leaves ("require", "PREFERRED", "" when TLS is gone).
std::string advice(std::string_view field, const ParsedCandidate& parsed, std::string_view weaker = "") {
    if (field == "host")
        return "a misspelled host still reached the database: keep answers_as to the exact names the application "
               "uses, so any other name fails as dns";
    if (field == "port")
        return "a wrong port still reached the database: give answers_as the port the application uses "
               "(host:port), so any other port fails as refused";
    if (field == "user")
        return "a `privileges` or `query` check that only the intended role passes";
    if (field == "database")
        return "a `query` check against a table only the right database has";
    if (field == "password")
        return parsed.protocol == "postgresql"
                   ? "the server let a wrong password in: the scenario's access rules trust this login; require "
                     "password auth (pg_hba md5/scram) in the scenario"
                   : "the server let a wrong password in: the account takes any password; create it IDENTIFIED BY "
                     "its password in the scenario's setup";
    if (field == "tls") {
        std::string mode = lower(weaker);
        if (mode == "require" || mode == "required")
            return "a downgrade to TLS without a certificate check goes unseen: set "
                   "database.tls.clients_must_verify, so a string that skips the name check fails as tls";
        if (mode == "prefer" || mode == "preferred")
            return "a server that offers TLS hides this downgrade (the weaker mode still encrypts): add a `tls` "
                   "check and a scenario whose server offers no TLS, where only the intended string fails";
        return "add a `tls` check (the session must negotiate TLS), or set database.access.require_tls so the "
               "server refuses plaintext";
    }
    if (field == "string")
        return "the client ignored a trailing space: harmless here, but test the string as its config file ships "
               "it (from.file), where a loader may keep the space";
    if (field == "invisible")
        return "a host with an invisible U+200B still reached the database: keep answers_as to the exact names, "
               "or set database.tls.clients_must_verify so the certificate's name check compares it byte for byte";
    if (field == "scheme")
        return "the client read a misspelled scheme as its own: a `query` check that proves the session reached "
               "the intended database as the intended role";
    return "the client ignores unknown parameters: a `setting` check on the parameter's effect";
}

// host, user or database: one character dropped, doubled, or swapped with its neighbour.
void add_typos(std::vector<Mutant>& out, const std::string& text, const Layout& layout, std::string_view field,
               const ParsedCandidate& parsed) {
    const Setting* setting = only(layout, field);
    if (!setting || setting->value.units.empty())
        return;
    const auto& units = setting->value.units;
    std::string before = setting->value.value();
    std::size_t p = typo_position(setting->value);
    auto add = [&](std::string_view kind, std::string mutated, std::string after) {
        if (after.empty())
            return;
        out.push_back({fmt::format("{}-{}", field, kind), std::string(field),
                       fmt::format("{} {} → {}", field, before, after), std::move(mutated), advice(field, parsed)});
    };
    add("drop", edited(text, units[p].at, units[p].size, ""), edited(before, p, 1, ""));
    add("double", edited(text, units[p].at, 0, raw(text, units[p])), edited(before, p, 0, before.substr(p, 1)));
    std::size_t q = swap_position(setting->value, p);
    if (q != k_none) {
        std::string swapped = before;
        std::swap(swapped[q], swapped[q + 1]);
        add("swap",
            edited(text, units[q].at, units[q].size + units[q + 1].size, raw(text, units[q + 1]) + raw(text, units[q])),
            swapped);
    }
}

void add_port(std::vector<Mutant>& out, const std::string& text, const Layout& layout, const ParsedCandidate& parsed) {
    const Setting* setting = only(layout, "port");
    if (!setting)
        return;
    std::string port = setting->value.value();
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || port.front() == '-' || port.front() == '+')
        return;
    auto add = [&](std::string_view kind, const std::string& after) {
        out.push_back({std::string(kind), "port", fmt::format("port {} → {}", port, after),
                       edited(text, setting->value.begin, setting->value.end - setting->value.begin, after),
                       advice("port", parsed)});
    };
    add("port-plus-one", std::to_string(number + 1));
    if (number > 0)
        add("port-minus-one", std::to_string(number - 1));
    auto pair = std::adjacent_find(port.begin(), port.end(), std::not_equal_to<>());
    if (pair != port.end()) {
        std::string transposed = port;
        std::size_t i = pair - port.begin();
        std::swap(transposed[i], transposed[i + 1]);
        add("port-transpose", transposed);
    }
}

char next_in_class(char c) {
    return c == 'z' ? 'a' : c == 'Z' ? 'A' : c == '9' ? '0' : static_cast<char>(c + 1);
}

// The last letter or digit moved on by one; a password with neither gets its last character replaced.
void add_password(std::vector<Mutant>& out, const std::string& text, const Layout& layout,
                  const ParsedCandidate& parsed) {
    const Setting* setting = only(layout, "password");
    if (!setting || setting->value.units.empty())
        return;
    const auto& units = setting->value.units;
    auto last = std::find_if(units.rbegin(), units.rend(),
                             [](const Unit& unit) { return std::isalnum(static_cast<unsigned char>(unit.value)); });
    const Unit& unit = last == units.rend() ? units.back() : *last;
    char next = last == units.rend() ? 'x' : next_in_class(unit.value);
    out.push_back({"password-wrong", "password", "password changed by one character",
                   edited(text, unit.at, unit.size, std::string(1, next)), advice("password", parsed)});
}

// Removes a whole setting with the blanks before it (after it, when it comes first).
std::string without(std::string_view text, const Setting& setting) {
    std::size_t begin = setting.key_span ? setting.key_span->begin : setting.value.begin;
    std::size_t end = setting.end;
    if (begin > 0 && is_blank(text[begin - 1])) {
        while (begin > 0 && is_blank(text[begin - 1]))
            --begin;
    } else {
        while (end < text.size() && is_blank(text[end]))
            ++end;
    }
    return edited(text, begin, end - begin, "");
}

void add_tls(std::vector<Mutant>& out, const std::string& text, const Layout& layout, const ParsedCandidate& parsed) {
    bool set = std::any_of(layout.settings.begin(), layout.settings.end(),
                           [](const Setting& setting) { return setting.field == "tls"; });
    const Setting* setting = only(layout, "tls");
    const auto& when = layout.tls.added_when;
    bool weakens = when.empty() || std::any_of(when.begin(), when.end(),
                                               [&](std::string_view key) { return parsed.get(key).has_value(); });
    if (!set && weakens && !layout.tls.added_key.empty() && layout.add_at != k_none) {
        std::string added = fmt::format("{}={}", layout.tls.added_key, layout.tls.added_value);
        out.push_back({"tls-downgrade", std::string(layout.tls.added_key),
                       fmt::format("{} added (the string set no {})", added, layout.tls.added_key),
                       edited(text, layout.add_at, 0, layout.separator + added),
                       advice("tls", parsed, layout.tls.added_value)});
        return;
    }
    if (!setting)
        return;
    if (layout.tls.steps.empty() && setting->key_span) {
        out.push_back({"tls-downgrade", setting->key,
                       fmt::format("{} removed: the session goes plaintext", setting->key), without(text, *setting),
                       advice("tls", parsed)});
        return;
    }
    std::string mode = setting->value.value();
    for (const auto& step : layout.tls.steps) {
        if (layout.tls.any_case ? lower(step.from) != lower(mode) : step.from != mode)
            continue;
        bool lower_case = layout.tls.any_case && mode == lower(mode);
        std::string to = lower_case ? lower(step.to) : std::string(step.to);
        out.push_back({"tls-downgrade", setting->key, fmt::format("{} {} → {}", setting->key, mode, to),
                       edited(text, setting->value.begin, setting->value.end - setting->value.begin, to),
                       advice("tls", parsed, to)});
        return;
    }
}

bool is_secret(const ParsedCandidate& parsed, std::string_view key) {
    return std::any_of(parsed.parameters.begin(), parsed.parameters.end(),
                       [&](const Parameter& parameter) { return parameter.secret && parameter.key == key; });
}

void add_misspelled(std::vector<Mutant>& out, const std::string& text, const Layout& layout,
                    const ParsedCandidate& parsed) {
    auto plain = std::find_if(layout.settings.begin(), layout.settings.end(), [&](const Setting& setting) {
        return setting.field.empty() && setting.key_span && setting.key_span->units.size() > 1 &&
               !is_secret(parsed, setting.key);
    });
    if (plain == layout.settings.end())
        return;
    const Span& name = *plain->key_span;
    std::size_t p = misspelling_position(name);
    out.push_back({"param-misspelled", plain->key,
                   fmt::format("parameter {} → {}", plain->key, edited(plain->key, p, 1, "")),
                   edited(text, name.units[p].at, name.units[p].size, ""), advice("param", parsed)});
}

// U+200B at the end of the host's first label (before its first dot), or at its end.
void add_invisible(std::vector<Mutant>& out, const std::string& text, const Layout& layout,
                   const ParsedCandidate& parsed) {
    const Setting* host = only(layout, "host");
    if (!host || host->value.units.empty())
        return;
    const auto& units = host->value.units;
    auto dot = std::find_if(units.begin(), units.end(), [](const Unit& unit) { return unit.value == '.'; });
    std::size_t at = dot == units.end() ? host->value.end : dot->at;
    out.push_back({"invisible-char", "host", "U+200B (zero-width space) inside host",
                   edited(text, at, 0, k_zero_width_space), advice("invisible", parsed)});
}

void add_scheme(std::vector<Mutant>& out, const std::string& text, const Layout& layout,
                const ParsedCandidate& parsed) {
    if (!layout.scheme || layout.scheme->units.size() < 2)
        return;
    const Span& scheme = *layout.scheme;
    std::string before = scheme.value();
    std::string after = before;
    std::swap(after[after.size() - 2], after[after.size() - 1]);
    out.push_back({"scheme-typo", "scheme", fmt::format("scheme {}:// → {}://", before, after),
                   edited(text, scheme.begin, scheme.end - scheme.begin, after), advice("scheme", parsed)});
}

// Masks every secret in what a person reads, drops mutants equal to the string or to an earlier one.
std::vector<Mutant> finished(std::vector<Mutant> all, const ParsedCandidate& parsed, const std::string& text) {
    Redactor redactor;
    for (const auto& secret : parsed.secrets)
        redactor.add(secret);
    std::vector<Mutant> kept;
    for (auto& mutant : all) {
        bool seen = mutant.text == text || std::any_of(kept.begin(), kept.end(),
                                                       [&](const Mutant& other) { return other.text == mutant.text; });
        if (seen)
            continue;
        mutant.description = redactor.apply(mutant.description);
        mutant.catches = redactor.apply(mutant.catches);
        kept.push_back(std::move(mutant));
    }
    return kept;
}

} // namespace

std::vector<Mutant> mutate(const Driver& driver, const ParsedCandidate& parsed, const std::string& text) {
    auto layout = layout_of(driver.name(), text);
    if (!layout || text.empty())
        return {};
    std::vector<Mutant> all;
    add_typos(all, text, *layout, "host", parsed);
    add_port(all, text, *layout, parsed);
    add_typos(all, text, *layout, "user", parsed);
    add_typos(all, text, *layout, "database", parsed);
    add_password(all, text, *layout, parsed);
    add_tls(all, text, *layout, parsed);
    add_misspelled(all, text, *layout, parsed);
    all.push_back(
        {"trailing-space", "string", "trailing space after the string", text + " ", advice("string", parsed)});
    add_invisible(all, text, *layout, parsed);
    add_scheme(all, text, *layout, parsed);
    return finished(std::move(all), parsed, text);
}

} // namespace stagegate
