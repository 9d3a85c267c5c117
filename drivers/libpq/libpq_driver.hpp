#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

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

// Returns where libpq reads each value of `text` (a URI or a keyword/value string), or nothing
// when the text has no shape libpq reads.
std::optional<StringLayout> string_layout(std::string_view text);

// Returns the layout of the URI between `begin` and `end` of `text` (postgresql:// or
// postgres://), or nothing when that part is no such URI. SOCI's postgresql backend passes one on.
std::optional<StringLayout> uri_layout(std::string_view text, std::size_t begin, std::size_t end);

// Reads one keyword value at `at`: quoted '...' or up to a blank, a backslash escaping the next
// character; no further than `end`. Returns the value and where reading stopped.
std::pair<TextSpan, std::size_t> keyword_value(std::string_view text, std::size_t at, std::size_t end);

// Adds the keyword setting `key` = `value`, which ends at `end`, to `layout`.
void add_keyword(StringLayout& layout, const TextSpan& key, TextSpan value, std::size_t end);

// Returns how sslmode is weakened by one step, and added when the string sets none.
TlsDowngradeRules tls_downgrades();

// Returns `value` as libpq's keyword/value reader takes it (SOCI's mysql reader takes the same):
// single quotes, with \' and \\ inside, around a value that is empty or holds a blank, a quote or
// a backslash.
std::string keyword_quoted(const std::string& value);

// Returns the keyword `part` is written with: its own key, dbname for database.
std::string keyword_key(const ComposedPart& part);

// Writes `composition` as a keyword/value string (Driver::compose).
Result<ComposedString> compose_keywords(const Composition& composition);

} // namespace stagegate::libpq
