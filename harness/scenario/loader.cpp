#include "scenario/loader.hpp"

#include "scenario/config_file.hpp"
#include "scenario/interpolate.hpp"
#include "scenario/yaml_document.hpp"
#include "stagegate/driver.hpp"
#include "util/environment.hpp"
#include "util/input_file.hpp"
#include "util/overloaded.hpp"
#include "util/sql_passwords.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <set>
#include <sstream>

namespace stagegate {

std::string SourceMark::to_string() const {
    return fmt::format("{}:{}:{}", file, line, column);
}

std::string ScenarioError::to_string() const {
    return fmt::format("{}: error: {}", mark.to_string(), message);
}

std::string Expectation::to_string() const {
    return pass ? std::string("pass") : fmt::format("fail:{}", stagegate::to_string(category));
}

namespace {

// Returns `text` on one line, cut to `width` characters.
std::string one_line(std::string_view text, std::size_t width) {
    std::string out(trim(text));
    for (char& c : out) {
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
    }
    return out.size() > width ? out.substr(0, width - 3) + "..." : out;
}

} // namespace

std::string Check::label() const {
    return std::visit(
        Overloaded{
            [](const ConnectCheck&) -> std::string { return "connect"; },
            [](const QueryCheck& query) -> std::string { return "query: " + one_line(query.sql, 60); },
            [](const TlsCheck& tls) -> std::string {
                return tls.min_version ? "tls: at least " + *tls.min_version : "tls";
            },
            [](const SettingCheck& setting) -> std::string { return "setting: " + setting.name; },
            [](const PrivilegesCheck& check) -> std::string {
                std::vector<std::string> items;
                for (const auto& rule : check.privileges)
                    items.push_back(fmt::format("{}{} {}", rule.allowed ? "" : "no ", rule.privilege, rule.object));
                return "privileges: " + one_line(join(items, ", "), 60);
            },
            [](const ReadWriteCheck& check) -> std::string {
                return check.writable ? "read_write: writable" : "read_write: read-only";
            },
            [](const IdentityCheck& identity) -> std::string { return "identity: same server as " + identity.same_as; },
            [](const PoolCheck& pool) -> std::string {
                return fmt::format("pool: {} sessions{}", pool.size,
                                   pool.headroom > 0 ? fmt::format(", {} spare", pool.headroom) : "");
            },
        },
        spec);
}

std::string_view Check::layer() const {
    return std::visit(Overloaded{
                          [](const ConnectCheck&) { return std::string_view("network, TLS and login"); },
                          [](const QueryCheck&) { return std::string_view("data"); },
                          [](const TlsCheck&) { return std::string_view("transport encryption"); },
                          [](const SettingCheck&) { return std::string_view("server settings"); },
                          [](const PrivilegesCheck&) { return std::string_view("authorization"); },
                          [](const ReadWriteCheck&) { return std::string_view("server role (primary or read-only)"); },
                          [](const IdentityCheck&) { return std::string_view("which server and database"); },
                          [](const PoolCheck&) { return std::string_view("capacity"); },
                      },
                      spec);
}

std::string MaintenanceStep::label() const {
    switch (kind) {
    case Kind::sql:
        return "sql: " + one_line(sql.sql, 60);
    case Kind::settings: {
        std::vector<std::string> names;
        for (const auto& [name, value] : settings)
            names.push_back(name);
        return "settings: " + join(names, ", ");
    }
    case Kind::access: {
        std::vector<std::string> items;
        if (access.require_tls)
            items.emplace_back("require TLS");
        if (!access.hba.empty())
            items.push_back(fmt::format("{} rule{}", access.hba.size(), access.hba.size() == 1 ? "" : "s"));
        return "access: " + (items.empty() ? std::string("open") : join(items, ", "));
    }
    case Kind::answers_as: {
        std::vector<std::string> names;
        for (const auto& name : answers_as)
            names.push_back(fmt::format("{}:{}", name.host, name.port));
        return "answers_as: " + join(names, ", ");
    }
    }
    return "step";
}

std::string_view to_string(CertificateKind choice) {
    switch (choice) {
    case CertificateKind::valid:
        return "valid";
    case CertificateKind::wrong_name:
        return "wrong-name";
    case CertificateKind::expired:
        return "expired";
    case CertificateKind::self_signed:
        return "self-signed";
    }
    return "valid";
}

std::string_view to_string(Engine engine) {
    switch (engine) {
    case Engine::postgres:
        return "postgres";
    case Engine::mariadb:
        return "mariadb";
    case Engine::mysql:
        return "mysql";
    case Engine::sqlite:
        return "sqlite";
    }
    return "postgres";
}

std::string_view to_string(ProviderKind provider) {
    switch (provider) {
    case ProviderKind::local:
        return "local";
    case ProviderKind::docker:
        return "docker";
    }
    return "local";
}

std::string_view protocol_of(Engine engine) {
    switch (engine) {
    case Engine::postgres:
        return "postgresql";
    case Engine::mariadb:
    case Engine::mysql:
        return "mysql";
    case Engine::sqlite:
        return "sqlite3";
    }
    return "postgresql";
}

int default_port(Engine engine) {
    switch (engine) {
    case Engine::postgres:
        return 5432;
    case Engine::mariadb:
    case Engine::mysql:
        return 3306;
    case Engine::sqlite:
        return 0;
    }
    return 0;
}

Environment process_environment() {
    return [](const std::string& name) { return environment_value(name); };
}

namespace {

constexpr std::array<std::pair<std::string_view, Engine>, 4> k_engines{{{"postgres", Engine::postgres},
                                                                        {"mariadb", Engine::mariadb},
                                                                        {"mysql", Engine::mysql},
                                                                        {"sqlite", Engine::sqlite}}};
constexpr std::array<std::pair<std::string_view, ProviderKind>, 2> k_providers{
    {{"local", ProviderKind::local}, {"docker", ProviderKind::docker}}};

constexpr std::array<std::pair<std::string_view, ClientEnvironment>, 2> k_client_environments{
    {{"isolated", ClientEnvironment::isolated}, {"machine", ClientEnvironment::machine}}};
constexpr std::array<std::pair<std::string_view, CertificateKind>, 4> k_certificates{
    {{"valid", CertificateKind::valid},
     {"wrong-name", CertificateKind::wrong_name},
     {"expired", CertificateKind::expired},
     {"self-signed", CertificateKind::self_signed}}};
constexpr std::array<std::pair<std::string_view, bool>, 8> k_booleans{{{"true", true},
                                                                       {"false", false},
                                                                       {"yes", true},
                                                                       {"no", false},
                                                                       {"on", true},
                                                                       {"off", false},
                                                                       {"True", true},
                                                                       {"False", false}}};
constexpr std::array<std::pair<std::string_view, bool>, 2> k_read_write{{{"writable", true}, {"read-only", false}}};

// pg_hba.conf connection types and methods PostgreSQL 15 accepts (`local` is refused: the twin answers over TCP).
const std::vector<std::string> k_hba_types{"host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"};
const std::vector<std::string> k_hba_methods{"trust", "reject", "scram-sha-256", "md5",    "password", "gss", "sspi",
                                             "ident", "peer",   "ldap",          "radius", "cert",     "pam"};
// Settings that decide where the twin listens and keeps its files: stagegate's, not the scenario's.
const std::vector<std::string> k_owned_settings{
    "port",     "listen_addresses", "bind_address", "socket",     "unix_socket_directories", "data_directory",
    "datadir",  "config_file",      "hba_file",     "ident_file", "ssl_cert_file",           "ssl_key_file",
    "ssl_cert", "ssl_key",          "tmpdir",       "pid_file",   "external_pid_file",       "skip_networking"};
const std::vector<std::string> k_table_privileges{"SELECT", "INSERT", "UPDATE", "DELETE"};

const std::vector<std::string> k_parts{"url", "host", "port", "user", "password", "database"};

// Thrown inside the loader only; load_scenario turns it into a ScenarioError value.
struct Problem {
    ScenarioError error;
};

class Loader {
  public:
    Loader(std::filesystem::path file, const Environment& env) : m_file(std::move(file)), m_env(env) {}

