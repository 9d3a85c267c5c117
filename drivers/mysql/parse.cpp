// How stagegate reads the URL forms MySQL applications carry, for Connector/C++ (which itself
// only knows tcp://host:port/schema and unix://path host names). The option table is the one
// place that says which query options exist; docs/drivers.md lists the same.
#include "mysqlcppconn.hpp"

#include "stagegate/secret_fields.hpp"
#include "stagegate/spelling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace stagegate::mysql {

namespace {

enum class Kind { text, secret, seconds, ssl_mode };

struct OptionSpec {
    std::string_view name; // canonical, as reports show it
    Kind kind;
    std::array<std::string_view, 3> aliases; // Connector/C++ and JDBC spellings
};

constexpr std::array<OptionSpec, 14> k_options{{
    {"user", Kind::text, {"username", "userName", ""}},
    {"password", Kind::secret, {"pass", "", ""}},
    {"database", Kind::text, {"schema", "dbname", ""}},
    {"ssl-mode", Kind::ssl_mode, {"sslMode", "ssl_mode", ""}},
    {"ssl-ca", Kind::text, {"sslCA", "ssl_ca", ""}},
    {"ssl-capath", Kind::text, {"sslCAPath", "ssl_capath", ""}},
    {"ssl-cert", Kind::text, {"sslCert", "ssl_cert", ""}},
    {"ssl-key", Kind::text, {"sslKey", "ssl_key", ""}},
    {"ssl-cipher", Kind::text, {"sslCipher", "ssl_cipher", ""}},
    {"tls-version", Kind::text, {"tlsVersion", "tls_version", ""}},
    {"connect-timeout", Kind::seconds, {"connectTimeout", "connect_timeout", "OPT_CONNECT_TIMEOUT"}},
    {"read-timeout", Kind::seconds, {"readTimeout", "read_timeout", "OPT_READ_TIMEOUT"}},
    {"write-timeout", Kind::seconds, {"writeTimeout", "write_timeout", "OPT_WRITE_TIMEOUT"}},
    {"charset", Kind::text, {"characterEncoding", "OPT_CHARSET_NAME", ""}},
}};

constexpr std::array<std::string_view, 5> k_ssl_modes{"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA",
                                                      "VERIFY_IDENTITY"};

constexpr std::string_view k_forms = "mysql://user:password@host:3306/database?options, tcp://host:3306/database"
                                     "?user=...&password=..., or unix:///path/to/mysqld.sock?user=...";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::unexpected<Failure> config(std::string_view text, std::string message) {
    return fail(Category::config, without_secret_fields(std::move(message), text), hint_for(Category::config));
}

// Percent-decodes `text`; fails on a broken escape.
std::optional<std::string> decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        int value = 0;
        if (i + 2 >= text.size())
            return std::nullopt;
        // from_chars would take a sign ("%-1"); an escape is exactly two hex digits.
        if (!std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(text[i + 2])))
            return std::nullopt;
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
        out += static_cast<char>(value);
        i += 2;
    }
    return out;
}

const OptionSpec* find_option(std::string_view key) {
    for (const auto& spec : k_options) {
        if (key == spec.name)
            return &spec;
        for (auto alias : spec.aliases) {
            if (!alias.empty() && key == alias)
                return &spec;
        }
    }
    return nullptr;
}

std::vector<std::string> option_names() {
    std::vector<std::string> names;
    for (const auto& spec : k_options)
        names.emplace_back(spec.name);
    return names;
}

class UrlReader {
  public:
    explicit UrlReader(std::string_view text) : m_text(text) {}

    Result<ParsedCandidate> read() {
        auto scheme_end = m_text.find("://");
        if (scheme_end == std::string_view::npos)
            return config(m_text, fmt::format("not a URL: Connector/C++ candidates are written {}", k_forms));
        std::string scheme = lower(m_text.substr(0, scheme_end));
        std::string_view rest = m_text.substr(scheme_end + 3);
        m_parsed.protocol = "mysql";
        m_parsed.default_port = 3306;
        if (scheme == "mysqlx")
            return config(m_text, "mysqlx:// is MySQL's X Protocol (port 33060); Connector/C++ 1.1 speaks the "
                                  "classic protocol: use mysql://");
        if (scheme != "mysql" && scheme != "mariadb" && scheme != "tcp" && scheme != "unix") {
            std::vector<std::string> known{"mysql", "mariadb", "tcp", "unix"};
            std::string hint = did_you_mean(scheme, known);
            return config(m_text, fmt::format("unknown scheme \"{}://\"{}; write {}", scheme,
                                              hint.empty() ? "" : " (" + hint + ")", k_forms));
        }
        m_parsed.form = scheme + "://";
        auto query_at = rest.find('?');
        std::string_view query = query_at == std::string_view::npos ? "" : rest.substr(query_at + 1);
        rest = rest.substr(0, query_at);
        if (rest.find('#') != std::string_view::npos)
            return config(m_text, "a '#' outside the query: percent-encode it (%23) in a user name or password");
        Result<void> done = scheme == "unix" ? socket_path(rest) : authority_and_path(rest, scheme);
        if (!done)
            return std::unexpected(done.error());
        if (auto options = read_query(query); !options)
            return std::unexpected(options.error());
        return finish();
    }

