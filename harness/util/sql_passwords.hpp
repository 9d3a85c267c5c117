#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stagegate {

// Whose SQL: MariaDB and MySQL read backslash escapes in '...' and "...", "..." as a string and
// `#` as a comment; PostgreSQL (and SQLite) do neither.
enum class SqlDialect { mariadb, postgresql };

// Returns the passwords written into `sql` as literals, as written between the quotes and as the
// server reads them, so a server's error quoting the statement can be cut. `sql` is read with a
// lexer over SQL literals and comments, so any quoting the servers accept counts: '...' (doubled
// quotes, backslash escapes in MariaDB), "..." (a string in MariaDB), E'...', an introducer
// (N'...', _utf8mb4'...'), and PostgreSQL's $$...$$ and $tag$...$tag$; comments (--, #, /* */)
// are skipped. A literal is a password when it is the first literal after the word PASSWORD
// (`PASSWORD 'x'`, `PASSWORD('x')`, `SET PASSWORD FOR u = 'x'`, `USING PASSWORD('x')`, PostgreSQL's
// `OPTIONS (password 'x')`) or after BY in an IDENTIFIED clause (`IDENTIFIED BY 'x'`,
// `IDENTIFIED WITH plugin BY 'x'`). Never fails: an unterminated literal runs to the end.
std::vector<std::string> sql_passwords(std::string_view sql, SqlDialect dialect);

} // namespace stagegate
