#include "scenario/loader.hpp"

#include "scenario/interpolate.hpp"
#include "stagegate/driver.hpp"
#include "util/environment.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <regex>
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

std::string Check::label() const {
    if (kind == Kind::connect)
        return "connect";
    std::string text(trim(sql));
    for (char& c : text) {
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
    }
    return "query: " + (text.size() > 60 ? text.substr(0, 57) + "..." : text);
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

constexpr std::array<std::pair<std::string_view, Engine>, 4> k_engines{
    {{"postgres", Engine::postgres}, {"mariadb", Engine::mariadb}, {"mysql", Engine::mysql}, {"sqlite", Engine::sqlite}}};
constexpr std::array<std::pair<std::string_view, ProviderKind>, 2> k_providers{
    {{"local", ProviderKind::local}, {"docker", ProviderKind::docker}}};

constexpr std::size_t k_max_file_bytes = 4 * 1024 * 1024;

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
        keys_of(root, "", {"scenario", "database", "candidates"}, {"scenario", "database", "candidates"});
        scenario.name = string(root["scenario"], "scenario");
        scenario.database = database(root["database"], "database");
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
        require_map(node, path, "a mapping with engine, answers_as, settings and setup");
        auto keys =
            keys_of(node, path, {"engine", "provider", "answers_as", "settings", "setup"}, {"engine", "answers_as"});
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
        m_engine = db.engine;
        db.answers_as = m_engine == Engine::sqlite ? database_files(node["answers_as"], path + ".answers_as")
                                                   : answers_as(node["answers_as"], path + ".answers_as");
        if (keys.contains("settings"))
            db.settings = settings(node["settings"], path + ".settings");
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

    std::vector<std::pair<std::string, std::string>> settings(const YAML::Node& node, const std::string& path) {
        require_map(node, path, "a mapping of server setting names to values");
        std::set<std::string> seen;
        std::vector<std::pair<std::string, std::string>> out;
        for (auto it = node.begin(); it != node.end(); ++it) {
            std::string key = it->first.Scalar();
            if (!seen.insert(key).second)
                throw problem(it->first, path + "." + key, "duplicate key: each setting may appear once");
            if (key.empty() || key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") != std::string::npos)
                throw problem(it->first, path + "." + key, "a setting name is lower-case letters, digits, _ and .");
            out.emplace_back(key, string(it->second, path + "." + key));
        }
        return out;
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
                std::ifstream in(file, std::ios::binary);
                if (!in)
                    throw problem(
                        item["file"], item_path + ".file",
                        fmt::format("cannot read {}: check the path (relative to the scenario file)", file.string()));
                std::ostringstream text;
                text << in.rdbuf();
                auto result = interpolate(text.str(), m_env);
                if (!result)
                    throw problem(item["file"], item_path + ".file",
                                  fmt::format("{}: {}", file.string(), result.error().message));
                m_secrets.insert(m_secrets.end(), result->secrets.begin(), result->secrets.end());
                step.sql = result->text;
                step.origin = relative;
            }
            // Passwords written into setup SQL must not come back in a server's error message.
            static const std::regex k_literal(R"(PASSWORD\s+'((?:[^']|'')*)')", std::regex::icase);
            for (auto it = std::sregex_iterator(step.sql.begin(), step.sql.end(), k_literal);
                 it != std::sregex_iterator(); ++it)
                m_secrets.push_back((*it)[1]);
            steps.push_back(std::move(step));
        }
        return steps;
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
            out.source = from(node["from"], path + ".from");
        }
        if (keys.contains("expect"))
            out.expect = expectation(node["expect"], path + ".expect");
        out.checks = checks(keys.contains("checks") ? node["checks"] : YAML::Node(), path + ".checks");
        return out;
    }

    // libpq and Connector/C++ each speak one protocol; soci's backend is read from the string.
    std::optional<std::string> driver_mismatch(const std::string& driver) const {
        bool postgres = m_engine == Engine::postgres;
        bool mysql = m_engine == Engine::mariadb || m_engine == Engine::mysql;
        if ((driver == "libpq" && !postgres) || (driver == "mysqlcppconn" && !mysql))
            return fmt::format("driver {} cannot reach a {} database; use {}", driver, to_string(m_engine),
                               postgres ? "libpq or soci" : (mysql ? "mysqlcppconn or soci" : "soci (sqlite3://...)"));
        return std::nullopt;
    }

    CandidateSource from(const YAML::Node& node, const std::string& path) {
        require_map(node, path, "{file: path/to/app.env, key: DATABASE_URL}");
        keys_of(node, path, {"file", "key"}, {"file", "key"});
        CandidateSource source;
        source.mark = mark_of(node);
        source.file = m_file.parent_path() / string(node["file"], path + ".file");
        source.key = string(node["key"], path + ".key");
        if (!std::filesystem::is_regular_file(source.file))
            throw problem(
                node["file"], path + ".file",
                fmt::format("cannot read {}: check the path (relative to the scenario file)", source.file.string()));
        return source;
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
            require_sequence(node, path, "a list of checks: connect or query");
            for (std::size_t i = 0; i < node.size(); ++i) {
                std::string item_path = fmt::format("{}[{}]", path, i);
                Check next = check(node[i], item_path);
                if (next.kind == Check::Kind::connect && i != 0)
                    throw problem(node[i], item_path,
                                  "connect must be the first check (every other check runs on its session)");
                out.push_back(std::move(next));
            }
        }
        if (out.empty() || out.front().kind != Check::Kind::connect) {
            Check connect;
            connect.mark = out.empty() ? mark_of(node) : out.front().mark;
            out.insert(out.begin(), connect);
        }
        return out;
    }

    Check check(const YAML::Node& node, const std::string& path) {
        Check out;
        out.mark = mark_of(node);
        if (node.IsScalar() && node.Scalar() == "connect")
            return out;
        require_map(node, path, "a check: connect, {connect: {within_ms: N}} or {query: SQL, expect_rows: N}");
        if (node["connect"]) {
            keys_of(node, path, {"connect"}, {});
            const YAML::Node& body = node["connect"];
            if (body.IsNull())
                return out;
            require_map(body, path + ".connect", "{within_ms: N}");
            auto keys = keys_of(body, path + ".connect", {"within_ms"}, {});
            if (keys.contains("within_ms"))
                out.within_ms = static_cast<int>(integer(body["within_ms"], path + ".connect.within_ms", 1, 600000));
            return out;
        }
        auto keys = keys_of(node, path, {"query", "expect_rows", "expect_value", "timeout_ms"}, {"query"});
        out.kind = Check::Kind::query;
        out.sql = string(node["query"], path + ".query");
        if (trim(out.sql).empty())
            throw problem(node["query"], path + ".query", "the query is empty");
        if (keys.contains("expect_rows"))
            out.expect_rows = integer(node["expect_rows"], path + ".expect_rows", 0, 1L << 40);
        if (keys.contains("expect_value"))
            out.expect_value = string(node["expect_value"], path + ".expect_value");
        if (keys.contains("timeout_ms"))
            out.timeout_ms = static_cast<int>(integer(node["timeout_ms"], path + ".timeout_ms", 1, 600000));
        return out;
    }

    std::filesystem::path m_file;
    const Environment& m_env;
    Engine m_engine = Engine::postgres; // of the database section, read before the candidates
    std::vector<std::string> m_secrets;
};

} // namespace

