#pragma once

// What the conformance suite needs to know about each driver: how it writes a candidate, which
// logins and options it uses, which TLS modes it has and how they behave against a server
// without TLS. One context per driver and engine; the table of cells is the same for all.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "run/outcome.hpp"
#include "scenario/scenario.hpp"
#include "stagegate/driver.hpp"

namespace stagegate::test {

inline constexpr const char* k_conformance_host = "db-primary.staging.internal";

// A user name and password a candidate logs in with.
struct Login {
    std::string user;
    std::string password;
};

// What a candidate names, before a client writes it in its own syntax.
struct CandidateSpec {
    std::string host = k_conformance_host;
    std::optional<int> port; // empty: the string names no port
    std::string database = "users";
    Login login;
    std::vector<std::pair<std::string, std::string>> options; // in the client's own spelling
};

// How a TLS mode of a client behaves against a server that has no TLS.
struct TlsMode {
    std::string mode;                   // as the client spells it
    std::optional<Category> fails_with; // empty: connects in plaintext and reports tls "none"
    std::string says;                   // a part of the outcome's message
};

// Where a context's candidates are sent: the scenario's database and the real server.
struct Target {
    const Database* database = nullptr;
    Route route;
};

struct DriverContext {
    std::string name;   // "libpq", "soci:postgresql", "mysqlcppconn", "soci:mysql"
    std::string driver; // the `driver:` name candidates use
    Engine engine = Engine::postgres;
    int default_port = 0;                                  // the port the client uses when the string names none
    std::string (*write)(const CandidateSpec&);            // the candidate string in the client's form
    Target (*target)();                                    // the shared live server (started on first use)
    Login app;                                             // may read and write users.accounts
    Login reader;                                          // may enter users, may not read accounts
    Login sees_every_database;                             // is told when a database does not exist
    bool decodes_percent = false;                          // reads %40 in a password as @ (URI forms)
    std::string (*written_password)(const std::string&);   // how the client's form carries a password
    std::pair<std::string, std::string> misspelled_option; // conect_timeout in the client's spelling
    std::string misspelled_option_says;                    // what the client says about it
    std::string tls_option;                                // the option that sets the TLS mode; empty: none
    std::vector<TlsMode> tls_modes;                        // every mode the client has
    std::string without_tls_modes;                         // why the client has none (tls_modes is then empty)

    // Returns the candidate that logs in as app to users on the engine's port.
    CandidateSpec app_spec() const {
        CandidateSpec spec;
        spec.port = default_port;
        spec.login = app;
        return spec;
    }
};

// Returns a candidate of `context`'s driver for `spec`, with a plain connect check followed by
// `queries`, expected to fail with `fails_with` (to pass when empty).
Candidate candidate_for(const DriverContext& context, const CandidateSpec& spec, std::vector<Check> queries = {},
                        std::optional<Category> fails_with = {});

// Tries `candidate` the way a run does (run_candidate) against the scenario `database` whose server
// listens at `route`.
CandidateOutcome try_candidate(const Candidate& candidate, const Database& database, const Route& route);

// Tries `candidate` against `context`'s live server.
CandidateOutcome try_candidate(const DriverContext& context, const Candidate& candidate);

// Returns whether `text` contains `part`.
bool contains(std::string_view text, std::string_view part);

// Returns the contexts of every driver the suite runs: libpq, soci:postgresql, mysqlcppconn,
// soci:mysql.
const std::vector<DriverContext>& driver_contexts();

// Returns the context named `name` (fails the test when there is none).
const DriverContext& driver_context(std::string_view name);

} // namespace stagegate::test
