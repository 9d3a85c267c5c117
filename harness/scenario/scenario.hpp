#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "stagegate/failure.hpp"
#include "util/pattern.hpp"

namespace stagegate {

// A position in a scenario file, 1-based, for messages ("users.yaml:12:5").
struct SourceMark {
    std::string file;
    int line = 0;
    int column = 0;

    // Returns "file:line:col".
    std::string to_string() const;
};

enum class Engine { postgres, mariadb, mysql, sqlite };
enum class ProviderKind { local, docker };

// Returns the name scenarios use: "postgres", "mariadb", "mysql", "sqlite".
std::string_view to_string(Engine engine);
// Returns the name scenarios use: "local", "docker".
std::string_view to_string(ProviderKind provider);
// Returns the protocol candidates must speak to reach `engine` ("postgresql", "mysql", "sqlite3").
std::string_view protocol_of(Engine engine);
// Returns the port a client uses when a string names none (0 for sqlite).
int default_port(Engine engine);

// A host[:port] the disposable database answers as (for sqlite: a database file path).
struct HostName {
    std::string host;
    int port = 0;
    SourceMark mark;
};

struct SetupStep {
    std::string sql;      // the statements (read from the file for `file:` steps)
    std::string database; // where to run them; empty = the engine's default database
    std::string origin;   // "sql" or the file path, for messages
    SourceMark mark;
};

using Settings = std::vector<std::pair<std::string, std::string>>;

// The certificate a TLS-enabled twin presents (database.tls.certificate).
enum class CertificateKind { valid, wrong_name, expired, self_signed };

// Returns the name scenarios use: "valid", "wrong-name", "expired", "self-signed".
std::string_view to_string(CertificateKind choice);

// database.tls: the twin serves TLS with a certificate from a throwaway CA made for the run.
struct TlsSetup {
    bool enabled = false;
    CertificateKind certificate = CertificateKind::valid;
    bool clients_must_verify = false; // candidates that do not check the certificate's name fail as `tls`
    SourceMark mark;
};

// database.access, or an access step of the maintenance: who may log in, and how.
struct AccessRules {
    bool require_tls = false;     // postgres: hostnossl reject; mariadb/mysql: require_secure_transport
    std::vector<std::string> hba; // postgres only: pg_hba.conf lines, first match wins
    SourceMark mark;

    bool empty() const { return !require_tls && hba.empty(); }
};

struct Database {
    std::filesystem::path folder; // of the scenario file (the docker provider looks for docker-compose.yml there)
    Engine engine = Engine::postgres;
    ProviderKind provider = ProviderKind::local;
    std::vector<HostName> answers_as;
    // Names staging has whose server does not answer (a dead primary, a firewalled replica): a
    // client connecting there gets no reply until its own timeout, as from a blackholed host.
    std::vector<HostName> unreachable;
    Settings settings;
    std::vector<SourceMark> setting_marks; // one per setting: where the name is, for messages
    TlsSetup tls;
    std::vector<std::string> certificate_names; // hosts of answers_as, also those maintenance moves to
    AccessRules access;
    std::vector<SetupStep> setup;
};

// One step of a planned change, applied to the running twin between the before and after phases.
struct MaintenanceStep {
    enum class Kind { sql, settings, access, answers_as };
    Kind kind = Kind::sql;
    SetupStep sql;     // sql: the statements and their database
    Settings settings; // settings: applied with a reload or a restart, as each requires
    std::vector<SourceMark> setting_marks;
    AccessRules access;               // access: replaces database.access
    std::vector<HostName> answers_as; // answers_as: the names and ports the database answers as from now on
    SourceMark mark;

