// How SOCI 4.0 reads a connection string: `backend://rest`, where `rest` is read by the backend
// (postgresql: handed to libpq's PQconnectdb as is; mysql: SOCI's own keyword parser; sqlite3:
// SOCI's key=value reader, or the whole rest as a file name). Mirrors SOCI 4.0.3's readers,
// including what they refuse and what they silently ignore.
#include "soci_driver.hpp"

#include "../libpq/libpq_driver.hpp"
#include "stagegate/secret_fields.hpp"
#include "stagegate/spelling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace stagegate::soci_client {

namespace {

// mysql: how long a read or write may stall on a server that stopped answering.
constexpr int k_io_timeout_seconds = 30;

constexpr std::string_view k_forms = "postgresql://host=... port=5432 dbname=... user=... password=..., "
                                     "mysql://host=... port=3306 db=... user=... password=..., "
                                     "sqlite3://db=/path/app.db";

std::unexpected<Failure> config(std::string message) {
    return fail(Category::config, std::move(message),
                "fix the connection string; `stagegate explain --driver soci` shows how SOCI reads it");
}

// A URI after SOCI's postgresql:// prefix: the user wrote postgresql://user:pw@host/db.
bool looks_like_uri(std::string_view rest) {
    auto equals = rest.find('=');
    auto marker = rest.find_first_of("@/:");
    return marker != std::string_view::npos && (equals == std::string_view::npos || marker < equals);
}

// `message` without the password fields of the string SOCI was given (`rest` after postgresql://).
std::string without_password(std::string message, std::string_view rest) {
    return without_secret_fields(std::move(message), fmt::format("postgresql://{}", rest));
}

std::string without_password(std::string_view rest) {
    return without_password(std::string(rest), rest);
}

// SOCI 4.0.3's postgresql backend rebuilds the string from key=value tokens before libpq sees it
// (its chop_connect_string): blanks collapse to one space, a value in double quotes loses them, a
// token without '=' gets one, and its own singlerow(s) option is taken out.
std::string as_soci_passes_it(std::string_view rest) {
    std::string pruned;
    std::size_t i = 0;
    while (i < rest.size()) {
        std::string key;
        std::string value;
        bool in_value = false;
        bool quoted = false;
        for (; i < rest.size(); ++i) {
            char c = rest[i];
            bool blank = std::isspace(static_cast<unsigned char>(c)) != 0;
            if (!in_value && c == '=') {
                in_value = true;
                quoted = i + 1 < rest.size() && rest[i + 1] == '"';
                i += quoted ? 1 : 0;
            } else if (!in_value) {
                if (!blank)
                    key += c;
            } else if ((quoted && c == '"') || (!quoted && blank)) {
                ++i;
                break;
            } else {
                value += c;
            }
        }
        if (key != "singlerow" && key != "singlerows")
            pruned += (pruned.empty() ? "" : " ") + key + "=" + value;
    }
    return pruned;
}

Result<ParsedCandidate> parse_postgresql(std::string_view rest) {
    std::string inner = as_soci_passes_it(rest);
    bool is_uri = inner.starts_with("postgresql://") || inner.starts_with("postgres://");
    if (!is_uri && looks_like_uri(inner))
        return config(fmt::format("SOCI passes what follows postgresql:// to libpq as a keyword/value string, not "
                                  "a URI, so \"{}\" cannot work: write postgresql://host=... port=5432 dbname=... "
                                  "user=... password=... (or, to keep the URI, postgresql://postgresql://...)",
                                  without_password(rest)));
    auto parsed = libpq::driver().parse(inner);
    if (!parsed) {
        Failure failure = parsed.error();
        failure.message = "libpq (through SOCI) refuses the string: " + without_password(failure.message, rest);
        static const std::regex k_blank_in_quotes(R"(='[^']*\s[^']*')");
        if (std::regex_search(std::string(rest), k_blank_in_quotes))
            failure.message += "; SOCI splits the string at blanks before libpq reads it and only double quotes "
                               "group words (it strips them): write a value with blanks as key=\"'two words'\"";
        failure.hint = "fix the connection string; `stagegate explain --driver soci` shows how SOCI reads it";
        return std::unexpected(failure);
    }
    parsed->form = "postgresql:// + libpq " + parsed->form;
    if (is_uri && rest.find('=') == std::string_view::npos)
        parsed->warnings.push_back(fmt::format("SOCI appends '=' to a word without one before libpq reads it, so this "
                                               "URI names database \"{}\": add a query (?connect_timeout=5) to keep "
                                               "the name",
                                               parsed->get("dbname").value_or("")));
    return parsed;
}

// --- SOCI 4.0.3's mysql connection-string reader ------------------------------------------

constexpr std::array<std::string_view, 18> k_mysql_keys{
    "host",         "port",         "user",    "pass",   "password",     "db",      "dbname",    "service",
    "unix_socket",  "sslca",        "sslcert", "sslkey", "local_infile", "charset", "reconnect", "connect_timeout",
    "read_timeout", "write_timeout"};

struct MysqlReader {
    std::string_view text;
    std::size_t at = 0;
    ParsedCandidate parsed;

