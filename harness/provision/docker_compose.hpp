#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "provision/process.hpp"
#include "provision/provider.hpp"
#include "scenario/loader.hpp"

namespace stagegate {

// The variable that hands the superuser password to the compose file (never on a command line).
inline constexpr std::string_view k_compose_password_variable = "STAGEGATE_SUPERUSER_PASSWORD";

// The compose network whose aliases carry the scenario's `answers_as` names.
inline constexpr std::string_view k_compose_network = "staging";

// One compose project of one instance: the command lines stagegate issues for it. The service
// publishes its port on 127.0.0.1 with an ephemeral host port (the file says "127.0.0.1::5432")
// and stagegate asks `port` which one Docker chose: Docker binds it atomically when the container
// starts, whereas a port stagegate probed could be taken before the container binds it.
struct ComposeProject {
    std::vector<std::string> compose;    // {"/usr/bin/docker", "compose"} or {"/usr/bin/docker-compose"}
    std::filesystem::path file;          // the compose file with the engine's service
    std::filesystem::path override_file; // generated in the run folder: command and aliases
    std::string name;                    // unique per run and instance (-p)
    Engine engine = Engine::postgres;

    // Returns `<compose> -f file -f override -p name up -d <service>`.
    std::vector<std::string> up() const;
    // Returns `<compose> ... port <service> <container port>`.
    std::vector<std::string> port() const;
    // Returns `<compose> ... down -v --remove-orphans --timeout 0` (the data is thrown away).
    std::vector<std::string> down() const;
};

// Returns the compose service of `engine` ("postgres", "mysql", "mariadb").
std::string_view compose_service(Engine engine);

// Returns the port the engine's server listens on inside its container (5432 or 3306).
int container_port(Engine engine);

// Returns the compose command: $STAGEGATE_COMPOSE (split on spaces, first word looked up on
// PATH), else `docker compose` when `docker compose version` succeeds, else `docker-compose`
// from PATH; fails with what to install or set.
std::expected<std::vector<std::string>, std::string>
find_compose_command(ProcessLauncher& launcher, const Environment& env, const Deadline& deadline);

// Returns $STAGEGATE_COMPOSE_FILE (made absolute), else docker-compose.yml in `folder` or the
// nearest parent that has one; fails with what to set.
std::expected<std::filesystem::path, std::string> find_compose_file(const std::filesystem::path& folder,
                                                                    const Environment& env);

// Returns "stagegate-<pid>-<random>-<instance>" from the run folder's name "run-<pid>-<random>":
// lowercase [a-z0-9-] as compose requires, unique across runs sharing one Docker engine.
std::string compose_project_name(const std::filesystem::path& run_dir, int instance);

// Returns the override file for `database`: the service's command (the disposable-server flags,
// then each setting as `-c key=value` or `--key=value`) and every `answers_as` host name
// (except addresses and localhost) as an alias on k_compose_network. `$` is escaped for compose.
std::string compose_override(const Database& database);

// Returns the host port from `port`'s output ("127.0.0.1:49153"), or nothing if there is none.
std::optional<int> published_port(const std::string& output);

// provider: docker. Stands up the engine's service of docker-compose.yml (postgres, mysql or
// mariadb) under a unique compose project name, waits a bounded time for a real superuser
// login on the published port, and always runs `down -v` afterwards: on any provisioning
// failure, when the instance is destroyed (also after SIGINT and SIGTERM), and, after a
// SIGKILL, from the run folder's watchdog or the next run's stale sweep. See docs/providers.md.
class DockerCompose final : public Provider {
  public:
    // `admin_driver` replaces the engine's driver for the readiness login (null = the real one).
    DockerCompose(const RunDir& run_dir, ProcessLauncher& launcher, Environment env = process_environment(),
                  const Driver* admin_driver = nullptr);
    ~DockerCompose() override;

    // Fails with a one-line reason (no compose command or file, `up` failed, no login in time),
    // after `down -v` of whatever was started; the password never appears in it.
    std::expected<std::unique_ptr<Instance>, std::string> provision(const Database& database,
                                                                    const Deadline& deadline) override;
    // Does nothing: containers start when provision() asks for them.
    void prepare(const Database&) override {}

  private:
    // Writes the override file and records the project for the watchdog before anything starts.
    std::expected<ComposeProject, std::string> plan(const Database& database, const Deadline& deadline);
    // Runs `up` (the password in the environment only) and `port`; returns the published host port.
    std::expected<int, std::string> start(const ComposeProject& project, const Deadline& deadline);

    const RunDir& m_run_dir;
    ProcessLauncher& m_launcher;
    Environment m_env;
    const Driver* m_admin_driver;
    std::vector<std::string> m_compose; // found on the first provision
    std::string m_password;
    int m_instances = 0;
};

} // namespace stagegate
