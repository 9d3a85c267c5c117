#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stagegate/driver.hpp"
#include "util/redactor.hpp"

namespace stagegate {

// One field that differs between two configs, as their driver reads them.
struct FieldChange {
    std::string field; // "host", "port", "database", "user", "TLS", a parameter key, "host (destination 2)"
    std::optional<std::string> before; // nothing when the old config does not set it; secrets masked
    std::optional<std::string> after;  // nothing when the new config does not set it; secrets masked
    bool identity = false;    // host, port, database, user or TLS mode: what decides where the client lands and as whom
    bool secret = false;      // values are never shown, only whether they changed
    std::size_t distance = 0; // edit distance between the values when both are set (0 for secrets)
    std::string note;         // "edit distance 1", "value differs only by a trailing space", "weaker: ...", or ""
};

struct ConfigDiff {
    std::string driver;               // the driver that read both
    std::vector<FieldChange> changes; // only fields that differ, identity fields first, then in the client's order
    std::vector<std::string> warnings_before; // the driver's weak-setting warnings, as the driver wrote them
    std::vector<std::string> warnings_after;
    bool same() const { return changes.empty(); }
};

// Returns the name of the first driver, in registry order, that recognises `text` as its own
// (Driver::recognises): today jdbc:postgresql and postgresql:// URIs libpq, jdbc:mysql,
// jdbc:mariadb, mysql://, mariadb://, tcp:// and unix:// mysqlcppconn, a scheme followed by
// key=value pairs (postgresql://host=...) or sqlite3:// soci, other key=value strings libpq.
// Nothing when no driver does (no scheme, no '=').
std::optional<std::string> guess_driver(std::string_view text);

// Compares two candidate strings read by `driver`, field by field. The port is the one the client
// uses (its default when the string names none), so writing the default port out is no change.
// Secrets never appear in the result: a changed password is "********" on both sides, never its
// value, length or distance.
ConfigDiff diff_configs(const Driver& driver, const ParsedCandidate& before, const ParsedCandidate& after);

// Renders a diff for people ("* host: db-primary.internal → db-prmary.internal (edit distance 1)"),
// invisible characters made visible, and as JSON (format "stagegate-diff/1", docs/diff.md). Every
// line passes through `redactor` as a second guard.
std::string diff_text(const ConfigDiff& diff, const Redactor& redactor);
std::string diff_json(const ConfigDiff& diff, const Redactor& redactor);

} // namespace stagegate
