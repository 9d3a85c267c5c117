#pragma once

#include <expected>
#include <string>
#include <vector>

#include "stagegate/driver.hpp"

namespace stagegate {

// One deliberate mistake in a passing candidate string: the kind of typo real edits make.
struct Mutant {
    std::string kind;        // stable id: "host-drop", "host-double", "host-swap", "user-drop", ..., "port-plus-one",
                             // "port-minus-one", "port-transpose", "password-wrong", "tls-downgrade",
                             // "param-misspelled", "trailing-space", "invisible-char", "scheme-typo"
    std::string field;       // what was touched: "host", "user", "database", "port", "password", the TLS key as
                             // written ("sslmode", "ssl-mode", "sslca"), the misspelled key, "string" or "scheme"
    std::string description; // one line, secrets masked: "host db-primary.internal → db-prmary.internal"
    std::string text;        // the mutated string, exactly as it would ship (contains the secret: never print it)
    std::string catches;     // the check that would catch it if it survives: one line of advice
};

// Returns the mutants of `text` (which `driver` reads as `parsed`), in a stable order, each one
// different from `text` and from each other. A string whose values the driver cannot place
// (Driver::layout) gets none. Fails with one line when the driver places no values at all (it
// lacks Capability::string_layout): its strings have no mutants, and the caller says so.
//
// Each mutant edits the text where the client reads the value (percent escapes and backslash
// escapes stay whole), so it differs from `text` by exactly one typo; a value whose place in the
// text is not certain (written twice, or only in a service file) gets no mutant. Mutants may be
// strings the client refuses: those are mistakes a scenario catches too.
//
// In order, for libpq (URI and keyword/value), mysqlcppconn (mysql://, mariadb://, tcp://,
// unix://) and SOCI (postgresql://, mysql://, sqlite3://):
// - host, then user, then database: -drop, -double, -swap at one position: the first vowel after
//   the value's first character, or the middle character when there is none; -swap exchanges it
//   with the letter or digit before it, else with the character after it (never two equal
//   characters). Of a host list only the first host is touched.
//   "db-primary" → "db-prmary", "db-priimary", "db-pirmary"; "db.internal" → "db.niternal".
// - port (only when the string names one; the first of a list): +1, -1, and the first two adjacent
//   different digits swapped (5432 → 4532).
// - password-wrong: the last letter or digit moved on by one (a→b, z→a, 9→0); never described.
// - tls-downgrade, one step: libpq sslmode verify-full|verify-ca → require → prefer → disable
//   (allow → disable), sslmode=disable added when the string sets none; mysqlcppconn ssl-mode
//   VERIFY_IDENTITY|VERIFY_CA → REQUIRED → PREFERRED → DISABLED (in the string's letter case),
//   ssl-mode=DISABLED added when it sets none but sets ssl-ca, ssl-capath, ssl-cert or ssl-key
//   (without them this client asks for no TLS anyway); SOCI mysql: its only TLS key (sslca or
//   sslcert) removed.
// - param-misspelled: the first parameter written in the text that is not an identity (host,
//   address, port, user, database, password), a secret or the TLS key: one letter of its name's
//   first doubled pair dropped, else its first vowel after the first character
//   (connect_timeout → conect_timeout).
// - trailing-space after the whole string; invisible-char: U+200B at the end of the host's first
//   label; scheme-typo: the scheme's (SOCI: the backend's) last two characters swapped (mysql → myslq).
std::expected<std::vector<Mutant>, std::string> mutate(const Driver& driver, const ParsedCandidate& parsed,
                                                       const std::string& text);

} // namespace stagegate
