// How SOCI 4.0 reads a connection string: `backend://rest`, where `rest` is read by the backend
// (postgresql: handed to libpq's PQconnectdb as is; mysql: SOCI's own keyword parser; sqlite3:
// SOCI's key=value reader, or the whole rest as a file name). Mirrors SOCI 4.0.3's readers,
// including what they refuse and what they silently ignore.
#include "soci_driver.hpp"

#include "../libpq/libpq_driver.hpp"
#include "stagegate/spelling.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace stagegate::soci_client {

namespace {

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

std::string without_password(std::string_view rest) {
    static const std::regex k_userinfo(R"(^([^:@/]*):([^@]*)@)");
    return std::regex_replace(std::string(rest), k_userinfo, "$1:***@");
}

// SOCI's postgresql backend takes its own single-row option out before libpq sees the string.
std::string without_single_row(std::string_view rest) {
    static const std::regex k_single_row(R"((^|\s)singlerows?\s*=\s*(true|false)(?=\s|$))");
    return std::regex_replace(std::string(rest), k_single_row, "$1");
}

Result<ParsedCandidate> parse_postgresql(std::string_view rest) {
    std::string inner = without_single_row(rest);
    bool is_uri = inner.starts_with("postgresql://") || inner.starts_with("postgres://");
    if (!is_uri && looks_like_uri(inner))
        return config(fmt::format("SOCI passes what follows postgresql:// to libpq as a keyword/value string, not "
                                  "a URI, so \"{}\" cannot work: write postgresql://host=... port=5432 dbname=... "
                                  "user=... password=... (or, to keep the URI, postgresql://postgresql://...)",
                                  without_password(inner)));
    auto parsed = libpq::driver().parse(inner);
    if (!parsed) {
        Failure failure = parsed.error();
        failure.message = "libpq (through SOCI) refuses the string: " + failure.message;
        failure.hint = "fix the connection string; `stagegate explain --driver soci` shows how SOCI reads it";
        return std::unexpected(failure);
    }
    parsed->form = "postgresql:// + libpq " + parsed->form;
    return parsed;
}

// --- SOCI 4.0.3's mysql connection-string reader ------------------------------------------

constexpr std::array<std::string_view, 18> k_mysql_keys{
    "host",    "port",        "user",  "pass",    "password",  "db",           "dbname",  "service",         "unix_socket",
    "sslca",   "sslcert",     "sslkey", "local_infile", "charset", "reconnect", "connect_timeout", "read_timeout",
    "write_timeout"};

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

    static bool valid_number(const std::string& text, bool positive) {
        if (text.empty())
            return false;
        char* tail = nullptr;
        errno = 0;
        long n = std::strtol(text.c_str(), &tail, 10);
        return errno == 0 && *tail == '\0' && n <= INT_MAX && (positive ? n > 0 : n >= 0);
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
            if (end() || text[at] != '=') {
                if (name.empty())
                    return malformed("expected key=value pairs (host=... port=3306 db=... user=... password=...)");
                return malformed(fmt::format("expected '=' after \"{}\"", name));
            }
            ++at;
            skip_white();
            if (end())
                return malformed("a key without a value at the end");
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
        if ((key == "port" || key == "local_infile") && !valid_number(value, false))
            return malformed(fmt::format("{}={} is not a number", key, value));
        if (key == "local_infile" && value != "0" && value != "1")
            return malformed("local_infile is 0 or 1");
        if (key == "reconnect" && value != "1")
            return config("SOCI's mysql backend says: \"reconnect\" option may only be set to 1");
        if (key.ends_with("_timeout") && !valid_number(value, true))
            return malformed(fmt::format("{}={} is not a positive number of seconds", key, value));
        parsed.parameters.push_back({key, value, key == "password"});
        if (key == "password" && !value.empty())
            parsed.secrets.push_back(value);
        return {};
    }
};

Result<ParsedCandidate> parse_mysql(std::string_view rest) {
    if (rest.find('@') != std::string_view::npos && rest.find('=') == std::string_view::npos)
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
    if (auto port = parsed.get("port"))
        endpoint.port = std::atoi(port->c_str());
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
    return parsed;
}

// --- SOCI 4.0.3's sqlite3 reader -------------------------------------------------------------

constexpr std::array<std::string_view, 7> k_sqlite_keys{"db", "dbname", "timeout", "synchronous",
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
        return config(fmt::format("SOCI backend {} is not one stagegate tries: use postgresql, mysql or sqlite3",
                                  backend));
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

// Quotes a value for libpq's and SOCI's mysql keyword readers (both escape with a backslash).
std::string quoted(const std::string& value) {
    bool plain = !value.empty() && value.find_first_of(" '\\\t\n\"") == std::string::npos;
    if (plain)
        return value;
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

} // namespace

std::string routed_string(const ParsedCandidate& candidate, const Route& route, int timeout_seconds) {
    std::string out;
    auto add = [&](const std::string& key, const std::string& value) {
        out += (out.empty() ? "" : " ") + key + "=" + quoted(value);
    };
    if (candidate.protocol == "sqlite3") {
        // SOCI's sqlite3 reader knows no backslash escapes; the throwaway file's path has no spaces.
        out = "db=" + route.address;
        for (const auto& parameter : candidate.parameters) {
            if (parameter.key != "db")
                out += " " + parameter.key + "=" + parameter.value;
        }
        return out;
    }
    bool postgres = candidate.protocol == "postgresql";
    for (const auto& parameter : candidate.parameters) {
        bool routed = parameter.key == "hostaddr" || parameter.key == "port" || parameter.key == "unix_socket" ||
                      (!postgres && parameter.key == "host");
        if (!routed)
            add(parameter.key, parameter.value);
    }
    if (postgres) {
        // host stays as written (TLS name checks); the address and port lead to the throwaway server.
        add("hostaddr", route.address);
        add("port", std::to_string(route.port));
        if (!candidate.get("passfile"))
            add("passfile", "/nonexistent/stagegate-no-passfile");
        if (!candidate.get("connect_timeout"))
            add("connect_timeout", std::to_string(std::max(2, timeout_seconds)));
        return out;
    }
    add("host", route.address);
    add("port", std::to_string(route.port));
    for (const char* key : {"connect_timeout", "read_timeout", "write_timeout"}) {
        if (!candidate.get(key))
            add(key, std::to_string(timeout_seconds));
    }
    return out;
}

} // namespace stagegate::soci_client