  private:
    Result<void> socket_path(std::string_view rest) {
        auto path = decode(rest);
        if (!path || path->empty() || path->front() != '/')
            return config(m_text, "unix:// needs an absolute socket path: unix:///run/mysqld/mysqld.sock");
        m_endpoint.host = *path;
        m_endpoint.unix_socket = true;
        return {};
    }

    Result<void> authority_and_path(std::string_view rest, const std::string& scheme) {
        auto slash = rest.find('/');
        std::string_view authority = rest.substr(0, slash);
        std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
        if (auto at = authority.rfind('@'); at != std::string_view::npos) {
            if (scheme == "tcp")
                return config(m_text, "Connector/C++ reads tcp:// host names without user@: give them as "
                                      "?user=...&password=...");
            if (auto read = userinfo(authority.substr(0, at)); !read)
                return read;
            authority = authority.substr(at + 1);
        }
        if (auto read = host_port(authority); !read)
            return read;
        if (!path.empty()) {
            auto database = decode(path);
            if (!database || database->find('/') != std::string::npos)
                return config(m_text, fmt::format("\"{}\" is not a database name (one path segment, "
                                                  "percent-encoded)",
                                                  path));
            set("database", *database, false);
        }
        return {};
    }

    Result<void> userinfo(std::string_view info) {
        auto colon = info.find(':');
        auto user = decode(info.substr(0, colon));
        if (!user)
            return config(m_text, "invalid percent-encoding in the user name");
        if (!user->empty())
            set("user", *user, false);
        if (colon != std::string_view::npos) {
            auto password = decode(info.substr(colon + 1));
            if (!password)
                return config(m_text, "invalid percent-encoding in the password (write % as %25)");
            set("password", *password, true);
        }
        return {};
    }

