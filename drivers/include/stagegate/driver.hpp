#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stagegate/deadline.hpp"
#include "stagegate/failure.hpp"
#include "stagegate/string_layout.hpp"

namespace stagegate {

// What a driver can do. A closed enum: every driver answers each one in a switch without a
// default, so adding a capability forces every driver to decide.
enum class Capability {
    keyword_value_strings, // reads `key=value` strings
    uri_strings,           // reads scheme://user@host/db URIs
    multi_host,            // one string may name several hosts tried in order
    tls_in_use,            // can tell whether the session negotiated TLS
    server_settings,       // can read server settings back
    deadline_connect,      // connects without blocking, so the harness deadline is exact
    service_files,         // reads PostgreSQL service files (service=NAME, PGSERVICEFILE)
    string_layout,         // says where each value stands in its strings (layout(), for drill's mutants)
};

// One parameter of a candidate as the client read it.
struct Parameter {
    std::string key;
    std::string value;
    bool secret = false; // passwords: never shown, registered for redaction
};

// One destination a candidate names, as the client would try it.
struct Endpoint {
    std::string host;     // name, address or unix-socket directory; empty = client default
    std::string hostaddr; // numeric address given by the candidate, if any
    std::optional<int> port;
    bool unix_socket = false;
    bool file = false; // an SQLite database file: `host` holds its path
};

// How strongly a string protects its session, whatever its client calls the setting.
enum class TlsIntent {
    not_applicable, // nothing travels over a network (an SQLite file)
    none,           // TLS off
    opportunistic,  // TLS when the server offers it, plaintext otherwise; the server is not verified
    encrypted,      // TLS required; the server is not verified
    verify_ca,      // the certificate's chain is checked, not its name
    verify_full,    // the chain and the host name are checked
};

// A candidate string read the way its client reads it.
struct ParsedCandidate {
    std::string form;                  // "uri", "keyword/value", "tcp://", "unix://", ...
    std::string protocol;              // what the string speaks: "postgresql", "mysql" or "sqlite3"
    std::vector<Parameter> parameters; // only those the string sets, in the client's order
    std::vector<Endpoint> endpoints;   // in the order the client tries them
    int default_port = 0;
    std::vector<std::string> warnings; // weak or suspicious settings, one line each
    TlsIntent tls = TlsIntent::not_applicable;
    std::string tls_setting;          // how the string says so, for messages: "sslmode=require"
    std::vector<std::string> secrets; // every secret value found in the string

