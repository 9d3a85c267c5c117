#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "stagegate/driver.hpp"

namespace soci {
class session;
class soci_error;
} // namespace soci

namespace stagegate::soci_client {

// Returns the SOCI 4.0 driver (stateless, shared).
const Driver& driver();

// Why SOCI reported an error: decides how an error without a code is read.
enum class Phase { connect, statement };

// Classifies a SOCI error through the backend's own codes (SQLSTATE for postgresql, MySQL
// error numbers for mysql, SQLite result codes for sqlite3), SOCI's category as fallback.
Failure classify(const soci::soci_error& error, std::string_view backend, Phase phase);

// Reads `backend://backend-specific-string` the way SOCI 4.0 and its backend read it.
Result<ParsedCandidate> parse_soci(std::string_view text);

// Returns where SOCI and its backend read each value of `text`, or nothing for a backend or a
// shape it does not place.
std::optional<StringLayout> soci_layout(std::string_view text);

// Writes `composition` as postgresql:// or mysql:// followed by what that backend reads
// (Driver::compose); sqlite3 strings are not composed.
Result<ComposedString> compose_string(const Composition& composition);

// Returns the backend-specific string SOCI is opened with: the candidate's own parameters,
// with each endpoint sent along its route (same order as `candidate.endpoints`) and the
// connect timeout bounded by `timeout_seconds`.
std::string routed_string(const ParsedCandidate& candidate, std::span<const Route> routes, int timeout_seconds);

// Wraps an open SOCI session; `script_mode` lets execute() run multi-statement scripts
// (sqlite3 setup sessions; SOCI itself prepares only the first statement). `owner` logs in as
// the same account when a mysql statement must be ended from outside (KILL QUERY).
std::unique_ptr<Session> make_session(std::unique_ptr<soci::session> session, std::string backend, bool script_mode,
                                      AdminLogin owner);

} // namespace stagegate::soci_client