    Result<void> host_port(std::string_view authority) {
        std::string_view host = authority;
        std::string_view port;
        if (authority.starts_with("[")) {
            auto close = authority.find(']');
            if (close == std::string_view::npos)
                return config(m_text, "unterminated [IPv6] address");
            host = authority.substr(1, close - 1);
            auto after = authority.substr(close + 1);
            if (!after.empty() && after.front() != ':')
                return config(m_text, fmt::format("unexpected \"{}\" after the IPv6 address", after));
            port = after.empty() ? "" : after.substr(1);
        } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
        }
        auto decoded = decode(host);
        if (!decoded)
            return config(m_text, "invalid percent-encoding in the host name");
        m_endpoint.host = *decoded;
        if (!m_endpoint.host.empty())
            set("host", m_endpoint.host, false);
        if (!port.empty()) {
            int number = 0;
            auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
            if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535)
                return config(m_text, fmt::format("invalid port \"{}\": a number from 1 to 65535", port));
            m_endpoint.port = number;
            set("port", std::string(port), false);
        }
        return {};
    }

    Result<void> read_query(std::string_view query) {
        while (!query.empty()) {
            auto amp = query.find('&');
            std::string_view pair = query.substr(0, amp);
            query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
            if (pair.empty())
                continue;
            auto equals = pair.find('=');
            auto key = decode(pair.substr(0, equals));
            auto value = decode(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
            if (!key || !value)
                return config(m_text, "invalid percent-encoding in the query options");
            if (equals == std::string_view::npos)
                return config(m_text, fmt::format("option \"{}\" has no value: write {}=value", *key, *key));
            if (auto read = option(*key, *value); !read)
                return read;
        }
        return {};
    }

    Result<void> option(const std::string& key, std::string value) {
        if (key == "socket") {
            if (value.empty() || value.front() != '/')
                return config(m_text, "socket needs an absolute path");
            if (m_parsed.get("socket"))
                return config(m_text, "option socket is given twice");
            m_endpoint.host = value;
            m_endpoint.unix_socket = true;
            set("socket", value, false);
            return {};
        }
        const OptionSpec* spec = find_option(key);
        if (!spec) {
            auto names = option_names();
            names.emplace_back("socket");
            std::string hint = did_you_mean(key, names);
            return config(m_text, fmt::format("unknown option \"{}\"{}; stagegate reads: {}", key,
                                              hint.empty() ? "" : " (" + hint + ")", join_names(names)));
        }
        if (m_parsed.get(spec->name))
            return config(m_text, fmt::format("option {} is given twice", spec->name));
        if (spec->kind == Kind::seconds) {
            int seconds = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            if (ec != std::errc() || end != value.data() + value.size() || seconds < 1 || seconds > 86400)
                return config(m_text,
                              fmt::format("{}={} is not a number of seconds from 1 to 86400", spec->name, value));
        }
        if (spec->kind == Kind::ssl_mode) {
            std::string upper(value);
            std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
            if (std::find(k_ssl_modes.begin(), k_ssl_modes.end(), upper) == k_ssl_modes.end()) {
                std::vector<std::string> modes(k_ssl_modes.begin(), k_ssl_modes.end());
                std::string hint = did_you_mean(upper, modes);
                return config(m_text, fmt::format("ssl-mode={} is not a mode{}; use one of {}", value,
                                                  hint.empty() ? "" : " (" + hint + ")", join_names(modes)));
            }
            value = upper;
        }
        set(std::string(spec->name), value, spec->kind == Kind::secret);
        return {};
    }

    static std::string join_names(const std::vector<std::string>& names) {
        std::string joined;
        for (const auto& name : names)
            joined += (joined.empty() ? "" : ", ") + name;
        return joined;
    }

    void set(const std::string& key, const std::string& value, bool secret) {
        m_parsed.parameters.push_back({key, value, secret});
        if (secret && !value.empty())
            m_parsed.secrets.push_back(value);
    }

    Result<ParsedCandidate> finish() {
        if (m_parsed.form == "tcp://" && m_endpoint.host.empty())
            return config(m_text, "tcp:// needs a host: tcp://host:3306/database");
        // MySQL clients read the name localhost (without an explicit TCP form) as the local socket.
        if (m_parsed.form != "tcp://" && (m_endpoint.host.empty() || m_endpoint.host == "localhost") &&
            !m_endpoint.unix_socket)
            m_endpoint.unix_socket = true;
        m_parsed.endpoints.push_back(m_endpoint);
        m_parsed.warnings = warnings();
        set_tls_intent();
        return m_parsed;
    }

    // ssl-mode as MySQL's clients mean it (stored upper-cased); REQUIRED with a CA checks the
    // chain, as MariaDB Connector/C does whenever a CA is set.
    void set_tls_intent() {
        auto mode = m_parsed.get("ssl-mode");
        m_parsed.tls_setting = mode ? "ssl-mode=" + *mode : "no ssl-mode";
        bool ca = m_parsed.get("ssl-ca") || m_parsed.get("ssl-capath");
        if (!mode || *mode == "DISABLED")
            m_parsed.tls = TlsIntent::none;
        else if (*mode == "PREFERRED")
            m_parsed.tls = TlsIntent::opportunistic;
        else if (*mode == "REQUIRED")
            m_parsed.tls = ca ? TlsIntent::verify_ca : TlsIntent::encrypted;
        else
            m_parsed.tls = *mode == "VERIFY_CA" ? TlsIntent::verify_ca : TlsIntent::verify_full;
    }

    std::vector<std::string> warnings() const {
        std::vector<std::string> out;
        auto mode = m_parsed.get("ssl-mode");
        if (!mode)
            out.emplace_back("ssl-mode is not set: the client may fall back to plaintext; set "
                             "ssl-mode=VERIFY_IDENTITY (or REQUIRED)");
        else if (*mode == "PREFERRED")
            out.emplace_back("ssl-mode=PREFERRED silently falls back to plaintext; use VERIFY_IDENTITY (or REQUIRED)");
        else if (*mode == "DISABLED")
            out.emplace_back("ssl-mode=DISABLED: credentials and data travel in plaintext");
        else if (*mode == "REQUIRED" || *mode == "VERIFY_CA")
            out.emplace_back(
                fmt::format("ssl-mode={} never checks the server's host name; VERIFY_IDENTITY does", *mode));
        if (!m_parsed.get("connect-timeout"))
            out.emplace_back("connect-timeout is not set: the application waits forever on a server that accepts "
                             "and never answers (stagegate enforces its own deadline)");
        if (!m_parsed.get("password"))
            out.emplace_back("no password in the string: the account must have none, or the application adds it");
        return out;
    }

    std::string_view m_text;
    ParsedCandidate m_parsed;
    Endpoint m_endpoint;
};

} // namespace

Result<ParsedCandidate> parse_url(std::string_view text) {
    return UrlReader(text).read();
}

} // namespace stagegate::mysql
