#pragma once

#include <filesystem>

#include "provision/local_servers.hpp"

namespace stagegate {

// Throwaway PostgreSQL clusters (LocalServers): the template is made with initdb
// (scram-sha-256, a random superuser password), instances run `postgres` directly with
// durability off, on loopback only; SIGINT (fast shutdown) stops them, SIGQUIT ends them
// with stagegate.
class LocalPostgres final : public LocalServers {
  public:
    LocalPostgres(const RunDir& run_dir, ProcessLauncher& launcher, const CertificateAuthority* authority = nullptr);

    // Returns the directory of the newest installed server binaries ($STAGEGATE_PG_BINDIR wins).
    static std::expected<std::filesystem::path, std::string> find_bindir();

    // Returns the server's command line for an instance (settings last, so they win).
    static std::vector<std::string> server_arguments(const std::filesystem::path& bindir,
                                                     const std::filesystem::path& data,
                                                     const std::filesystem::path& socket_dir, int port,
                                                     const Database& database);
};

} // namespace stagegate
