#include "util/environment.hpp"

#include <cstdlib>
#include <map>
#include <string_view>
#include <vector>

extern char** environ;

namespace stagegate {

namespace {

// libpq reads PG*; MariaDB's client library (under Connector/C++ and SOCI's mysql backend)
// reads MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_UNIX_PORT, MYSQL_PWD and MARIADB_* switches such as
// MARIADB_TLS_DISABLE_PEER_VERIFICATION.
constexpr std::string_view k_client_prefixes[] = {"PG", "MYSQL_", "MARIADB_", "LIBMYSQL_"};

bool read_by_a_client(std::string_view name) {
    for (auto prefix : k_client_prefixes) {
        if (name.starts_with(prefix))
            return true;
    }
    return false;
}

std::map<std::string, std::string>& isolated() {
    static std::map<std::string, std::string> values;
    return values;
}

// Files libpq reads from the machine when a string does not name them, each pointed at a path
// that cannot exist (the path says what is ignored, for messages such as libpq's "root
// certificate file ... does not exist"). A missing client certificate or key is skipped by libpq.
constexpr std::pair<const char*, const char*> k_stand_ins[] = {
    {"PGPASSFILE", "/nonexistent/stagegate-ignores-~/.pgpass"},
    {"PGSERVICEFILE", "/nonexistent/stagegate-ignores-~/.pg_service.conf"},
    {"PGSYSCONFDIR", "/nonexistent/stagegate-ignores-the-system-pg_service.conf"},
    {"PGSSLCERT", "/nonexistent/stagegate-ignores-~/.postgresql/postgresql.crt"},
    {"PGSSLKEY", "/nonexistent/stagegate-ignores-~/.postgresql/postgresql.key"},
    {"PGSSLROOTCERT", "/nonexistent/stagegate-ignores-~/.postgresql/root.crt"},
};

void set_stand_ins() {
    for (const auto& [name, value] : k_stand_ins)
        ::setenv(name, value, 1);
}
} // namespace

void isolate_client_environment() {
    std::vector<std::string> names;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto equals = text.find('=');
        if (equals == std::string_view::npos || !read_by_a_client(text.substr(0, equals)))
            continue;
        names.emplace_back(text.substr(0, equals));
        isolated()[names.back()] = std::string(text.substr(equals + 1));
    }
    for (const auto& name : names)
        ::unsetenv(name.c_str());
    set_stand_ins();
}

void use_machine_client_environment(bool machine) {
    for (const auto& [name, value] : k_stand_ins)
        ::unsetenv(name);
    for (const auto& [name, value] : isolated()) {
        if (machine)
            ::setenv(name.c_str(), value.c_str(), 1);
        else
            ::unsetenv(name.c_str());
    }
    if (!machine)
        set_stand_ins();
}

std::optional<std::string> environment_value(const std::string& name) {
    // The client variables as they were at start-up, not stagegate's stand-ins.
    if (auto found = isolated().find(name); found != isolated().end())
        return found->second;
    if (read_by_a_client(name))
        return std::nullopt;
    if (const char* value = std::getenv(name.c_str()))
        return std::string(value);
    return std::nullopt;
}

} // namespace stagegate
