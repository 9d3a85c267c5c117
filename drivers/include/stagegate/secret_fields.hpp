#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

// The password fields of connection strings, found even in strings no client would parse, so a
// message about a broken string never shows its password. Shared by the drivers (their parse
// failures) and the harness (the redactor learns these before any string is parsed).
namespace stagegate {

// Returns every text a password field of `text` may hold, as written and as a client decodes it,
// whether or not `text` parses:
// - URI userinfo: after the first ':' of what stands between `scheme://` and the LAST '@' of the
//   authority; with no '@', a port that is not a number (`postgresql://app:PW` names no host,
//   and a client reports PW as the port). Percent-decoded too.
// - key=value fields `password`, `passwd`, `pass`, `pwd`, `sslpassword` (any case) after a blank,
//   ';', '&', '?', ',', '{' or '(' (libpq and SOCI strings, URI and JDBC query parameters, ODBC):
//   a value in '...' or "..." (backslash-escaped or doubled quotes; unterminated: to the end) or
//   {...}, else up to a blank, ';' or '&', plus the words that follow up to the next key=value
//   (a client splitting an unquoted value at blanks or '&' quotes those words back).
// - Every piece of such a value between the characters `@ / ? # & , ; :` and blanks at which a
//   client may cut it (pieces of at least two characters), since messages quote such pieces.
// Never fails; may return more than the client would read as a password, never less.
std::vector<std::string> secret_fields(std::string_view text);

// A secret shorter than this is cut only where it stands as a whole token (not next to a letter
// or digit), so a password "ex" does not turn "expected" into "***pected".
inline constexpr std::size_t k_short_secret = 6;

// Returns `text` with every occurrence of each of `secrets`, in their order (longest first cuts a
// secret inside another whole), replaced by `mask`; short ones only as whole tokens.
std::string masked(std::string text, std::span<const std::string> secrets, std::string_view mask);

// Returns `message` with every secret field of `text` (longest first) replaced by "***".
std::string without_secret_fields(std::string message, std::string_view text);

} // namespace stagegate
