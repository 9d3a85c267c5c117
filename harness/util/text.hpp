#pragma once

#include <chrono>
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

// Returns the duration `text` names: a whole number with a unit, "500ms", "90s", "15m", "1h",
// or a bare number of seconds; nothing for anything else, zero, or more than a week.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

} // namespace stagegate