    bool end() const { return at >= text.size(); }
    void skip_white() {
        while (!end() && std::isspace(static_cast<unsigned char>(text[at])))
            ++at;
    }

    Result<void> malformed(std::string why) {
        return config(fmt::format("SOCI's mysql backend says \"Malformed connection string.\": {}", why));
    }

    static Result<void> unexpected_end() {
        return config("SOCI's mysql backend says \"Unexpected end of connection string.\": a parameter without a "
                      "value at the end");
    }

    Result<std::string> value() {
        bool quoted = !end() && text[at] == '\'';
        if (quoted)
            ++at;
        std::string out;
        while (true) {
            if (end()) {
                if (quoted)
                    return std::unexpected(malformed("a quoted value is not closed").error());
                return out;
            }
            char c = text[at];
            if (c == '\'') {
                if (!quoted)
                    return std::unexpected(malformed("a quote inside an unquoted value").error());
                ++at;
                return out;
            }
            if (!quoted && std::isspace(static_cast<unsigned char>(c)))
                return out;
            if (c == '\\') {
                ++at;
                if (end())
                    return std::unexpected(malformed("a backslash at the end").error());
            }
            out += text[at++];
        }
    }

    // SOCI's valid_int: strtol takes the whole text (an empty one reads as 0), within int.
    static bool valid_int(const std::string& text) {
        char* tail = nullptr;
        errno = 0;
        long n = std::strtol(text.c_str(), &tail, 10);
        return errno == 0 && *tail == '\0' && n >= INT_MIN && n <= INT_MAX;
    }

    // SOCI's valid_uint: strtoul takes the whole text, not 0, within unsigned int.
    static bool valid_uint(const std::string& text) {
        char* tail = nullptr;
        errno = 0;
        unsigned long n = std::strtoul(text.c_str(), &tail, 10);
        return errno == 0 && *tail == '\0' && n != 0 && n <= UINT_MAX;
    }

    Result<void> read() {
        while (true) {
            skip_white();
            if (end())
                return {};
            std::size_t name_start = at;
            while (!end() && (std::isalpha(static_cast<unsigned char>(text[at])) || text[at] == '_'))
                ++at;
            std::string name(text.substr(name_start, at - name_start));
            skip_white();
            if (end())
                return unexpected_end();
            // The name is not quoted back: after an unquoted password with a space, it is the password's tail.
            if (text[at] != '=')
                return malformed(name.empty() ? "expected key=value pairs (host=... port=3306 db=... user=... "
                                                "password=...)"
                                              : "expected '=' after a parameter name (quote a value with spaces: "
                                                "password='...')");
            ++at;
            skip_white();
            if (end())
                return unexpected_end();
            auto read = value();
            if (!read)
                return std::unexpected(read.error());
            if (auto stored = store(name, *read); !stored)
                return stored;
        }
    }

