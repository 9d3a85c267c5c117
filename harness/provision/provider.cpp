#include "provision/provider.hpp"

#include "provision/docker_compose.hpp"
#include "provision/local_mariadb.hpp"
#include "provision/local_postgres.hpp"
#include "provision/local_sqlite.hpp"

namespace stagegate {

std::unique_ptr<Provider> make_provider(const Database& database, const RunDir& run_dir, ProcessLauncher& launcher) {
    if (database.provider == ProviderKind::docker)
        return std::make_unique<DockerCompose>(run_dir, launcher);
    switch (database.engine) {
    case Engine::postgres:
        return std::make_unique<LocalPostgres>(run_dir, launcher);
    case Engine::mariadb:
    case Engine::mysql:
        return std::make_unique<LocalMariadb>(run_dir, launcher);
    case Engine::sqlite:
        return std::make_unique<LocalSqlite>(run_dir);
    }
    return nullptr;
}

} // namespace stagegate
