#include "provision/docker_compose.hpp"

#include "provision/local_servers.hpp"
#include "provision/run_dir.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_compose_file = "docker-compose.yml";
constexpr std::string_view k_default_path = "/usr/local/bin:/usr/bin:/bin";
constexpr Millis k_down_budget{60000};
constexpr Millis k_probe_budget{10000};
constexpr Millis k_port_budget{30000};

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string word; in >> word;)
        words.push_back(word);
    return words;
}

// Returns `name` itself when it holds a slash, else the first executable of that name on PATH.
std::optional<fs::path> find_program(const std::string& name, const Environment& env) {
    std::error_code ec;
    if (name.find('/') != std::string::npos)
        return ::access(name.c_str(), X_OK) == 0 ? std::optional<fs::path>(fs::absolute(name, ec)) : std::nullopt;
    std::string path = env("PATH").value_or(std::string(k_default_path));
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty())
            continue;
        fs::path candidate = fs::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate, ec))
            return candidate;
    }
    return std::nullopt;
}

bool is_address(const std::string& host) {
    unsigned char buffer[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// A YAML double-quoted scalar whose `$` compose must not interpolate.
std::string yaml_quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '$':
            out += "$$";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
                out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
            else
                out += c;
        }
    }
    return out + "\"";
}

// The disposable-server flags of docker-compose.yml's commands, which the override replaces.
std::vector<std::string> server_command(const Database& database) {
    if (database.engine == Engine::postgres) {
        std::vector<std::string> command{
            "postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"};
        for (const auto& [key, value] : database.settings)
            command.insert(command.end(), {"-c", key + "=" + value});
        return command;
    }
    std::vector<std::string> command{database.engine == Engine::mariadb ? "mariadbd" : "mysqld",
                                     "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin"};
    for (const auto& [key, value] : database.settings)
        command.push_back("--" + key + "=" + value);
    return command;
}

std::vector<std::string> network_aliases(const Database& database) {
    std::vector<std::string> aliases;
    std::set<std::string> seen;
    for (const auto& name : database.answers_as) {
        // An address cannot be a DNS alias, and "localhost" must stay the container's own.
        if (name.host.empty() || name.host == "localhost" || is_address(name.host))
            continue;
        if (seen.insert(name.host).second)
            aliases.push_back(name.host);
    }
    return aliases;
}

std::string last_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") != std::string::npos)
            last = line;
    }
    return last;
}

std::string cut(std::string text, const std::string& secret) {
    if (secret.empty())
        return text;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
        text.replace(at, secret.size(), "***");
    return text;
}

std::string command_name(const std::vector<std::string>& compose) {
    std::string name = fs::path(compose.at(0)).filename().string();
    for (std::size_t i = 1; i < compose.size(); ++i)
        name += " " + compose[i];
    return name;
}

SpawnSpec compose_spec(std::vector<std::string> argv, fs::path output) {
    SpawnSpec spec;
    spec.argv = std::move(argv);
    spec.output = std::move(output);
    // Where the engine is and how to reach it, and the image tags of the repository's compose
    // file; nothing else of stagegate's environment (children get a minimal one).
    spec.inherit = {"HOME",
                    "XDG_RUNTIME_DIR",
                    "DOCKER_HOST",
                    "DOCKER_CONTEXT",
                    "DOCKER_CONFIG",
                    "DOCKER_CERT_PATH",
                    "DOCKER_TLS_VERIFY",
                    "STAGEGATE_POSTGRES_VERSION",
                    "STAGEGATE_MYSQL_VERSION",
                    "STAGEGATE_MARIADB_VERSION"};
    spec.die_with_parent = true; // the watchdog runs `down -v` after a SIGKILL of stagegate
    return spec;
}

fs::path log_of(const ComposeProject& project) {
    return project.override_file.parent_path() / (project.name + ".log");
}

