#pragma once

#include "provision/provider.hpp"

namespace stagegate {

// provider: docker. Stands up the engine's service of docker-compose.yml (postgres, mysql or
// mariadb) under a unique compose project name, waits a bounded time for a real superuser
// login on the published port, and always runs `down -v` afterwards (also after SIGINT and
// SIGTERM; after a SIGKILL the run folder's watchdog does it). See docs/providers.md.
class DockerCompose final : public Provider {
  public:
    DockerCompose(const RunDir& run_dir, ProcessLauncher& launcher);
    ~DockerCompose() override;

    std::expected<std::unique_ptr<Instance>, std::string> provision(const Database& database,
                                                                    const Deadline& deadline) override;
    void prepare(const Database&) override {}

  private:
    const RunDir& m_run_dir;
    ProcessLauncher& m_launcher;
    int m_instances = 0;
};

} // namespace stagegate