    // Returns the value of `key` when the string sets it.
    std::optional<std::string> get(std::string_view key) const;
};

// What a driver's strings call the fields people compare between two configs (`diff`) and the
// fields stagegate writes when it composes a string (`compose`: JDBC URLs, separate keys), for
// one protocol it speaks.
struct FieldKeys {
    std::string_view database;    // the key naming the database
    std::string_view tls_mode;    // the key naming the TLS mode, "" when the client has none
    std::string_view tls_default; // the mode the client uses when the key is absent, "" when it names none
    // The keys the identity fields (host, port, database, user, TLS mode) already show; other
    // parameters are compared one by one.
    std::array<std::string_view, 6> identity;
    std::string_view connect_timeout; // whole seconds to connect, "" when the client has no such key
    std::string_view read_timeout;    // whole seconds a read may wait, "" when the client has no such key
    std::string_view write_timeout;   // whole seconds a write may wait, "" when the client has no such key
    // Who reads the options of these strings, for messages: the driver's name, or the client it
    // hands them to (SOCI's postgresql backend: libpq).
    std::string_view option_reader;
};

// One part of a string composed from separate settings (Driver::compose). `key` is host, port,
// user, password, database or service, or an option spelled as the driver's strings of that
// protocol spell it (FieldKeys); `value` is plain: the driver quotes or encodes it.
struct ComposedPart {
    std::string key;
    std::string value;
};

// A string to compose from separate settings: a JDBC URL's parts, or a config file's keys.
struct Composition {
    std::string protocol;            // one of the driver's protocols()
    std::vector<ComposedPart> parts; // in the order the string writes them
    // A host named localhost is reached over TCP, as the Java drivers read it, not through the
    // local socket some clients take that name for.
    bool localhost_over_tcp = false;
};

// A composed string, and what a person reading the translation should know about how it was
// written (one line each: "localhost -> tcp://localhost (...)").
struct ComposedString {
    std::string text;
    std::vector<std::string> notes;
};

// Where the harness sends one endpoint of a candidate: the real address and port of the
// throwaway server that answers for the name the candidate uses.
struct Route {
    std::string address;
    int port = 0;
};

// A superuser login to a server the harness itself started.
struct AdminLogin {
    std::string protocol; // "postgresql", "mysql" or "sqlite3" (drivers that speak several)
    std::string address;  // IP address, or the database file for sqlite3
    int port = 0;
    std::string user;
    std::string password;
    std::string database;
    bool tls = false; // encrypt the login (without verifying the server): the server refuses plaintext
};

struct TlsState {
    bool in_use = false;
    std::string version; // e.g. TLSv1.3, empty without TLS
    std::string cipher;
};

struct ServerIdentity {
    std::string version;
    std::string server_id; // what tells two servers apart (system identifier, server_uuid, file)
    bool read_only = false;
};

struct QueryResult {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;
};

// A live connection. Every call that talks to the server takes a deadline and fails with
// category `timeout` when it passes (the statement is cancelled first).
class Session {
  public:
    virtual ~Session() = default;
    // Runs `sql` (one or more statements); returns the last result set or a failure.
    virtual Result<QueryResult> execute(std::string_view sql, const Deadline& deadline) = 0;
    // Returns the current value of server setting `name`.
    virtual Result<std::string> setting(std::string_view name, const Deadline& deadline) = 0;
    // Returns what TLS the session actually negotiated (not what was asked for).
    virtual TlsState tls() const = 0;
    // Returns the server's version and whether the session is read-only.
    virtual Result<ServerIdentity> identity(const Deadline& deadline) = 0;
};

// A client library. Stateless: one shared instance per client, safe to use from any thread.
// Clients read defaults from their own environment variables (libpq: PG*); the process that
// uses a driver removes them first (harness/util/environment.hpp), so a candidate is read
// exactly as written.
class Driver {
  public:
    virtual ~Driver() = default;
    // Returns the name candidates use in `driver:` (libpq, mysqlcppconn, soci).
    virtual std::string_view name() const = 0;
    // Returns the version of the client library linked in.
    virtual std::string client_version() const = 0;
    // Returns whether this driver can do `capability`.
    virtual bool has(Capability capability) const = 0;
    // Returns the protocols it can speak: "postgresql", "mysql", "sqlite3".
    virtual std::span<const std::string_view> protocols() const = 0;
    // Returns what its strings of `protocol` (one of protocols()) call the compared fields.
    virtual FieldKeys field_keys(std::string_view protocol) const = 0;
    // Reads `text` exactly as the client would; fails with category `config` and the
    // client's own reason when the client would refuse it. Never touches the network.
    virtual Result<ParsedCandidate> parse(std::string_view text) const = 0;
    // Returns the protocol `text` speaks when it has the shape of this driver's own strings (or
    // is a JDBC URL this driver is the native client for), without reading it whole; nothing
    // otherwise. The drivers' shapes do not overlap: `diff` guesses the driver of a string that
    // names none by asking each driver in registry order.
    virtual std::optional<std::string_view> recognises(std::string_view text) const = 0;
    // Returns where each value stands in `text` as the client reads it (what `drill` edits), or
    // nothing when the text has a shape the driver does not place, and always nothing for a
    // driver without Capability::string_layout.
    virtual std::optional<StringLayout> layout(std::string_view text) const = 0;
    // Writes `composition` as the string this client reads for its protocol, each value quoted
    // or encoded as the client reads it. Fails with `config` and one line when the client cannot
    // take a value or a part, or composes no string of that protocol.
    virtual Result<ComposedString> compose(const Composition& composition) const = 0;
    // Connects with the candidate's own parameters, each endpoint sent along `routes`
    // (same order as `candidate.endpoints`). Fails with a classified Failure.
    virtual Result<std::unique_ptr<Session>> connect(const ParsedCandidate& candidate, std::span<const Route> routes,
                                                     const Deadline& deadline) const = 0;
    // Connects as superuser to a server the harness started (readiness, setup steps).
    virtual Result<std::unique_ptr<Session>> connect_admin(const AdminLogin& login, const Deadline& deadline) const = 0;
};

// Returns the driver named `name`, or null.
const Driver* find_driver(std::string_view name);

// Returns every driver built in, in a stable order.
std::span<const Driver* const> all_drivers();

// Returns the names of every driver, for messages ("libpq, mysqlcppconn").
std::string driver_names();

// Returns whether `driver` speaks `protocol` ("postgresql", "mysql", "sqlite3").
bool speaks(const Driver& driver, std::string_view protocol);

// Returns the names of the drivers that speak `protocol`, joined by `separator`.
std::string driver_names_speaking(std::string_view protocol, std::string_view separator);

// Returns the names of the drivers that have `capability`, joined by `separator`.
std::string driver_names_with(Capability capability, std::string_view separator);

} // namespace stagegate