// `down -v` with a budget of its own: it must also run after an interruption or a spent deadline.
void compose_down(ProcessLauncher& launcher, const RunDir& run_dir, const ComposeProject& project) {
    auto status =
        run_to_completion(launcher, compose_spec(project.down(), log_of(project)), Deadline::in(k_down_budget));
    if (status && *status == 0)
        run_dir.forget_compose_project(project.name);
    // Otherwise the record stays: the run folder's clean-up tries again at the end of the run.
}

AdminLogin admin_login(Engine engine, int port, const std::string& password, const std::string& database) {
    if (engine == Engine::postgres)
        return AdminLogin{"postgresql", "127.0.0.1", port,
                          "postgres",   password,    database.empty() ? std::string("postgres") : database};
    return AdminLogin{"mysql", "127.0.0.1", port, "root", password, database};
}

const Driver& engine_driver(Engine engine) {
    return *find_driver(engine == Engine::postgres ? "libpq" : "mysqlcppconn");
}

std::expected<std::unique_ptr<Session>, std::string> wait_ready(const Driver& admin, const AdminLogin& login,
                                                                const Deadline& deadline) {
    std::string last_error = "no login tried";
    while (true) {
        if (deadline.stopped())
            return std::unexpected(std::string("interrupted while the container started"));
        if (deadline.expired())
            return std::unexpected(
                fmt::format("no superuser login in time on 127.0.0.1:{} (last: {})", login.port, last_error));
        auto session = admin.connect_admin(login, deadline.capped(Millis(2000)));
        if (session)
            return std::move(*session);
        // The images accept TCP logins only once the password is set: a rejection is final.
        if (session.error().category == Category::auth)
            return std::unexpected(fmt::format("the container rejected the superuser login ({}): does the compose "
                                               "file pass ${{{}}} to the service?",
                                               session.error().message, k_compose_password_variable));
        last_error = session.error().message;
        std::this_thread::sleep_for(Millis(10));
    }
}

class DockerInstance final : public Instance {
  public:
    DockerInstance(ProcessLauncher& launcher, const RunDir& run_dir, ComposeProject project, int port,
                   std::string password, const Driver& admin, std::string description, Millis ready_after,
                   std::unique_ptr<Session> session)
        : m_launcher(launcher), m_run_dir(run_dir), m_project(std::move(project)), m_port(port),
          m_password(std::move(password)), m_admin(admin), m_description(std::move(description)),
          m_ready_after(ready_after), m_session(std::move(session)) {}

    ~DockerInstance() override {
        m_session.reset();
        compose_down(m_launcher, m_run_dir, m_project);
    }

    AdminLogin admin(const std::string& database) const override {
        return admin_login(m_project.engine, m_port, m_password, database);
    }
    const Driver& admin_driver() const override { return m_admin; }
    Route route() const override { return Route{"127.0.0.1", m_port}; }
    std::string description() const override { return m_description; }
    Millis ready_after() const override { return m_ready_after; }
    std::unique_ptr<Session> take_admin_session() override { return std::move(m_session); }

  private:
    ProcessLauncher& m_launcher;
    const RunDir& m_run_dir;
    ComposeProject m_project;
    int m_port;
    std::string m_password;
    const Driver& m_admin;
    std::string m_description;
    Millis m_ready_after;
    std::unique_ptr<Session> m_session;
};

std::string describe(const ComposeProject& project, const std::string& version, int port) {
    std::string short_version = version.substr(0, version.find('-'));
    return fmt::format("{} {}, docker ({}), 127.0.0.1:{}", compose_service(project.engine), short_version, project.name,
                       port);
}

} // namespace

std::string_view compose_service(Engine engine) {
    return to_string(engine);
}

int container_port(Engine engine) {
    return engine == Engine::postgres ? 5432 : 3306;
}

std::vector<std::string> ComposeProject::up() const {
    std::vector<std::string> argv = compose;
    argv.insert(argv.end(), {"-f", file.string(), "-f", override_file.string(), "-p", name, "up", "-d",
                             std::string(compose_service(engine))});
    return argv;
}

