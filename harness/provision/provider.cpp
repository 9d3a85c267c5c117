#include "provision/provider.hpp"

#include "provision/docker_compose.hpp"
#include "provision/local_mariadb.hpp"
#include "provision/local_postgres.hpp"
#include "provision/local_sqlite.hpp"

#include <fmt/format.h>

namespace stagegate {

std::expected<std::string, std::string> Instance::change_settings(const Settings&, const Deadline&) {
    return std::unexpected(std::string("this provider cannot change a running server's settings: use provider local"));
}

std::expected<std::string, std::string> Instance::change_access(const AccessRules&, const Deadline&) {
    return std::unexpected(
        std::string("this provider cannot change a running server's access rules: use provider local"));
}

std::string server_config_key(const Database& database) {
    std::string key;
    for (const auto& [name, value] : database.settings)
        key += name + "=" + value + "\n";
    key += fmt::format("tls={}/{}\n", database.tls.enabled, to_string(database.tls.certificate));
    if (database.tls.enabled) // the names are in its certificate; without TLS a server answers to any name
        for (const auto& name : database.certificate_names)
            key += "name=" + name + "\n";
    key += fmt::format("require_tls={}\n", database.access.require_tls);
    for (const auto& line : database.access.hba)
        key += "hba=" + line + "\n";
    return key;
}

std::unique_ptr<Provider> make_provider(const Database& database, const RunDir& run_dir, ProcessLauncher& launcher,
                                        const CertificateAuthority* authority) {
    if (database.provider == ProviderKind::docker)
        return std::make_unique<DockerCompose>(run_dir, launcher);
    switch (database.engine) {
    case Engine::postgres:
        return std::make_unique<LocalPostgres>(run_dir, launcher, authority);
    case Engine::mariadb:
    case Engine::mysql:
        return std::make_unique<LocalMariadb>(run_dir, launcher, authority);
    case Engine::sqlite:
        return std::make_unique<LocalSqlite>(run_dir);
    }
    return nullptr;
}

} // namespace stagegate
