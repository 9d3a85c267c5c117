#pragma once

#include <optional>
#include <string>

#include "scenario/scenario.hpp"
#include "stagegate/driver.hpp"

namespace stagegate {

// The checks that run in a candidate's session after connect. Each returns nothing when the
// check passed, or the failure that decides the candidate. Engine-specific SQL lives here, so
// drivers stay free of check logic.

// query: runs the statement and compares rows, the first value, a pattern, or every value.
std::optional<Failure> check_query(const QueryCheck& check, Session& session, const Deadline& deadline);

// tls: the session negotiated TLS (at least `min_version`), whatever the string asked for.
std::optional<Failure> check_tls(const TlsCheck& check, const TlsState& tls);

// setting: the server setting equals, or is at least / at most, the scenario's value.
std::optional<Failure> check_setting(const SettingCheck& check, Session& session, const Deadline& deadline);

// privileges: the session's role has (or lacks) each privilege, asked of the server's catalog.
std::optional<Failure> check_privileges(const PrivilegesCheck& check, Engine engine, Session& session,
                                        const Deadline& deadline);

// read_write: the session accepts writes, or is read-only, as the scenario needs.
std::optional<Failure> check_read_write(const ReadWriteCheck& check, Session& session, const Deadline& deadline);

// Where a session landed: server address and port as the server sees them, and the database.
struct Whereabouts {
    std::string server;
    std::string database;
};

// Returns where `session` landed, asked of the server itself.
Result<Whereabouts> whereabouts(Engine engine, Session& session, const Deadline& deadline);

// What the server allows: max_connections, how many of them only superusers may use, and how
// many client sessions are open now.
struct Capacity {
    long max_connections = 0;
    long reserved = 0;
    long open = 0;
};

// Returns the server's capacity, asked through `session`.
Result<Capacity> capacity(Engine engine, Session& session, const Deadline& deadline);

} // namespace stagegate
