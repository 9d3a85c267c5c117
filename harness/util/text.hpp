#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stagegate/spelling.hpp"

namespace stagegate {

// Returns `items` joined by `separator`.
std::string join(std::span<const std::string> items, std::string_view separator);

// Returns `text` without leading and trailing whitespace.
std::string_view trim(std::string_view text);

// Returns `text` percent-encoded the way URIs need it (unreserved characters kept).
std::string percent_encode(std::string_view text, bool upper_hex = true);

// Returns `text` as an SQL string literal: quotes doubled, and backslashes doubled too where the
// server reads them as escapes (MariaDB and MySQL by default; not PostgreSQL or SQLite).
std::string sql_literal(std::string_view text, bool backslash_escapes);

// Returns `text` escaped for XML: & < > " ' always, a carriage return as &#13;, and in an
// attribute value (`attribute`) line feeds and tabs as references too, which parsers would
// otherwise turn into spaces. Characters XML cannot carry are the caller's to remove.
std::string xml_escaped(std::string_view text, bool attribute = false);
// Returns `text` with the characters XML 1.0 forbids dropped and invalid UTF-8 replaced by U+FFFD.
std::string xml_sanitized(std::string_view text);

// Returns `bytes` in base64: the standard alphabet (+ /) or the URL-safe one (- _), with or
// without '=' padding.
std::string base64_encode(std::string_view bytes, bool url_safe = false, bool pad = true);

// Returns the bytes `text` encodes in base64, either alphabet, padded or not; nothing when `text`
// holds anything else or its length cannot be base64's.
std::optional<std::string> base64_decode(std::string_view text);

// Returns `text` fit to print as one line of a log read by people and by CI runners: C0 and C1
// control characters, DEL and invisible or direction-changing characters (U+200B..U+200F,
// U+2028/U+2029, U+202A..U+202E, U+2060..U+2064, U+2066..U+2069, U+FEFF) become `\u200b`-style
// escapes (a line feed `\n`, a tab `\t`, a carriage return `\r`), bytes that are not UTF-8
// become `\xff`; and a line that would start a CI workflow command (`::` after leading blanks, as
// GitHub reads them) or hold an old-style `##[` command has that ':' or '#' escaped as `\u003a` or
// `\u0023`. Backslashes are kept as they are.
std::string printable_line(std::string_view text);

// Returns the duration `text` names: a whole number with a unit, "500ms", "90s", "15m", "1h",
// or a bare number of seconds; nothing for anything else, zero, or more than a week.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

} // namespace stagegate