std::vector<std::string> ComposeProject::port() const {
    std::vector<std::string> argv = compose;
    argv.insert(argv.end(), {"-f", file.string(), "-f", override_file.string(), "-p", name, "port",
                             std::string(compose_service(engine)), std::to_string(container_port(engine))});
    return argv;
}

std::vector<std::string> ComposeProject::down() const {
    std::vector<std::string> argv = compose;
    argv.insert(argv.end(), {"-f", file.string(), "-f", override_file.string(), "-p", name, "down", "-v",
                             "--remove-orphans", "--timeout", "0"});
    return argv;
}

std::expected<std::vector<std::string>, std::string>
find_compose_command(ProcessLauncher& launcher, const Environment& env, const Deadline& deadline) {
    if (auto chosen = env("STAGEGATE_COMPOSE"); chosen && !chosen->empty()) {
        auto words = split_words(*chosen);
        auto program = words.empty() ? std::nullopt : find_program(words[0], env);
        if (!program)
            return std::unexpected(fmt::format("STAGEGATE_COMPOSE={}: no such program on PATH", *chosen));
        words[0] = program->string();
        return words;
    }
    if (auto docker = find_program("docker", env)) {
        SpawnSpec probe = compose_spec({docker->string(), "compose", "version"}, {});
        auto status = run_to_completion(launcher, probe, deadline.capped(k_probe_budget));
        if (status && *status == 0)
            return std::vector<std::string>{docker->string(), "compose"};
    }
    if (auto compose = find_program("docker-compose", env))
        return std::vector<std::string>{compose->string()};
    return std::unexpected(std::string("provider: docker needs Docker Compose: neither `docker compose` nor "
                                       "docker-compose works here; install one or set STAGEGATE_COMPOSE"));
}

std::expected<fs::path, std::string> find_compose_file(const fs::path& folder, const Environment& env) {
    if (auto chosen = env("STAGEGATE_COMPOSE_FILE"); chosen && !chosen->empty()) {
        std::error_code ec;
        if (!fs::is_regular_file(*chosen, ec))
            return std::unexpected(fmt::format("STAGEGATE_COMPOSE_FILE={}: no such file", *chosen));
        return fs::absolute(*chosen, ec);
    }
    std::error_code ec;
    fs::path start = fs::absolute(folder.empty() ? fs::path(".") : folder, ec).lexically_normal();
    if (start.filename().empty() && start.has_parent_path())
        start = start.parent_path(); // "/a/b/" names the folder "/a/b"
    for (fs::path dir = start;; dir = dir.parent_path()) {
        if (fs::is_regular_file(dir / k_compose_file, ec))
            return dir / k_compose_file;
        if (dir == dir.parent_path() || dir.empty())
            break;
    }
    return std::unexpected(fmt::format("provider: docker found no {} in {} or its parents; set "
                                       "STAGEGATE_COMPOSE_FILE to a compose file with postgres, mysql and mariadb "
                                       "services",
                                       k_compose_file, start.string()));
}

std::string compose_project_name(const fs::path& run_dir, int instance) {
    std::string run = run_dir.filename().string();
    if (run.starts_with("run-"))
        run.erase(0, 4);
    std::string name = fmt::format("stagegate-{}-{}", run, instance);
    for (char& c : name) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            c = '-';
    }
    return name;
}

std::string compose_override(const Database& database) {
    std::string text = "# Written by stagegate for one scenario (docs/providers.md); removed with the run folder.\n";
    text += fmt::format("services:\n  {}:\n    command:\n", compose_service(database.engine));
    for (const auto& arg : server_command(database))
        text += fmt::format("      - {}\n", yaml_quoted(arg));
    auto aliases = network_aliases(database);
    if (!aliases.empty()) {
        text += fmt::format("    networks:\n      {}:\n        aliases:\n", k_compose_network);
        for (const auto& alias : aliases)
            text += fmt::format("          - {}\n", yaml_quoted(alias));
    }
    return text;
}

