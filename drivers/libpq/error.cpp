// Native-error mapping of the libpq driver, and nothing else.
#include "libpq_driver.hpp"

#include <fmt/format.h>

#include <cctype>
#include <regex>

namespace stagegate::libpq {

namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

bool starts_with_class(std::string_view sqlstate, std::string_view cls) {
    return sqlstate.size() == 5 && sqlstate.substr(0, 2) == cls;
}

Category by_sqlstate(std::string_view sqlstate, Phase phase) {
    if (starts_with_class(sqlstate, "28"))
        return Category::auth;
    if (sqlstate == "3D000")
        return Category::no_database;
    if (sqlstate == "42501")
        return Category::permission;
    if (sqlstate == "57014")
        return Category::timeout; // query_canceled (our deadline)
    if (starts_with_class(sqlstate, "08")) {
        return sqlstate == "08P01" ? Category::server : Category::refused;
    }
    if (starts_with_class(sqlstate, "53") || starts_with_class(sqlstate, "57") || starts_with_class(sqlstate, "58") ||
        starts_with_class(sqlstate, "XX")) {
        return Category::server;
    }
    return phase == Phase::statement ? Category::query : Category::server;
}

// libpq raises these without a SQLSTATE; its wording is all there is (libpq 15 texts).
Category by_message(std::string_view message, Phase phase) {
    if (contains(message, "could not translate host name"))
        return Category::dns;
    if (contains(message, "Connection refused") || contains(message, "No such file or directory"))
        return Category::refused;
    if (contains(message, "timeout expired"))
        return Category::timeout;
    // Server errors a SQLSTATE-less caller (SOCI's PQconnectdb) only has as text.
    if (contains(message, "database \"") && contains(message, "\" does not exist"))
        return Category::no_database;
    if (contains(message, "role \"") && contains(message, "\" does not exist"))
        return Category::auth;
    if (contains(message, "permission denied"))
        return Category::permission;
    // A hostssl/hostnossl rule refused the transport (SOCI has only the text).
    if (contains(message, "pg_hba.conf") && contains(message, "no encryption"))
        return Category::tls;
    if (contains(message, "fe_sendauth") || contains(message, "password authentication failed") ||
        contains(message, "SCRAM") || contains(message, "channel binding"))
        return Category::auth;
    if (contains(message, "SSL") || contains(message, "certificate") || contains(message, "TLS"))
        return Category::tls;
    if (contains(message, "invalid connection option") || contains(message, "invalid ") ||
        contains(message, "missing \"=\"") || contains(message, "unterminated quoted string"))
        return Category::config;
    return phase == Phase::statement ? Category::query : Category::server;
}

} // namespace

std::string sqlstate_of(std::string_view verbose_message) {
    static const std::regex k_code(R"((?:FATAL|ERROR|PANIC):  ([0-9A-Z]{5}): )");
    std::match_results<std::string_view::const_iterator> match;
    if (std::regex_search(verbose_message.begin(), verbose_message.end(), match, k_code))
        return match[1].str();
    return {};
}

std::string one_line(std::string_view raw_message) {
    static const std::regex k_prefix(
        R"(^connection to server (at "[^"]*" \([^)]*\), port \d+|at "[^"]*", port \d+|on socket "[^"]*") failed: )");
    static const std::regex k_severity(R"(^(FATAL|ERROR|PANIC|WARNING):  ([0-9A-Z]{5}: )?)");
    std::vector<std::string> parts;
    std::string text(raw_message);
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? text.size() + 1 : end + 1;
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
            line.pop_back();
        if (line.empty() || line.starts_with("LOCATION:") || line.starts_with("\t"))
            continue;
        line = std::regex_replace(line, k_prefix, "");
        line = std::regex_replace(line, k_severity, "");
        if (line.starts_with("DETAIL:  ") || line.starts_with("HINT:  ") || line.starts_with("LINE ") ||
            line.find_first_not_of(" ^") == std::string::npos)
            continue;
        if (parts.empty() || parts.back() != line)
            parts.push_back(line);
    }
    std::string joined;
    for (const auto& part : parts)
        joined += (joined.empty() ? "" : "; ") + part;
    return joined.empty() ? std::string("libpq reported an error without a message") : joined;
}

std::string hint_for(Category category) {
    switch (category) {
    case Category::config:
        return "fix the connection string; `stagegate explain` shows how libpq reads it";
    case Category::dns:
        return "check the host name against the hosts the scenario answers as";
    case Category::refused:
        return "check the port and that the server listens there";
    case Category::timeout:
        return "the server did not answer in time; check the address, firewall and load";
    case Category::tls:
        return "check sslmode, the CA file and the server certificate";
    case Category::auth:
        return "check the user name and password (was it rotated?)";
    case Category::no_database:
        return "check the database name (dbname or the URI path)";
    case Category::permission:
        return "grant the role what it needs (CONNECT, SELECT, ...)";
    case Category::query:
        return "the statement failed; check it against the schema";
    case Category::expectation:
        return "the result differs from the scenario's expectation";
    case Category::server:
        return "the server reported an error; see its message";
    }
    return {};
}

Failure classify(std::string_view sqlstate, std::string_view raw_message, Phase phase) {
    Failure failure;
    failure.sqlstate = std::string(sqlstate);
    failure.category = sqlstate.size() == 5 ? by_sqlstate(sqlstate, phase) : by_message(raw_message, phase);
    failure.message = one_line(raw_message);
    failure.hint = hint_for(failure.category);
    // A pg_hba.conf hostssl/hostnossl rule refused the transport, not the credentials (28000
    // "pg_hba.conf rejects connection ..., no encryption" / "no pg_hba.conf entry ..., no encryption").
    if (starts_with_class(sqlstate, "28") && contains(raw_message, "no encryption")) {
        failure.category = Category::tls;
        failure.hint = "the server accepts this login only over TLS: set sslmode=verify-full with sslrootcert";
    }
    return failure;
}

} // namespace stagegate::libpq
