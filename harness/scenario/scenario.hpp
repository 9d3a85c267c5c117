#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "stagegate/failure.hpp"

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

struct Database {
    std::filesystem::path folder; // of the scenario file (the docker provider looks for docker-compose.yml there)
    Engine engine = Engine::postgres;
    ProviderKind provider = ProviderKind::local;
    std::vector<HostName> answers_as;
    std::vector<std::pair<std::string, std::string>> settings;
    std::vector<SetupStep> setup;
};

struct Check {
    enum class Kind { connect, query };
    Kind kind = Kind::connect;
    int within_ms = 0;                       // connect: the login must finish within this
    std::string sql;                         // query
    std::optional<long> expect_rows;         // query: exact number of rows
    std::optional<std::string> expect_value; // query: first column of the first row
    int timeout_ms = 10000;                  // query: statement deadline
    SourceMark mark;

    // Returns a short label: "connect" or "query: SELECT ...".
    std::string label() const;
};

struct Expectation {
    bool pass = true;
    Category category = Category::server; // when !pass: the category of the first failing step

    // Returns "pass" or "fail:<category>".
    std::string to_string() const;
};

// Where the candidate string comes from: the scenario itself or the application's config file.
struct CandidateSource {
    std::optional<std::string> url;
    std::filesystem::path file; // `from.file`, resolved against the scenario's folder
    std::string key;            // `from.key`
    SourceMark mark;
};

struct Candidate {
    std::string name;
    std::string driver;
    CandidateSource source;
    Expectation expect;
    std::vector<Check> checks; // always starts with a connect check
    SourceMark mark;
};

struct Scenario {
    std::filesystem::path file;
    std::string name;
    Database database;
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