std::optional<int> published_port(const std::string& output) {
    std::optional<int> port;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        auto colon = line.rfind(':');
        if (colon == std::string::npos || colon + 1 == line.size() || colon + 6 < line.size())
            continue;
        std::string digits = line.substr(colon + 1);
        if (digits.find_first_not_of("0123456789") != std::string::npos)
            continue;
        int value = std::stoi(digits);
        if (value > 0 && value < 65536)
            port = value;
    }
    return port;
}

DockerCompose::DockerCompose(const RunDir& run_dir, ProcessLauncher& launcher, Environment env,
                             const Driver* admin_driver)
    : m_run_dir(run_dir), m_launcher(launcher), m_env(std::move(env)), m_admin_driver(admin_driver) {}

DockerCompose::~DockerCompose() = default;

std::expected<ComposeProject, std::string> DockerCompose::plan(const Database& database, const Deadline& deadline) {
    if (m_compose.empty()) {
        auto compose = find_compose_command(m_launcher, m_env, deadline);
        if (!compose)
            return std::unexpected(compose.error());
        m_compose = *compose;
        m_password = random_password();
    }
    auto file = find_compose_file(database.folder, m_env);
    if (!file)
        return std::unexpected(file.error());
    ++m_instances;
    ComposeProject project{m_compose, *file, m_run_dir.path() / fmt::format("compose-{}.yml", m_instances),
                           compose_project_name(m_run_dir.path(), m_instances), database.engine};
    std::ofstream out(project.override_file);
    out << compose_override(database);
    if (!out.flush())
        return std::unexpected(fmt::format("cannot write {}", project.override_file.string()));
    m_run_dir.record_compose_project(project.name, project.down());
    return project;
}

std::expected<int, std::string> DockerCompose::start(const ComposeProject& project, const Deadline& deadline) {
    std::string command = command_name(project.compose);
    fs::path log = log_of(project);
    std::expected<int, std::string> status;
    SpawnSpec up = compose_spec(project.up(), log);
    up.environment.emplace_back(k_compose_password_variable, m_password); // the child's only, never argv
    status = run_to_completion(m_launcher, up, deadline);
    if (!status)
        return std::unexpected(fmt::format("{} up: {}", command, status.error()));
    if (*status != 0)
        return std::unexpected(fmt::format("{} up failed ({}): {}", command, *status, last_line(log)));
    fs::path answer = project.override_file.parent_path() / (project.name + ".port");
    std::error_code ec;
    fs::remove(answer, ec);
    status = run_to_completion(m_launcher, compose_spec(project.port(), answer), deadline.capped(k_port_budget));
    std::ifstream in(answer);
    std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto port = published_port(output);
    if (!status || *status != 0 || !port)
        return std::unexpected(fmt::format("{} port {} {} named no published port: {}", command,
                                           compose_service(project.engine), container_port(project.engine),
                                           status ? last_line(answer) : status.error()));
    return *port;
}

std::expected<std::unique_ptr<Instance>, std::string> DockerCompose::provision(const Database& database,
                                                                               const Deadline& deadline) {
    auto started = Clock::now();
    auto project = plan(database, deadline);
    if (!project)
        return std::unexpected(project.error());
    const Driver& admin = m_admin_driver ? *m_admin_driver : engine_driver(database.engine);
    auto fail = [&](const std::string& why) {
        compose_down(m_launcher, m_run_dir, *project);
        return std::unexpected(cut(fmt::format("provider: docker ({}): {}", project->name, why), m_password));
    };
    auto port = start(*project, deadline);
    if (!port)
        return fail(port.error());
    auto session = wait_ready(admin, admin_login(database.engine, *port, m_password, ""), deadline);
    if (!session)
        return fail(session.error());
    auto identity = (*session)->identity(deadline.capped(Millis(5000)));
    std::string description = describe(*project, identity ? identity->version : "?", *port);
    auto ready = std::chrono::duration_cast<Millis>(Clock::now() - started);
    return std::make_unique<DockerInstance>(m_launcher, m_run_dir, std::move(*project), *port, m_password, admin,
                                            std::move(description), ready, std::move(*session));
}

} // namespace stagegate