    Result<void> store(const std::string& name, const std::string& value) {
        if (std::find(k_mysql_keys.begin(), k_mysql_keys.end(), name) == k_mysql_keys.end()) {
            std::vector<std::string> keys(k_mysql_keys.begin(), k_mysql_keys.end());
            std::string hint = did_you_mean(name, keys);
            return malformed(fmt::format("unknown parameter \"{}\"{}", name, hint.empty() ? "" : " (" + hint + ")"));
        }
        std::string key = name == "pass" ? "password" : (name == "dbname" || name == "service" ? "db" : name);
        if (parsed.get(key))
            return malformed(fmt::format("\"{}\" is given twice (SOCI refuses a repeated parameter)", key));
        if (key == "port" && (!valid_int(value) || std::atoi(value.c_str()) < 0))
            return malformed(fmt::format("port={} is not a port number", value));
        if (key == "local_infile" &&
            (!valid_int(value) || (std::atoi(value.c_str()) != 0 && std::atoi(value.c_str()) != 1)))
            return malformed("local_infile is 0 or 1");
        if (key == "reconnect" && value != "1")
            return config("SOCI's mysql backend says: \"reconnect\" option may only be set to 1");
        if (key.ends_with("_timeout") && !valid_uint(value))
            return malformed(fmt::format("{}={} is not a positive number of seconds", key, value));
        parsed.parameters.push_back({key, value, key == "password"});
        if (key == "password" && !value.empty())
            parsed.secrets.push_back(value);
        return {};
    }
};

Result<ParsedCandidate> parse_mysql(std::string_view rest) {
    if (looks_like_uri(rest))
        return config("SOCI's mysql backend reads key=value pairs, not a URL: write mysql://host=... port=3306 db=... "
                      "user=... password=...");
    MysqlReader reader{rest, 0, {}};
    if (auto read = reader.read(); !read)
        return std::unexpected(read.error());
    ParsedCandidate parsed = std::move(reader.parsed);
    parsed.form = "mysql:// + SOCI key=value";
    parsed.protocol = "mysql";
    parsed.default_port = 3306;
    Endpoint endpoint;
    endpoint.host = parsed.get("host").value_or("");
    if (auto port = parsed.get("port"); port && std::atoi(port->c_str()) > 0)
        endpoint.port = std::atoi(port->c_str()); // 0 (or '') is the client's default port
    if (auto socket = parsed.get("unix_socket"); socket && (endpoint.host.empty() || endpoint.host == "localhost"))
        endpoint.host = *socket;
    // The MySQL client library reads no host, or localhost, as its local socket.
    endpoint.unix_socket = endpoint.host.empty() || endpoint.host == "localhost" || endpoint.host.front() == '/';
    parsed.endpoints.push_back(endpoint);
    if (!parsed.get("connect_timeout"))
        parsed.warnings.emplace_back("connect_timeout is not set: the application waits forever on a server that "
                                     "accepts and never answers (stagegate enforces its own deadline)");
    if (!parsed.get("sslca") && !parsed.get("sslcert"))
        parsed.warnings.emplace_back("no sslca: SOCI 4.0's mysql backend has no ssl_mode, so the session is "
                                     "plaintext unless the server refuses it");
    // SOCI's mysql backend has no ssl_mode: a CA or certificate asks for TLS, never for a name check.
    bool tls = parsed.get("sslca") || parsed.get("sslcert");
    parsed.tls = tls ? TlsIntent::encrypted : TlsIntent::none;
    parsed.tls_setting = tls ? "sslca (SOCI's mysql backend never verifies the server's name)" : "no sslca";
    return parsed;
}

// --- SOCI 4.0.3's sqlite3 reader -------------------------------------------------------------

constexpr std::array<std::string_view, 7> k_sqlite_keys{"db",           "dbname",   "timeout", "synchronous",
                                                        "shared_cache", "readonly", "vfs"};

Result<ParsedCandidate> parse_sqlite(std::string_view rest) {
    ParsedCandidate parsed;
    parsed.form = "sqlite3:// + SOCI key=value";
    parsed.protocol = "sqlite3";
    std::string file(rest); // with no '=' at all, the whole string names the file
    if (rest.find('=') != std::string_view::npos) {
        std::istringstream in{std::string(rest)};
        std::string key;
        std::string value;
        while (std::getline(in, key, '=') && std::getline(in, value, ' ')) {
            if (!value.empty() && value.front() == '"') {
                value.erase(0, 1);
                if (!value.empty() && value.back() == '"') {
                    value.pop_back();
                } else {
                    std::string more;
                    std::getline(in, more, '"');
                    value += " " + more;
                    std::getline(in, more, ' ');
                }
            }
            if (key == "db" || key == "dbname") {
                file = value;
                key = "db";
            } else if (std::find(k_sqlite_keys.begin(), k_sqlite_keys.end(), key) == k_sqlite_keys.end()) {
                std::vector<std::string> keys(k_sqlite_keys.begin(), k_sqlite_keys.end());
                std::string hint = did_you_mean(key, keys);
                parsed.warnings.push_back(fmt::format("SOCI's sqlite3 backend silently ignores \"{}\"{}", key,
                                                      hint.empty() ? "" : " (" + hint + ")"));
            }
            parsed.parameters.push_back({key, value, false});
        }
    }
    if (!parsed.get("db"))
        parsed.parameters.insert(parsed.parameters.begin(), {"db", file, false});
    if (file.empty())
        return config("SOCI's sqlite3 backend needs a database file: sqlite3://db=/path/app.db");
    Endpoint endpoint;
    endpoint.host = file;
    endpoint.file = true;
    parsed.endpoints.push_back(endpoint);
    return parsed;
}

} // namespace