    Scenario load(const YAML::Node& root) {
        Scenario scenario;
        scenario.file = m_file;
        if (!root.IsMap())
            throw problem(root, "", "a scenario file is a mapping with the keys scenario, database and candidates");
        auto top = keys_of(root, "", {"scenario", "database", "maintenance", "client_environment", "candidates"},
                           {"scenario", "database", "candidates"});
        scenario.name = string(root["scenario"], "scenario");
        if (trim(scenario.name).empty())
            throw problem(root["scenario"], "scenario", "the name is empty: give the scenario a name for its reports");
        scenario.database = database(root["database"], "database");
        if (top.contains("maintenance")) {
            scenario.maintenance_mark = mark_of(root["maintenance"]);
            scenario.maintenance = maintenance(root["maintenance"], "maintenance");
            m_maintenance = true;
        }
        certificate_names(scenario);
        if (top.contains("client_environment"))
            scenario.client_environment =
                one_of(root["client_environment"], "client_environment", k_client_environments);
        const YAML::Node& list = root["candidates"];
        require_sequence(list, "candidates", "a list of candidates (name, driver, url or from, expect, checks)");
        if (list.size() == 0)
            throw problem(list, "candidates", "the list is empty: name at least one candidate");
        std::set<std::string> names;
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string path = fmt::format("candidates[{}]", i);
            Candidate next = candidate(list[i], path);
            if (!names.insert(next.name).second)
                throw problem(list[i]["name"], path + ".name",
                              fmt::format("the name \"{}\" is used twice: candidate names must be unique", next.name));
            scenario.candidates.push_back(std::move(next));
        }
        check_references(scenario);
        scenario.secrets = std::move(m_secrets);
        return scenario;
    }

  private:
    SourceMark mark_of(const YAML::Node& node) const {
        const YAML::Mark mark = node.Mark();
        if (mark.is_null())
            return SourceMark{m_file.string(), 1, 1};
        return SourceMark{m_file.string(), mark.line + 1, mark.column + 1};
    }

    Problem problem(const YAML::Node& node, const std::string& path, const std::string& message) const {
        std::string where = path.empty() ? std::string() : path + ": ";
        return Problem{ScenarioError{mark_of(node), where + message}};
    }

    // Checks a mapping's keys: no duplicates, none unknown (with a suggestion), required ones present.
    std::set<std::string> keys_of(const YAML::Node& map, const std::string& path,
                                  const std::vector<std::string>& allowed, const std::vector<std::string>& required) {
        std::set<std::string> seen;
        for (auto it = map.begin(); it != map.end(); ++it) {
            std::string key = it->first.Scalar();
            std::string key_path = path.empty() ? key : path + "." + key;
            if (!seen.insert(key).second)
                throw problem(it->first, key_path, "duplicate key: each key may appear once in a mapping");
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
                std::string hint = did_you_mean(key, allowed);
                throw problem(it->first, key_path,
                              fmt::format("unknown key \"{}\"; {}allowed here: {}", key, hint.empty() ? "" : hint + " ",
                                          join(allowed, ", ")));
            }
        }
        for (const auto& key : required) {
            if (!seen.contains(key))
                throw problem(map, path, fmt::format("missing required key \"{}\"", key));
        }
        return seen;
    }

    void require_map(const YAML::Node& node, const std::string& path, const std::string& what) const {
        if (!node.IsMap())
            throw problem(node, path, "expected " + what);
    }

    void require_sequence(const YAML::Node& node, const std::string& path, const std::string& what) const {
        if (!node.IsSequence())
            throw problem(node, path, "expected " + what);
    }

    std::string string(const YAML::Node& node, const std::string& path) {
        if (!node.IsScalar())
            throw problem(node, path, "expected a text value");
        auto result = interpolate(node.Scalar(), m_env);
        if (!result)
            throw problem(node, path, result.error().message);
        if (result->text.find('\0') != std::string::npos)
            throw problem(node, path, "the value holds a NUL character (\\0), which no client can pass on: remove it");
        m_secrets.insert(m_secrets.end(), result->secrets.begin(), result->secrets.end());
        return result->text;
    }

