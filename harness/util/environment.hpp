#pragma once

#include <optional>
#include <string>

namespace stagegate {

// Removes the client libraries' own variables (PG*, MYSQL_*, MARIADB_*, LIBMYSQL_*: PGPASSWORD,
// MYSQL_PWD, MARIADB_TLS_DISABLE_PEER_VERIFICATION, ...)
// from the process environment, so a candidate is read exactly as written and a verdict never
// depends on the machine it ran on. Their values stay readable through environment_value, for
// ${PG...} references in scenario files. Call once at start-up, before any thread starts.
// Files libpq would read from the machine (~/.pgpass, service files, ~/.postgresql/ certificates)
// are pointed at paths that cannot exist, unless a string names them itself.
void isolate_client_environment();

// Switches the process between the isolated client environment and the machine's own (the
// variables isolated at start-up restored, no stand-ins): for scenarios that opt in with
// `client_environment: machine`. Not thread-safe: call between candidates.
void use_machine_client_environment(bool machine);

// Returns the value `name` had at start-up (including the variables isolated above), or nothing.
std::optional<std::string> environment_value(const std::string& name);

} // namespace stagegate
