#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "stagegate/driver.hpp"

namespace stagegate::libpq {

// Returns the libpq driver (stateless, shared).
const Driver& driver();

// Why libpq reported an error: decides how a SQLSTATE-less message is read.
enum class Phase { connect, statement };

// Classifies a libpq error by SQLSTATE first, then by libpq's own wording where libpq gives
// no SQLSTATE (client-side connect errors). Returns a Failure with a cleaned one-line message.
Failure classify(std::string_view sqlstate, std::string_view raw_message, Phase phase);

// Returns the SQLSTATE of a verbose libpq connection message ("FATAL:  28P01: ..."), or "".
std::string sqlstate_of(std::string_view verbose_message);

// Returns libpq's message reduced to one line: no "connection to server ... failed:" prefix,
// no severity, SQLSTATE or LOCATION parts; several attempts joined with "; ".
std::string one_line(std::string_view raw_message);

// Returns the hint a person needs for `category` when libpq reported it.
std::string hint_for(Category category);

struct ConnDeleter {
    void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

// Drives a started PGconn (PQconnectStart*) to completion within the deadline.
Result<ConnPtr> finish_connect(ConnPtr conn, const Deadline& deadline, std::string_view target);

// Wraps an established connection as a Session.
std::unique_ptr<Session> make_session(ConnPtr conn);

} // namespace stagegate::libpq
