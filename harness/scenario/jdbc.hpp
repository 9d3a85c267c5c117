#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
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
// jdbc:mariadb as MariaDB Connector/J 3 do) into the string the driver named `driver` reads,
// written by that driver (Driver::compose). `user` and `password` come from separate config keys (Spring's
// spring.datasource.username/password); when the URL names them as well, both must agree. Any
// part that cannot be translated exactly, or whose meaning stagegate is not sure of, fails with
// one line naming the part and why; no message or mapping line holds a password.
std::expected<JdbcTranslation, std::string> translate_jdbc(std::string_view url, std::string_view driver,
                                                           const std::optional<std::string>& user,
                                                           const std::optional<std::string>& password);

} // namespace stagegate