    // Returns a short label for reports: "sql: ALTER ROLE app ...", "settings: port, ssl".
    std::string label() const;
};

// A privilege a candidate's role must have (or must not have) on a table or database.
struct PrivilegeRule {
    std::string privilege; // SELECT, INSERT, UPDATE, DELETE (tables) or CONNECT (databases)
    std::string object;    // table (optionally schema-qualified) or database name
    bool allowed = true;
};

// The kinds of check a candidate can have, one struct each: its fields and `k_keyword`, the word
// a scenario writes for it (docs/scenario-format.md, "checks"). A new kind is a new alternative of
// Check::Spec; the compiler then names every place that has to handle it (docs/CONTRIBUTING.md,
// "Adding a check kind").

// connect: the login, which opens the session every later check runs in.
struct ConnectCheck {
    static constexpr std::string_view k_keyword = "connect";
    int within_ms = 0; // the login must finish within this; 0: the default deadline
};

// query: a statement, and what its result must be.
struct QueryCheck {
    static constexpr std::string_view k_keyword = "query";
    std::string sql;
    std::optional<long> expect_rows;                                  // exact number of rows
    std::optional<std::string> expect_value;                          // first column of the first row
    std::optional<Pattern> expect_match;                              // a regular expression the first value must match
    std::optional<std::vector<std::vector<std::string>>> expect_data; // every row, every column
};

// tls: the session is encrypted.
struct TlsCheck {
    static constexpr std::string_view k_keyword = "tls";
    std::optional<std::string> min_version; // lowest acceptable protocol version (TLSv1.2)
};

// setting: a server setting has a value.
struct SettingCheck {
    static constexpr std::string_view k_keyword = "setting";
    std::string name; // the server setting
    std::optional<std::string> equals;
    std::optional<double> at_least;
    std::optional<double> at_most;
};

// privileges: the candidate's account has, or lacks, each privilege.
struct PrivilegesCheck {
    static constexpr std::string_view k_keyword = "privileges";
    std::vector<PrivilegeRule> privileges;
};

// read_write: the session accepts writes, or is read-only.
struct ReadWriteCheck {
    static constexpr std::string_view k_keyword = "read_write";
    bool writable = true; // true: must accept writes; false: must be read-only
};

// identity: the session lands where another candidate's does.
struct IdentityCheck {
    static constexpr std::string_view k_keyword = "identity";
    std::string same_as; // the reference candidate
};

// pool: sessions at once, and room for more.
struct PoolCheck {
    static constexpr std::string_view k_keyword = "pool";
    int size = 0;     // concurrent sessions
    int headroom = 0; // connections that must stay free beyond `size`
};

struct Check {
    using Spec = std::variant<ConnectCheck, QueryCheck, TlsCheck, SettingCheck, PrivilegesCheck, ReadWriteCheck,
                              IdentityCheck, PoolCheck>;
    Spec spec;              // the kind and its fields; connect by default
    int timeout_ms = 10000; // statement deadline of every check after connect
    SourceMark mark;

    // Returns the check's fields if it is a `Kind`, or nullptr if it is of another kind.
    template <class Kind> const Kind* as() const { return std::get_if<Kind>(&spec); }
    // Returns a short label: "connect", "query: SELECT ...", "tls", "setting: max_connections", ...
    std::string label() const;
    // Returns the layer the check verifies, for reports: "login", "data", "authorization", ...
    std::string_view layer() const;
};

// Calls `visit(std::type_identity<Kind>{})` for each kind of check, in the order of Check::Spec.
template <class Visit> void for_each_check_kind(Visit&& visit) {
    [&]<class... Kinds>(std::type_identity<std::variant<Kinds...>>) {
        (visit(std::type_identity<Kinds>{}), ...);
    }(std::type_identity<Check::Spec>{});
}

struct Expectation {
    bool pass = true;
    Category category = Category::server; // when !pass: the category of the first failing step

    // Returns "pass" or "fail:<category>".
    std::string to_string() const;

    // The verdict: returns true when an outcome meets the expectation, that is when the candidate
    // passed as expected, or when its first failing step (`failure`) has the expected category.
    bool met_by(std::optional<Category> failure) const { return failure ? !pass && category == *failure : pass; }
};

// Where the candidate string comes from: the scenario itself or the application's config file.
struct CandidateSource {
    std::optional<std::string> url;
    std::filesystem::path file;    // `from.file`, resolved against the scenario's folder
    std::string format;            // the config loader: `from.format`, or the one the file name chooses
    bool format_from_name = false; // the file name chose it (config_loader_for)
    std::string key;               // `from.key`: the key holding the whole string
    // `from.keys`: parts of the string from separate keys (url, host, port, user, password, database)
    std::vector<std::pair<std::string, std::string>> parts;
    std::string service; // `from.service`: a PostgreSQL service name, looked up in `file` by libpq
    SourceMark mark;
};

// When a candidate is tried in a scenario with maintenance, and what is expected each time.
struct Phases {
    std::optional<Expectation> before; // tried before the maintenance steps
    std::optional<Expectation> after;  // tried after them
};

struct Candidate {
    std::string name;
    std::string driver;
    CandidateSource source;
    Expectation expect;        // without maintenance
    Phases phases;             // with maintenance (a plain `expect` means after only)
    std::vector<Check> checks; // always starts with a connect check
    SourceMark mark;
};

// How candidates see the machine's client configuration: ignored (the default), or used.
enum class ClientEnvironment { isolated, machine };

struct Scenario {
    std::filesystem::path file;
    std::string name;
    Database database;
    std::vector<MaintenanceStep> maintenance; // empty: a single phase
    SourceMark maintenance_mark;
    ClientEnvironment client_environment = ClientEnvironment::isolated;
    std::vector<Candidate> candidates;
    std::vector<std::string> secrets; // values interpolated from secret-looking variables
};

// A problem with a scenario file: where, and what to do about it. Rendered on one line.
struct ScenarioError {
    SourceMark mark;
    std::string message;

    // Returns "file:line:col: error: message".
    std::string to_string() const;
};

} // namespace stagegate
