#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "stagegate/driver.hpp"

namespace sql {
class Connection;
}

namespace stagegate::mysql {

// Returns the MySQL Connector/C++ 1.1 driver (stateless, shared).
const Driver& driver();

// Why the client reported an error: decides how an unknown error number is read.
enum class Phase { connect, statement };

// Classifies a MySQL/MariaDB client or server error by SQLSTATE class first, then by error
// number (1045 auth, 1049 no-database, 2002/2003 refused, 2005 dns, 2013 timeout, 2026 tls,
// ...). Shared with SOCI's mysql backend, which reports the same numbers.
Failure classify(int code, std::string_view sqlstate, std::string_view message, Phase phase);

// Returns the hint a person needs for `category` when a MySQL client reported it.
std::string hint_for(Category category);

// Reads mysql://, mariadb://, tcp:// and unix:// candidate strings (docs/drivers.md).
Result<ParsedCandidate> parse_url(std::string_view text);

// Returns where parse_url reads each value of `text`, or nothing when it has no scheme.
std::optional<StringLayout> url_layout(std::string_view text);

// Writes `composition` as a mysql:// URL, or tcp:// for a localhost reached over TCP
// (Driver::compose); fails without a host.
Result<ComposedString> compose_url(const Composition& composition);

// Wraps an established Connector/C++ connection as a Session (TLS state read once). `owner`
// logs in as the same account when a statement must be ended from outside (KILL QUERY).
std::unique_ptr<Session> make_session(std::unique_ptr<sql::Connection> connection, AdminLogin owner);

// Returns server variable `name` through `session` (SHOW GLOBAL VARIABLES); a name that is not
// an identifier fails as `query` without reaching the server.
Result<std::string> read_variable(Session& session, std::string_view name, const Deadline& deadline);

// Returns the server's version, `@@hostname:@@port` and whether it is read-only, through `session`.
Result<ServerIdentity> read_identity(Session& session, const Deadline& deadline);

// Opens a superuser session through MariaDB's C client, with multi-statement scripts allowed.
Result<std::unique_ptr<Session>> connect_admin_session(const AdminLogin& login, const Deadline& deadline);

// Ends the statement that connection `id` runs (KILL QUERY), through a second login as `owner`
// (an account may end its own statements); does nothing when that login fails.
void kill_query(const AdminLogin& owner, const std::string& id);

} // namespace stagegate::mysql
