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
}

std::optional<std::string> environment_value(const std::string& name) {
    if (const char* value = std::getenv(name.c_str()))
        return std::string(value);
    auto found = isolated().find(name);
    if (found != isolated().end())
        return found->second;
    return std::nullopt;
}

} // namespace stagegate
