#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stagegate {

struct JdbcTranslation {
    std::string native;               // the string the native client reads
    std::vector<std::string> mapping; // one line per translated, defaulted or ignored part, for reports; passwords
                                      // are shown as ********
    std::vector<std::string> secrets; // every password that went into `native`
};

// Returns whether `text` is a JDBC URL (starts with "jdbc:", in any case).
bool is_jdbc_url(std::string_view text);

// Translates `url` (jdbc:postgresql as pgjdbc reads it, jdbc:mysql as MySQL Connector/J 8 and
// jdbc:mariadb as MariaDB Connector/J 3 do) into the string `driver` ("libpq", "mysqlcppconn" or
// "soci") reads. `user` and `password` come from separate config keys (Spring's
// spring.datasource.username/password); when the URL names them as well, both must agree. Any
// part that cannot be translated exactly, or whose meaning stagegate is not sure of, fails with
// one line naming the part and why; no message or mapping line holds a password.
std::expected<JdbcTranslation, std::string> translate_jdbc(std::string_view url, std::string_view driver,
                                                           const std::optional<std::string>& user,
                                                           const std::optional<std::string>& password);

// Writes separate parts of a connection (host, port, user, password, database, or service) as
// the string `driver` reads for `protocol` ("postgresql" or "mysql"), quoted and encoded as
// that client reads it: the writers JDBC translation uses. Fails with one line when the client
// cannot take a value (SOCI's postgresql backend: a blank and a double quote together).
std::expected<std::string, std::string> compose_native(std::string_view driver, std::string_view protocol,
                                                       const std::vector<std::pair<std::string, std::string>>& parts);

} // namespace stagegate