Result<ParsedCandidate> parse_soci(std::string_view text) {
    auto separator = text.find("://");
    if (separator == std::string_view::npos)
        return config(fmt::format("SOCI finds no backend name: write backend://connection-string, e.g. {}", k_forms));
    std::string backend(text.substr(0, separator));
    std::string_view rest = text.substr(separator + 3);
    if (backend == "postgresql")
        return parse_postgresql(rest);
    if (backend == "mysql")
        return parse_mysql(rest);
    if (backend == "sqlite3")
        return parse_sqlite(rest);
    if (backend == "odbc" || backend == "firebird" || backend == "oracle" || backend == "db2")
        return config(
            fmt::format("SOCI backend {} is not one stagegate tries: use postgresql, mysql or sqlite3", backend));
    std::vector<std::string> known{"postgresql", "mysql", "sqlite3"};
    std::string hint = did_you_mean(backend, known);
    if (backend == "postgres")
        hint = "did you mean postgresql?";
    else if (backend == "mariadb")
        hint = "SOCI reaches MariaDB through its mysql backend: mysql://";
    else if (backend == "sqlite")
        hint = "did you mean sqlite3?";
    return config(fmt::format("SOCI has no backend \"{}\" (it would look for libsoci_{}.so){}", backend, backend,
                              hint.empty() ? "" : "; " + hint));
}

namespace {

// SOCI's sqlite3 reader knows no escapes, only double quotes around a value with spaces.
std::string sqlite_routed(const ParsedCandidate& candidate, const Route& route) {
    auto value_of = [](const std::string& value) {
        return value.find(' ') == std::string::npos ? value : "\"" + value + "\"";
    };
    std::string out = "db=" + value_of(route.address);
    for (const auto& parameter : candidate.parameters) {
        if (parameter.key != "db")
            out += " " + parameter.key + "=" + value_of(parameter.value);
    }
    return out;
}

} // namespace

std::string routed_string(const ParsedCandidate& candidate, std::span<const Route> routes, int timeout_seconds) {
    if (candidate.protocol == "sqlite3")
        return sqlite_routed(candidate, routes.front());
    std::string out;
    auto add = [&](const std::string& key, const std::string& value) {
        out += (out.empty() ? "" : " ") + key + "=" + libpq::keyword_quoted(value);
    };
    // The application's own connect timeout counts, but never beyond the harness deadline.
    auto bounded = [&](const std::string& value, int limit) {
        char* end = nullptr;
        long seconds = std::strtol(value.c_str(), &end, 10);
        return (*end == '\0' && seconds > 0 && seconds <= limit) ? value : std::to_string(limit);
    };
    bool postgres = candidate.protocol == "postgresql";
    int connect_limit = postgres ? std::max(2, timeout_seconds) : timeout_seconds;
    for (const auto& parameter : candidate.parameters) {
        bool routed = parameter.key == "hostaddr" || parameter.key == "port" || parameter.key == "unix_socket" ||
                      (!postgres && parameter.key == "host");
        if (routed)
            continue;
        add(parameter.key,
            parameter.key == "connect_timeout" ? bounded(parameter.value, connect_limit) : parameter.value);
    }
    if (!candidate.get("connect_timeout"))
        add("connect_timeout", std::to_string(connect_limit));
    if (postgres) {
        // host stays as written (TLS name checks); each address and port leads to the throwaway server.
        std::string addresses;
        std::string ports;
        for (const auto& route : routes) {
            addresses += (addresses.empty() ? "" : ",") + route.address;
            ports += (ports.empty() ? "" : ",") + std::to_string(route.port);
        }
        add("hostaddr", addresses);
        add("port", ports);
        return out;
    }
    add("host", routes.front().address);
    add("port", std::to_string(routes.front().port));
    // A statement's own deadline ends it from outside; these only bound a server gone silent.
    for (const char* key : {"read_timeout", "write_timeout"}) {
        if (!candidate.get(key))
            add(key, std::to_string(k_io_timeout_seconds));
    }
    return out;
}

} // namespace stagegate::soci_client
