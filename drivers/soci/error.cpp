// Native-error mapping of the SOCI driver, and nothing else: each backend's own codes first
// (through the libpq and MySQL drivers' tables, so one code means one category everywhere),
// SOCI's error category only where the backend gave nothing.
#include "soci_driver.hpp"

#include "../libpq/libpq_driver.hpp"
#include "../mysql/mysqlcppconn.hpp"

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <fmt/format.h>

namespace stagegate::soci_client {

namespace {

std::string_view after_first_line(std::string_view message) {
    auto newline = message.find('\n');
    return newline == std::string_view::npos ? message : message.substr(newline + 1);
}

Category sqlite_category(int code, Phase phase) {
    switch (code & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
        return Category::no_database;
    case SQLITE_AUTH:
        return Category::auth;
    case SQLITE_PERM:
    case SQLITE_READONLY:
        return Category::permission;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_INTERRUPT:
        return Category::timeout;
    case SQLITE_CORRUPT:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return Category::server;
    default:
        return phase == Phase::statement ? Category::query : Category::server;
    }
}

Category by_soci_category(soci::soci_error::error_category category, Phase phase) {
    switch (category) {
    case soci::soci_error::connection_error:
        return Category::refused;
    case soci::soci_error::no_privilege:
        return Category::permission;
    case soci::soci_error::invalid_statement:
    case soci::soci_error::no_data:
    case soci::soci_error::constraint_violation:
        return Category::query;
    case soci::soci_error::unknown_transaction_state:
    case soci::soci_error::system_error:
    case soci::soci_error::unknown:
        break;
    }
    return phase == Phase::statement ? Category::query : Category::server;
}

std::string hint(Category category, std::string_view backend) {
    if (category == Category::config)
        return "fix the connection string; `stagegate explain --driver soci` shows how SOCI reads it";
    return backend == "mysql" ? mysql::hint_for(category) : libpq::hint_for(category);
}

} // namespace

Failure classify(const soci::soci_error& error, std::string_view backend, Phase phase) {
    std::string message = error.get_error_message();
    if (auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&error)) {
        Failure failure = libpq::classify(pg->sqlstate(), message,
                                          phase == Phase::statement ? libpq::Phase::statement : libpq::Phase::connect);
        failure.hint = hint(failure.category, backend);
        return failure;
    }
    if (auto* my = dynamic_cast<const soci::mysql_soci_error*>(&error)) {
        // mysql::classify's hint already speaks MySQL (and explains 1044's two meanings).
        return mysql::classify(static_cast<int>(my->err_num_), "", message,
                               phase == Phase::statement ? mysql::Phase::statement : mysql::Phase::connect);
    }
    if (auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&error)) {
        Failure failure;
        failure.native_code = lite->result();
        failure.category = sqlite_category(lite->result(), phase);
        failure.message = fmt::format("{} (SQLite result {})", one_line_message(message), lite->result());
        failure.hint = hint(failure.category, backend);
        return failure;
    }
    if (backend == "postgresql" && phase == Phase::connect) {
        // "Cannot establish connection to the database.\n" + libpq's text, without a SQLSTATE.
        Failure failure = libpq::classify("", after_first_line(message), libpq::Phase::connect);
        failure.hint = hint(failure.category, backend);
        return failure;
    }
    Failure failure;
    failure.category = by_soci_category(error.get_error_category(), phase);
    failure.message = one_line_message(message);
    failure.hint = hint(failure.category, backend);
    return failure;
}

} // namespace stagegate::soci_client