std::expected<Scenario, ScenarioError> load_scenario_text(const std::string& text, const std::filesystem::path& file,
                                                          const Environment& env) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        int line = e.mark.is_null() ? 1 : e.mark.line + 1;
        int column = e.mark.is_null() ? 1 : e.mark.column + 1;
        return std::unexpected(ScenarioError{{file.string(), line, column}, "not valid YAML: " + e.msg});
    }
    if (!root.IsDefined() || root.IsNull())
        return std::unexpected(ScenarioError{{file.string(), 1, 1},
                                             "the file is empty: a scenario needs scenario, database and candidates"});
    try {
        return Loader(file, env).load(root);
    } catch (const Problem& problem) {
        return std::unexpected(problem.error);
    } catch (const YAML::Exception& e) {
        return std::unexpected(ScenarioError{{file.string(), e.mark.line + 1, e.mark.column + 1}, e.msg});
    }
}

std::expected<Scenario, ScenarioError> load_scenario(const std::filesystem::path& file, const Environment& env) {
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (ec)
        return std::unexpected(ScenarioError{{file.string(), 1, 1}, "cannot read the file: " + ec.message()});
    if (size > k_max_file_bytes)
        return std::unexpected(ScenarioError{{file.string(), 1, 1}, "the file is larger than 4 MiB: split it"});
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return load_scenario_text(text.str(), file, env);
}

} // namespace stagegate
