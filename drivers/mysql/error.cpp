// Native-error mapping of the MySQL drivers (Connector/C++ and SOCI's mysql backend), and
// nothing else. Numbers from MariaDB's errmsg.h / mysqld_error.h.
#include "mysqlcppconn.hpp"

#include <fmt/format.h>

namespace stagegate::mysql {

namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

std::optional<Category> by_sqlstate(std::string_view sqlstate) {
    if (sqlstate.size() != 5)
        return std::nullopt;
    if (sqlstate.starts_with("28"))
        return Category::auth;
    if (sqlstate.starts_with("08"))
        return Category::refused;
    if (sqlstate == "70100")
        return Category::timeout; // query interrupted
    return std::nullopt;          // HY000 and 42000 say little for MySQL: the number decides
}

std::optional<Category> by_code(int code, std::string_view message) {
    switch (code) {
    case 1045: // ER_ACCESS_DENIED_ERROR
    case 1251: // ER_NOT_SUPPORTED_AUTH_MODE
    case 1698: // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    case 1820: // ER_MUST_CHANGE_PASSWORD
    case 1862: // ER_MUST_CHANGE_PASSWORD_LOGIN
    case 2049: // CR_SECURE_AUTH
    case 2059: // CR_AUTH_PLUGIN_CANNOT_LOAD
        return Category::auth;
    case 1044: // ER_DBACCESS_DENIED_ERROR
    case 1130: // ER_HOST_NOT_PRIVILEGED: no account for this client host
    case 1142: // ER_TABLEACCESS_DENIED_ERROR
    case 1143: // ER_COLUMNACCESS_DENIED_ERROR
    case 1227: // ER_SPECIFIC_ACCESS_DENIED_ERROR
    case 1290: // ER_OPTION_PREVENTS_STATEMENT (--read-only, ...)
    case 1370: // ER_PROCACCESS_DENIED_ERROR
    case 1792: // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
        return Category::permission;
    case 1049: // ER_BAD_DB_ERROR
        return Category::no_database;
    case 2002: // CR_CONNECTION_ERROR (MariaDB Connector/C: refused TCP port and missing socket)
    case 2003: // CR_CONN_HOST_ERROR
        // "(110)" is ETIMEDOUT: nothing answered the connect, as at a dead or blackholed host.
        return contains(message, "(110)") || contains(message, "timed out") ? Category::timeout : Category::refused;
    case 2005: // CR_UNKNOWN_HOST
        return Category::dns;
    case 2013: // CR_SERVER_LOST: during the handshake it is a peer that never answers
        return contains(message, "initial communication packet") || contains(message, "system error: 110") ||
                       contains(message, "Connection timed out")
                   ? Category::timeout
                   : Category::server;
    case 1317: // ER_QUERY_INTERRUPTED
    case 1969: // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    case 3024: // ER_QUERY_TIMEOUT (MySQL max_execution_time)
        return Category::timeout;
    case 2026: // CR_SSL_CONNECTION_ERROR
    case 3159: // ER_SECURE_TRANSPORT_REQUIRED
    case 4151: // MariaDB: require_secure_transport refused a plaintext login
        return Category::tls;
    case 1040: // ER_CON_COUNT_ERROR: too many connections
    case 1129: // ER_HOST_IS_BLOCKED
    case 1203: // ER_TOO_MANY_USER_CONNECTIONS
    case 2006: // CR_SERVER_GONE_ERROR
        return Category::server;
    default:
        return std::nullopt;
    }
}

} // namespace

std::string hint_for(Category category) {
    switch (category) {
    case Category::config:
        return "fix the connection string; `stagegate explain --driver mysqlcppconn` shows how it is read";
    case Category::dns:
        return "check the host name against the hosts the scenario answers as";
    case Category::refused:
        return "check the port (MySQL and MariaDB default to 3306) and that the server listens there";
    case Category::timeout:
        return "the server did not answer in time; check the address, firewall and load";
    case Category::tls:
        return "check ssl-mode, the CA file and whether the server requires secure transport";
    case Category::auth:
        return "check the user name, password (was it rotated?) and the account's host pattern";
    case Category::no_database:
        return "check the database (schema) name in the string";
    case Category::permission:
        return "grant the account what it needs (GRANT SELECT ON db.* TO ...)";
    case Category::query:
        return "the statement failed; check it against the schema";
    case Category::expectation:
        return "the result differs from the scenario's expectation";
    case Category::server:
        return "the server reported an error; see its message";
    }
    return {};
}

Failure classify(int code, std::string_view sqlstate, std::string_view message, Phase phase) {
    Failure failure;
    failure.native_code = code;
    failure.sqlstate = std::string(sqlstate.size() == 5 ? sqlstate : "");
    auto category = by_sqlstate(sqlstate);
    if (auto refined = by_code(code, message); refined && (!category || category == Category::refused))
        category = refined; // 08S01 covers both refused ports and lost handshakes: the number tells
    failure.category = category.value_or(phase == Phase::statement ? Category::query : Category::server);
    std::string text = one_line_message(message);
    failure.message = code != 0 ? fmt::format("{} (error {})", text, code) : text;
    failure.hint = hint_for(failure.category);
    if (code == 1044) // the server does not tell a missing database from a missing grant
        failure.hint = "MySQL and MariaDB answer 1044 both for a database the account has no grant on and for one "
                       "that does not exist: check the database name first, then the grants";
    return failure;
}

} // namespace stagegate::mysql