    long integer(const YAML::Node& node, const std::string& path, long low, long high) {
        std::string text = string(node, path);
        long value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high)
            throw problem(node, path,
                          fmt::format("expected a whole number from {} to {}, got \"{}\"", low, high, text));
        return value;
    }

    Database database(const YAML::Node& node, const std::string& path) {
        require_map(node, path, "a mapping with engine, answers_as, unreachable, settings, tls, access and setup");
        auto keys = keys_of(node, path,
                            {"engine", "provider", "answers_as", "unreachable", "settings", "tls", "access", "setup",
                             "setup_files_from"},
                            {"engine", "answers_as"});
        Database db;
        db.folder = m_file.parent_path();
        db.engine = one_of(node["engine"], path + ".engine", k_engines);
        if (keys.contains("provider"))
            db.provider = one_of(node["provider"], path + ".provider", k_providers);
        if (db.engine == Engine::sqlite && db.provider != ProviderKind::local)
            throw problem(node["provider"], path + ".provider",
                          "an sqlite database is a local file: leave provider out (or write local)");
        if (db.engine == Engine::sqlite && keys.contains("settings"))
            throw problem(node["settings"], path + ".settings",
                          "sqlite has no server settings: set PRAGMAs in a setup step instead");
        for (const char* key : {"tls", "access"}) {
            if (db.engine == Engine::sqlite && keys.contains(key))
                throw problem(node[key], path + "." + key, fmt::format("an sqlite file has no {}: leave it out", key));
        }
        m_engine = db.engine;
        db.answers_as = m_engine == Engine::sqlite ? database_files(node["answers_as"], path + ".answers_as")
                                                   : answers_as(node["answers_as"], path + ".answers_as");
        if (keys.contains("unreachable")) {
            if (m_engine == Engine::sqlite)
                throw problem(node["unreachable"], path + ".unreachable",
                              "an sqlite database is a local file: it has no hosts to be unreachable");
            db.unreachable = answers_as(node["unreachable"], path + ".unreachable");
            std::set<std::pair<std::string, int>> live;
            for (const auto& name : db.answers_as)
                live.emplace(name.host, name.port);
            for (const auto& dead : db.unreachable)
                if (live.contains({dead.host, dead.port}))
                    throw problem(node["unreachable"], path + ".unreachable",
                                  fmt::format("{}:{} is also in answers_as: a name either answers or does not",
                                              dead.host, dead.port));
        }
        if (keys.contains("settings"))
            db.settings = settings(node["settings"], path + ".settings", db.setting_marks);
        if (keys.contains("tls"))
            db.tls = tls(node["tls"], path + ".tls");
        if (keys.contains("access"))
            db.access = access(node["access"], path + ".access");
        m_tls = db.tls.enabled;
        m_provider = db.provider;
        for (const char* key : {"tls", "access"}) {
            if (db.provider == ProviderKind::docker && keys.contains(key))
                throw problem(
                    node[key], path + "." + key,
                    fmt::format("{} is made by the local provider only in this version: use provider local", key));
        }
        if (db.access.require_tls && !db.tls.enabled)
            throw problem(node["access"], path + ".access.require_tls",
                          "requiring TLS needs a server with TLS: add tls: {certificate: valid} to the database");
        if (keys.contains("setup_files_from"))
            setup_folders(node["setup_files_from"], path + ".setup_files_from");
        if (keys.contains("setup"))
            db.setup = setup(node["setup"], path + ".setup");
        return db;
    }

    std::vector<HostName> answers_as(const YAML::Node& node, const std::string& path) {
        require_sequence(node, path, "a list of host names, each host or host:port");
        if (node.size() == 0)
            throw problem(node, path, "name at least one host the database answers as");
        std::vector<HostName> names;
        for (std::size_t i = 0; i < node.size(); ++i) {
            std::string item_path = fmt::format("{}[{}]", path, i);
            std::string text = string(node[i], item_path);
            HostName name{text, default_port(m_engine), mark_of(node[i])};
            auto colon = text.rfind(':');
            if (colon != std::string::npos) {
                name.host = text.substr(0, colon);
                std::string port = text.substr(colon + 1);
                auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), name.port);
                if (ec != std::errc() || end != port.data() + port.size() || name.port < 1 || name.port > 65535)
                    throw problem(
                        node[i], item_path,
                        fmt::format("invalid port \"{}\": use host or host:port with a port from 1 to 65535", port));
            }
            if (text.find_first_of("[]") != std::string::npos || name.host.find(':') != std::string::npos)
                throw problem(node[i], item_path,
                              fmt::format("\"{}\" is an IPv6 address, which answers_as does not support: name the "
                                          "host by a name or an IPv4 address",
                                          text));
            if (name.host.empty() || name.host.find_first_of(" /,@") != std::string::npos)
                throw problem(node[i], item_path, fmt::format("\"{}\" is not a host name", name.host));
            names.push_back(name);
        }
        return names;
    }

    // sqlite: the database file paths the application names; the throwaway file answers for them.
    std::vector<HostName> database_files(const YAML::Node& node, const std::string& path) {
        require_sequence(node, path, "a list of database file paths the application uses");
        if (node.size() == 0)
            throw problem(node, path, "name at least one database file the application opens");
        std::vector<HostName> files;
        for (std::size_t i = 0; i < node.size(); ++i) {
            std::string item_path = fmt::format("{}[{}]", path, i);
            std::string text = string(node[i], item_path);
            if (!text.starts_with("/"))
                throw problem(node[i], item_path,
                              fmt::format("\"{}\" is not an absolute path: name the file as the application does, "
                                          "e.g. /var/lib/app/app.db",
                                          text));
            files.push_back(HostName{text, 0, mark_of(node[i])});
        }
        return files;
    }

    template <typename Enum, std::size_t N>
    Enum one_of(const YAML::Node& node, const std::string& path,
                const std::array<std::pair<std::string_view, Enum>, N>& choices) {
        std::string text = string(node, path);
        std::vector<std::string> names;
        for (const auto& [name, value] : choices) {
            if (name == text)
                return value;
            names.emplace_back(name);
        }
        std::string hint = did_you_mean(text, names);
        throw problem(node, path,
                      fmt::format("unknown value \"{}\"{}; choose one of: {}", text,
                                  hint.empty() ? "" : " (" + hint + ")", join(names, ", ")));
    }

    Settings settings(const YAML::Node& node, const std::string& path, std::vector<SourceMark>& marks) {
        require_map(node, path, "a mapping of server setting names to values");
        std::set<std::string> seen;
        Settings out;
        for (auto it = node.begin(); it != node.end(); ++it) {
            std::string key = it->first.Scalar();
            if (!seen.insert(key).second)
                throw problem(it->first, path + "." + key, "duplicate key: each setting may appear once");
            if (key.empty() || key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") != std::string::npos)
                throw problem(it->first, path + "." + key, "a setting name is lower-case letters, digits, _ and .");
            if (std::find(k_owned_settings.begin(), k_owned_settings.end(), key) != k_owned_settings.end())
                throw problem(it->first, path + "." + key,
                              fmt::format("{} is stagegate's to set on the twin: to move the port or name clients "
                                          "use, change answers_as",
                                          key));
            out.emplace_back(key, string(it->second, path + "." + key));
            marks.push_back(mark_of(it->first));
        }
        return out;
    }

    bool boolean(const YAML::Node& node, const std::string& path) { return one_of(node, path, k_booleans); }

    TlsSetup tls(const YAML::Node& node, const std::string& path) {
        TlsSetup out;
        out.mark = mark_of(node);
        if (node.IsScalar()) {
            out.enabled = boolean(node, path);
            return out;
        }
        require_map(node, path,
                    "true, or {certificate: valid|wrong-name|expired|self-signed, clients_must_verify: true}");
        auto keys = keys_of(node, path, {"certificate", "clients_must_verify"}, {});
        out.enabled = true;
        if (keys.contains("certificate"))
            out.certificate = one_of(node["certificate"], path + ".certificate", k_certificates);
        if (keys.contains("clients_must_verify"))
            out.clients_must_verify = boolean(node["clients_must_verify"], path + ".clients_must_verify");
        return out;
    }

    AccessRules access(const YAML::Node& node, const std::string& path) {
        require_map(node, path, "{require_tls: true, rules: [pg_hba lines]}");
        auto keys = keys_of(node, path, {"require_tls", "rules"}, {});
        AccessRules out;
        out.mark = mark_of(node);
        if (keys.contains("require_tls"))
            out.require_tls = boolean(node["require_tls"], path + ".require_tls");
        if (!keys.contains("rules"))
            return out;
        const YAML::Node& rules = node["rules"];
        if (m_engine != Engine::postgres)
            throw problem(rules, path + ".rules",
                          "rules are pg_hba.conf lines, for postgres only: on MariaDB and MySQL, accounts and their "
                          "host patterns and plugins are made in setup SQL (CREATE USER ... IDENTIFIED VIA ...)");
        require_sequence(rules, path + ".rules", "a list of pg_hba.conf lines: TYPE DATABASE USER [ADDRESS] METHOD");
        for (std::size_t i = 0; i < rules.size(); ++i)
            out.hba.push_back(hba_line(rules[i], fmt::format("{}.rules[{}]", path, i)));
        return out;
    }

    // Checks one pg_hba.conf line and writes the address `all` in when it is left out: every client of
    // the twin connects from 127.0.0.1, so an address can only make a rule never match.
    std::string hba_line(const YAML::Node& node, const std::string& path) {
        std::string text = string(node, path);
        std::vector<std::string> fields;
        std::istringstream in(text);
        for (std::string field; in >> field;)
            fields.push_back(field);
        if (fields.size() < 4)
            throw problem(node, path,
                          fmt::format("\"{}\" is not a pg_hba line: write TYPE DATABASE USER METHOD, e.g. "
                                      "hostssl users app scram-sha-256",
                                      text));
        if (fields[0] == "local")
            throw problem(node, path, "the twin answers over TCP only: write host or hostssl rules");
        if (std::find(k_hba_types.begin(), k_hba_types.end(), fields[0]) == k_hba_types.end()) {
            std::string hint = did_you_mean(fields[0], k_hba_types);
            throw problem(node, path,
                          fmt::format("unknown connection type \"{}\"{}; choose one of: {}", fields[0],
                                      hint.empty() ? "" : " (" + hint + ")", join(k_hba_types, ", ")));
        }
        auto is_method = [](const std::string& field) {
            return std::find(k_hba_methods.begin(), k_hba_methods.end(), field) != k_hba_methods.end();
        };
        std::size_t method = is_method(fields[3]) ? 3 : 4;
        if (method >= fields.size() || !is_method(fields[method])) {
            const std::string& word = fields[std::min(method, fields.size() - 1)];
            std::string hint = did_you_mean(word, k_hba_methods);
            throw problem(node, path,
                          fmt::format("unknown authentication method \"{}\"{}; choose one of: {}", word,
                                      hint.empty() ? "" : " (" + hint + ")", join(k_hba_methods, ", ")));
        }
        if (method == 3)
            fields.insert(fields.begin() + 3, "all");
        return join(fields, " ");
    }

    std::vector<MaintenanceStep> maintenance(const YAML::Node& node, const std::string& path) {
        require_sequence(node, path,
                         "a list of steps: {sql: ...}, {settings: {...}}, {access: {...}}, {answers_as: [...]}");
        if (node.size() == 0)
            throw problem(node, path, "the list is empty: name the steps of the change, or leave maintenance out");
        if (m_engine == Engine::sqlite)
            throw problem(node, path, "maintenance steps change a server: an sqlite file has none");
        if (m_provider == ProviderKind::docker)
            throw problem(node, path,
                          "maintenance steps run against the local provider only in this version: use "
                          "provider local");
        std::vector<MaintenanceStep> steps;
        for (std::size_t i = 0; i < node.size(); ++i) {
            std::string item_path = fmt::format("{}[{}]", path, i);
            const YAML::Node& item = node[i];
            require_map(item, item_path,
                        "a step: {sql: ...}, {file: ...}, {settings: {...}}, {access: {...}} or {answers_as: [...]}");
            auto keys = keys_of(item, item_path, {"sql", "file", "database", "settings", "access", "answers_as"}, {});
            int kinds = 0;
            for (const char* key : {"sql", "file", "settings", "access", "answers_as"})
                kinds += keys.contains(key) ? 1 : 0;
            if (kinds != 1)
                throw problem(item, item_path, "a step has exactly one of sql, file, settings, access or answers_as");
            MaintenanceStep step;
            step.mark = mark_of(item);
            if (keys.contains("database") && !keys.contains("sql") && !keys.contains("file"))
                throw problem(item["database"], item_path + ".database", "database goes with sql or file steps only");
            if (keys.contains("sql") || keys.contains("file")) {
                step.kind = MaintenanceStep::Kind::sql;
                step.sql = setup_step(item, item_path, keys);
            } else if (keys.contains("settings")) {
                step.kind = MaintenanceStep::Kind::settings;
                step.settings = settings(item["settings"], item_path + ".settings", step.setting_marks);
            } else if (keys.contains("access")) {
                step.kind = MaintenanceStep::Kind::access;
                step.access = access(item["access"], item_path + ".access");
                if (step.access.require_tls && !m_tls)
                    throw problem(
                        item["access"], item_path + ".access.require_tls",
                        "requiring TLS needs a server with TLS: add tls: {certificate: valid} to the database");
            } else {
                step.kind = MaintenanceStep::Kind::answers_as;
                step.answers_as = answers_as(item["answers_as"], item_path + ".answers_as");
            }
            steps.push_back(std::move(step));
        }
        return steps;
    }

    // The scenario's folder; files of setup and maintenance steps come from it (or from setup_files_from).
    std::filesystem::path folder() const { return m_file.has_parent_path() ? m_file.parent_path() : "."; }

    // database.setup_files_from: folders outside the scenario's that `file:` steps may read.
    void setup_folders(const YAML::Node& node, const std::string& path) {
        require_sequence(node, path, "a list of folders, relative to the scenario file: [../sql]");
        for (std::size_t i = 0; i < node.size(); ++i) {
            std::string item_path = fmt::format("{}[{}]", path, i);
            auto named = folder() / string(node[i], item_path);
            std::error_code ec;
            if (!std::filesystem::is_directory(named, ec))
                throw problem(
                    node[i], item_path,
                    fmt::format("{} is not a folder: name a folder, relative to the scenario file", named.string()));
            m_setup_folders.push_back(named);
        }
    }

    // Reads the file of a `file:` step: a regular file of at most 4 MiB inside the scenario's folder
    // or one of setup_files_from, links resolved, so a scenario cannot send any file of the machine
    // to the server by accident.
    std::string setup_file(const YAML::Node& node, const std::string& path, const std::filesystem::path& file) {
        auto refused = [&](const InputFileError& error) {
            return problem(node, path,
                           fmt::format("cannot read {}: {}{}", file.string(), error.reason,
                                       error.missing ? "; check the path (relative to the scenario file)" : ""));
        };
        if (auto checked = check_input_file(file); !checked)
            throw refused(checked.error());
        bool allowed = is_inside(file, folder()) ||
                       std::any_of(m_setup_folders.begin(), m_setup_folders.end(),
                                   [&](const std::filesystem::path& other) { return is_inside(file, other); });
        if (!allowed)
            throw problem(node, path,
                          fmt::format("{} is outside the scenario's folder (links resolved): to send files from "
                                      "another folder to the server, list that folder under database.setup_files_from",
                                      file.string()));
        auto text = read_input_file(file);
        if (!text)
            throw refused(text.error());
        return std::move(*text);
    }

    std::vector<SetupStep> setup(const YAML::Node& node, const std::string& path) {
        require_sequence(node, path, "a list of steps, each {sql: ...} or {file: ..., database: ...}");
        std::vector<SetupStep> steps;
        for (std::size_t i = 0; i < node.size(); ++i) {
            std::string item_path = fmt::format("{}[{}]", path, i);
            const YAML::Node& item = node[i];
            require_map(item, item_path, "a step: {sql: ...} or {file: ...}, optionally with database");
            auto keys = keys_of(item, item_path, {"sql", "file", "database"}, {});
            if (keys.contains("sql") == keys.contains("file"))
                throw problem(item, item_path, "a step has exactly one of sql or file");
            steps.push_back(setup_step(item, item_path, keys));
        }
        return steps;
    }

    SetupStep setup_step(const YAML::Node& item, const std::string& item_path, const std::set<std::string>& keys) {
        SetupStep step;
        step.mark = mark_of(item);
        if (keys.contains("database"))
            step.database = string(item["database"], item_path + ".database");
        if (keys.contains("sql")) {
            step.sql = string(item["sql"], item_path + ".sql");
            step.origin = "sql";
        } else {
            std::string relative = string(item["file"], item_path + ".file");
            auto file = m_file.parent_path() / relative;
            auto result = interpolate(setup_file(item["file"], item_path + ".file", file), m_env);
            if (!result)
                throw problem(item["file"], item_path + ".file",
                              fmt::format("{}: {}", file.string(), result.error().message));
            m_secrets.insert(m_secrets.end(), result->secrets.begin(), result->secrets.end());
            step.sql = result->text;
            step.origin = relative;
        }
        // Passwords written into setup SQL must not come back in a server's error message.
        auto passwords =
            sql_passwords(step.sql, m_engine == Engine::postgres || m_engine == Engine::sqlite ? SqlDialect::postgresql
                                                                                               : SqlDialect::mariadb);
        m_secrets.insert(m_secrets.end(), passwords.begin(), passwords.end());
        return step;
    }

    Candidate candidate(const YAML::Node& node, const std::string& path) {
        require_map(node, path, "a candidate: name, driver, url or from, expect, checks");
        auto keys = keys_of(node, path, {"name", "driver", "url", "from", "expect", "checks"}, {"name", "driver"});
        Candidate out;
        out.mark = mark_of(node);
        out.name = string(node["name"], path + ".name");
        out.driver = string(node["driver"], path + ".driver");
        if (!find_driver(out.driver))
            throw problem(node["driver"], path + ".driver",
                          fmt::format("unknown driver \"{}\"; available: {}", out.driver, driver_names()));
        if (auto reason = driver_mismatch(out.driver))
            throw problem(node["driver"], path + ".driver", *reason);
        if (keys.contains("url") == keys.contains("from"))
            throw problem(node, path, "a candidate has exactly one of url or from");
        if (keys.contains("url")) {
            out.source.url = string(node["url"], path + ".url");
            out.source.mark = mark_of(node["url"]);
        } else {
            out.source = from(node["from"], path + ".from", out.driver);
        }
        if (keys.contains("expect"))
            expectations(node["expect"], path + ".expect", out);
        else if (m_maintenance)
            out.phases.after = Expectation{};
        out.checks = checks(keys.contains("checks") ? node["checks"] : YAML::Node(), path + ".checks");
        return out;
    }

    // Each driver says which protocols it speaks (soci reads its backend from the string).
    std::optional<std::string> driver_mismatch(const std::string& driver) const {
        const Driver* found = find_driver(driver);
        std::string_view protocol = protocol_of(m_engine);
        if (found == nullptr || speaks(*found, protocol))
            return std::nullopt;
        return fmt::format("driver {} cannot reach a {} database; use {}{}", driver, to_string(m_engine),
                           driver_names_speaking(protocol, " or "), protocol == "sqlite3" ? " (sqlite3://...)" : "");
    }

    CandidateSource from(const YAML::Node& node, const std::string& path, const std::string& driver) {
        require_map(node, path, "{file: path/to/app.env, key: DATABASE_URL}");
        auto keys = keys_of(node, path, {"file", "format", "key", "keys", "service"}, {"file"});
        CandidateSource source;
        source.mark = mark_of(node);
        int ways =
            (keys.contains("key") ? 1 : 0) + (keys.contains("keys") ? 1 : 0) + (keys.contains("service") ? 1 : 0);
        if (ways != 1)
            throw problem(node, path,
                          "name exactly one of key (the whole string), keys (its parts) or service (a PostgreSQL "
                          "service in a pg_service.conf file)");
        source.file = m_file.parent_path() / string(node["file"], path + ".file");
        if (auto checked = check_input_file(source.file); !checked)
            throw problem(
                node["file"], path + ".file",
                fmt::format("cannot read {}: {}{}", source.file.string(), checked.error().reason,
                            checked.error().missing ? "; check the path (relative to the scenario file)" : ""));
        auto formats = config_loader_names();
        if (keys.contains("format")) {
            source.format = string(node["format"], path + ".format");
            if (std::find(formats.begin(), formats.end(), source.format) == formats.end()) {
                std::string hint = did_you_mean(source.format, formats);
                throw problem(node["format"], path + ".format",
                              fmt::format("unknown format \"{}\"{}; choose one of: {}", source.format,
                                          hint.empty() ? "" : " (" + hint + ")", join(formats, ", ")));
            }
        } else if (const ConfigLoader* chosen = config_loader_for(source.file)) {
            source.format = chosen->name;
            source.format_from_name = true;
        } else if (keys.contains("service")) {
            source.format = "pg_service";
        } else {
            throw problem(node["file"], path + ".file",
                          fmt::format("cannot tell the format of {} from its name: add format: ({})",
                                      source.file.filename().string(), join(formats, ", ")));
        }
        if (keys.contains("service")) {
            const Driver* reader = find_driver(driver);
            if (reader == nullptr || !reader->has(Capability::service_files))
                throw problem(node["service"], path + ".service",
                              fmt::format("PostgreSQL service files are read by {0}: use driver {0}",
                                          driver_names_with(Capability::service_files, " or ")));
            source.format = "pg_service";
            source.service = string(node["service"], path + ".service");
            return source;
        }
        if (source.format == "pg_service")
            throw problem(node, path, "a pg_service.conf file is read through libpq: write service: NAME");
        if (keys.contains("key")) {
            source.key = string(node["key"], path + ".key");
            return source;
        }
        const YAML::Node& parts = node["keys"];
        require_map(
            parts, path + ".keys",
            "{host: KEY, port: KEY, user: KEY, password: KEY, database: KEY} or {url: KEY, user: KEY, password: KEY}");
        auto names = keys_of(parts, path + ".keys", k_parts, {});
        if (names.contains("url") && (names.contains("host") || names.contains("port") || names.contains("database")))
            throw problem(parts, path + ".keys", "with url, only user and password may come from other keys");
        if (!names.contains("url") && !names.contains("host"))
            throw problem(parts, path + ".keys", "name the key of the url, or at least of the host");
        for (const auto& part : k_parts) {
            if (names.contains(part))
                source.parts.emplace_back(part, string(parts[part], path + ".keys." + part));
        }
        return source;
    }

    // `expect`: pass, {fail: C}, or with maintenance {before: ..., after: ...}.
    void expectations(const YAML::Node& node, const std::string& path, Candidate& out) {
        bool phased = node.IsMap() && (node["before"] || node["after"]);
        if (!phased) {
            out.expect = expectation(node, path);
            if (m_maintenance)
                out.phases.after = out.expect;
            return;
        }
        if (!m_maintenance)
            throw problem(node, path,
                          "before and after are the phases of a maintenance: add a maintenance section, "
                          "or write pass or {fail: <category>}");
        auto keys = keys_of(node, path, {"before", "after"}, {});
        if (keys.contains("before"))
            out.phases.before = expectation(node["before"], path + ".before");
        if (keys.contains("after"))
            out.phases.after = expectation(node["after"], path + ".after");
        out.expect = out.phases.after.value_or(*out.phases.before);
    }

    Expectation expectation(const YAML::Node& node, const std::string& path) {
        Expectation expect;
        if (node.IsScalar()) {
            std::string text = string(node, path);
            if (text != "pass")
                throw problem(node, path, fmt::format("expected pass or {{fail: <category>}}, got \"{}\"", text));
            return expect;
        }
        require_map(node, path, "pass or {fail: <category>}");
        keys_of(node, path, {"fail"}, {"fail"});
        std::string name = string(node["fail"], path + ".fail");
        auto category = category_from_string(name);
        if (!category) {
            std::vector<std::string> names;
            for (Category c : all_categories())
                names.emplace_back(to_string(c));
            std::string hint = did_you_mean(name, names);
            throw problem(node["fail"], path + ".fail",
                          fmt::format("unknown category \"{}\"; {}categories: {}", name, hint.empty() ? "" : hint + " ",
                                      join(names, ", ")));
        }
        expect.pass = false;
        expect.category = *category;
        return expect;
    }

    std::vector<Check> checks(const YAML::Node& node, const std::string& path) {
        std::vector<Check> out;
        if (node.IsDefined() && !node.IsNull()) {
            require_sequence(node, path, "a list of checks: " + join(check_keywords(), ", "));
            for (std::size_t i = 0; i < node.size(); ++i) {
                std::string item_path = fmt::format("{}[{}]", path, i);
                Check next = check(node[i], item_path);
                if (next.as<ConnectCheck>() && i != 0)
                    throw problem(node[i], item_path,
                                  "connect must be the first check (every other check runs on its session)");
                out.push_back(std::move(next));
            }
        }
        if (out.empty() || !out.front().as<ConnectCheck>()) {
            Check connect;
            connect.mark = out.empty() ? mark_of(node) : out.front().mark;
            out.insert(out.begin(), connect);
        }
        return out;
    }

    Check check(const YAML::Node& node, const std::string& path) {
        Check out;
        out.mark = mark_of(node);
        if (node.IsScalar() && node.Scalar() == ConnectCheck::k_keyword)
            return out;
        if (node.IsScalar() && node.Scalar() == TlsCheck::k_keyword) {
            out.spec = TlsCheck{};
            return out;
        }
        require_map(node, path, "a check: connect, tls, or a mapping such as {query: SQL, expect_rows: N}");
        if (!read_named_kind(node, path, out)) {
            std::vector<std::string> kinds = check_keywords();
            std::string first = node.begin()->first.Scalar();
            std::string hint = did_you_mean(first, kinds);
            throw problem(node.begin()->first, path + "." + first,
                          fmt::format("unknown check \"{}\"{}; checks: {}", first,
                                      hint.empty() ? "" : " (" + hint + ")", join(kinds, ", ")));
        }
        return out;
    }

    // Returns the keywords of the kinds of check, in the order of Check::Spec.
    static std::vector<std::string> check_keywords() {
        std::vector<std::string> keywords;
        for_each_check_kind([&]<class Kind>(std::type_identity<Kind>) { keywords.emplace_back(Kind::k_keyword); });
        return keywords;
    }

    // Reads the kind of check a mapping names into `out`; returns false when it names none. The
    // kinds are looked for in the order of Check::Spec, but query last: a mapping that names query
    // and another kind is read as the other kind, whose reader then refuses the query key.
    bool read_named_kind(const YAML::Node& node, const std::string& path, Check& out) {
        bool found = false;
        auto read_if_named = [&]<class Kind>(std::type_identity<Kind>) {
            if (found || !node[std::string(Kind::k_keyword)])
                return;
            Kind spec;
            read_kind(node, path, spec, out.timeout_ms);
            out.spec = std::move(spec);
            found = true;
        };
        for_each_check_kind([&]<class Kind>(std::type_identity<Kind> kind) {
            if constexpr (!std::is_same_v<Kind, QueryCheck>)
                read_if_named(kind);
        });
        read_if_named(std::type_identity<QueryCheck>{});
        return found;
    }

    // One reader per kind of check: each reads the mapping that names it, and the check's
    // timeout_ms where the kind takes one.

    void read_kind(const YAML::Node& node, const std::string& path, ConnectCheck& out, int&) {
        keys_of(node, path, {"connect"}, {});
        const YAML::Node& body = node["connect"];
        if (body.IsNull())
            return;
        require_map(body, path + ".connect", "{within_ms: N}");
        auto keys = keys_of(body, path + ".connect", {"within_ms"}, {});
        if (keys.contains("within_ms"))
            out.within_ms = static_cast<int>(integer(body["within_ms"], path + ".connect.within_ms", 1, 600000));
    }

    void read_kind(const YAML::Node& node, const std::string& path, QueryCheck& out, int& timeout_ms) {
        auto keys =
            keys_of(node, path, {"query", "expect_rows", "expect_value", "expect_match", "expect_data", "timeout_ms"},
                    {"query"});
        out.sql = string(node["query"], path + ".query");
        if (trim(out.sql).empty())
            throw problem(node["query"], path + ".query", "the query is empty");
        if (keys.contains("expect_rows"))
            out.expect_rows = integer(node["expect_rows"], path + ".expect_rows", 0, 1L << 40);
        if (keys.contains("expect_value"))
            out.expect_value = string(node["expect_value"], path + ".expect_value");
        if (keys.contains("expect_match")) {
            auto pattern = Pattern::compile(string(node["expect_match"], path + ".expect_match"));
            if (!pattern)
                throw problem(node["expect_match"], path + ".expect_match", pattern.error());
            out.expect_match = std::move(*pattern);
        }
        if (keys.contains("expect_data"))
            out.expect_data = table(node["expect_data"], path + ".expect_data");
        statement_timeout(node, path, timeout_ms);
    }

    void statement_timeout(const YAML::Node& node, const std::string& path, int& timeout_ms) {
        if (node["timeout_ms"])
            timeout_ms = static_cast<int>(integer(node["timeout_ms"], path + ".timeout_ms", 1, 600000));
    }

    std::vector<std::vector<std::string>> table(const YAML::Node& node, const std::string& path) {
        require_sequence(node, path, "a list of rows, each a list of values: [[1, alice], [2, bob]]");
        std::vector<std::vector<std::string>> rows;
        for (std::size_t i = 0; i < node.size(); ++i) {
            std::string row_path = fmt::format("{}[{}]", path, i);
            require_sequence(node[i], row_path, "a row: a list of values, [1, alice]");
            std::vector<std::string> row;
            for (std::size_t j = 0; j < node[i].size(); ++j)
                row.push_back(node[i][j].IsNull() ? std::string("NULL")
                                                  : string(node[i][j], fmt::format("{}[{}]", row_path, j)));
            rows.push_back(std::move(row));
        }
        return rows;
    }

    // timeout_ms is accepted and not read: the check asks the session, not the server.
    void read_kind(const YAML::Node& node, const std::string& path, TlsCheck& out, int&) {
        keys_of(node, path, {"tls", "timeout_ms"}, {});
        const YAML::Node& body = node["tls"];
        if (body.IsNull())
            return;
        require_map(body, path + ".tls", "{min_version: TLSv1.2}");
        keys_of(body, path + ".tls", {"min_version"}, {});
        if (body["min_version"]) {
            out.min_version = string(body["min_version"], path + ".tls.min_version");
            static const std::vector<std::string> versions{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
            if (std::find(versions.begin(), versions.end(), *out.min_version) == versions.end())
                throw problem(
                    body["min_version"], path + ".tls.min_version",
                    fmt::format("unknown version \"{}\"; choose one of: {}", *out.min_version, join(versions, ", ")));
        }
    }

    void read_kind(const YAML::Node& node, const std::string& path, SettingCheck& out, int& timeout_ms) {
        auto keys = keys_of(node, path, {"setting", "equals", "at_least", "at_most", "timeout_ms"}, {"setting"});
        out.name = string(node["setting"], path + ".setting");
        if (out.name.empty() ||
            out.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") != std::string::npos)
            throw problem(node["setting"], path + ".setting", "a setting name is lower-case letters, digits, _ and .");
        if (!keys.contains("equals") && !keys.contains("at_least") && !keys.contains("at_most"))
            throw problem(node, path, "say what the setting must be: equals, at_least or at_most");
        if (keys.contains("equals"))
            out.equals = string(node["equals"], path + ".equals");
        auto number = [&](const char* key) {
            std::string text = string(node[key], path + "." + key);
            char* end = nullptr;
            double value = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0')
                throw problem(node[key], path + "." + key, fmt::format("expected a number, got \"{}\"", text));
            return value;
        };
        if (keys.contains("at_least"))
            out.at_least = number("at_least");
        if (keys.contains("at_most"))
            out.at_most = number("at_most");
        statement_timeout(node, path, timeout_ms);
    }

    void read_kind(const YAML::Node& node, const std::string& path, PrivilegesCheck& out, int& timeout_ms) {
        keys_of(node, path, {"privileges", "timeout_ms"}, {});
        const YAML::Node& body = node["privileges"];
        require_map(body, path + ".privileges", "{can: [SELECT accounts, CONNECT users], cannot: [DELETE accounts]}");
        keys_of(body, path + ".privileges", {"can", "cannot"}, {});
        for (const char* side : {"can", "cannot"}) {
            if (!body[side])
                continue;
            std::string side_path = path + ".privileges." + side;
            require_sequence(body[side], side_path, "a list like [SELECT accounts, CONNECT users]");
            for (std::size_t i = 0; i < body[side].size(); ++i) {
                std::string item_path = fmt::format("{}[{}]", side_path, i);
                std::string text = string(body[side][i], item_path);
                std::istringstream in(text);
                PrivilegeRule rule;
                rule.allowed = std::string_view(side) == "can";
                std::string extra;
                in >> rule.privilege >> rule.object >> extra;
                for (char& c : rule.privilege)
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                bool known = rule.privilege == "CONNECT" ||
                             std::find(k_table_privileges.begin(), k_table_privileges.end(), rule.privilege) !=
                                 k_table_privileges.end();
                if (!known || rule.object.empty() || !extra.empty())
                    throw problem(body[side][i], item_path,
                                  fmt::format("\"{}\" is not PRIVILEGE OBJECT: write SELECT, INSERT, UPDATE or DELETE "
                                              "and a table, or CONNECT and a database",
                                              text));
                out.privileges.push_back(rule);
            }
        }
        if (out.privileges.empty())
            throw problem(body, path + ".privileges", "name at least one privilege under can or cannot");
        statement_timeout(node, path, timeout_ms);
    }

    void read_kind(const YAML::Node& node, const std::string& path, ReadWriteCheck& out, int& timeout_ms) {
        keys_of(node, path, {"read_write", "timeout_ms"}, {});
        out.writable = one_of(node["read_write"], path + ".read_write", k_read_write);
        statement_timeout(node, path, timeout_ms);
    }

    void read_kind(const YAML::Node& node, const std::string& path, IdentityCheck& out, int& timeout_ms) {
        keys_of(node, path, {"identity", "timeout_ms"}, {});
        require_map(node["identity"], path + ".identity", "{same_as: <name of another candidate>}");
        keys_of(node["identity"], path + ".identity", {"same_as"}, {"same_as"});
        out.same_as = string(node["identity"]["same_as"], path + ".identity.same_as");
        statement_timeout(node, path, timeout_ms);
    }

    void read_kind(const YAML::Node& node, const std::string& path, PoolCheck& out, int& timeout_ms) {
        keys_of(node, path, {"pool", "timeout_ms"}, {});
        require_map(node["pool"], path + ".pool", "{size: N, headroom: N}");
        auto keys = keys_of(node["pool"], path + ".pool", {"size", "headroom"}, {"size"});
        out.size = static_cast<int>(integer(node["pool"]["size"], path + ".pool.size", 1, 500));
        if (keys.contains("headroom"))
            out.headroom = static_cast<int>(integer(node["pool"]["headroom"], path + ".pool.headroom", 0, 100000));
        statement_timeout(node, path, timeout_ms);
    }

    // The server certificate names every host the database answers as, before and after maintenance.
    static void certificate_names(Scenario& scenario) {
        std::set<std::string> seen;
        auto add = [&](const std::vector<HostName>& names) {
            for (const auto& name : names) {
                if (seen.insert(name.host).second)
                    scenario.database.certificate_names.push_back(name.host);
            }
        };
        add(scenario.database.answers_as);
        for (const auto& step : scenario.maintenance)
            add(step.answers_as);
    }

    // identity checks name another candidate of the same scenario.
    void check_references(const Scenario& scenario) {
        std::set<std::string> all;
        for (const auto& candidate : scenario.candidates)
            all.insert(candidate.name);
        for (std::size_t i = 0; i < scenario.candidates.size(); ++i) {
            const Candidate& candidate = scenario.candidates[i];
            for (std::size_t j = 0; j < candidate.checks.size(); ++j) {
                const Check& check = candidate.checks[j];
                const IdentityCheck* identity = check.as<IdentityCheck>();
                if (!identity)
                    continue;
                if (identity->same_as == candidate.name || !all.contains(identity->same_as)) {
                    std::vector<std::string> names;
                    for (const auto& other : scenario.candidates) {
                        if (other.name != candidate.name)
                            names.push_back(other.name);
                    }
                    std::string hint = did_you_mean(identity->same_as, names);
                    throw Problem{ScenarioError{
                        check.mark, fmt::format("candidates[{}].checks[{}].identity.same_as: \"{}\" is not another "
                                                "candidate of this scenario{}",
                                                i, j, identity->same_as, hint.empty() ? "" : "; " + hint)}};
                }
            }
        }
    }

    std::filesystem::path m_file;
    const Environment& m_env;
    Engine m_engine = Engine::postgres; // of the database section, read before the candidates
    bool m_tls = false;                 // the database serves TLS
    ProviderKind m_provider = ProviderKind::local;
    bool m_maintenance = false; // the scenario has a maintenance section (read before the candidates)
    std::vector<std::filesystem::path> m_setup_folders; // database.setup_files_from
    std::vector<std::string> m_secrets;
};

} // namespace

std::expected<Scenario, ScenarioError> load_scenario_text(const std::string& text, const std::filesystem::path& file,
                                                          const Environment& env) {
    auto root = load_one_document(text);
    if (!root)
        return std::unexpected(
            ScenarioError{{file.string(), root.error().line, root.error().column}, root.error().message});
    if (!root->IsDefined() || root->IsNull())
        return std::unexpected(ScenarioError{{file.string(), 1, 1},
                                             "the file is empty: a scenario needs scenario, database and candidates"});
    try {
        return Loader(file, env).load(*root);
    } catch (const Problem& problem) {
        return std::unexpected(problem.error);
    } catch (const YAML::Exception& e) {
        return std::unexpected(ScenarioError{{file.string(), e.mark.line + 1, e.mark.column + 1}, yaml_reason(e)});
    }
}

std::expected<Scenario, ScenarioError> load_scenario(const std::filesystem::path& file, const Environment& env) {
    auto text = read_input_file(file);
    if (!text)
        return std::unexpected(ScenarioError{{file.string(), 1, 1}, "cannot read the file: " + text.error().reason});
    return load_scenario_text(*text, file, env);
}

} // namespace stagegate
