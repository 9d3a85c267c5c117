#pragma once

#include "provision/local_servers.hpp"

namespace stagegate {

// Throwaway MariaDB servers (LocalServers) from Debian's mariadb-server: the template is made
// with mariadb-install-db (root with a random password, reachable over TCP from 127.0.0.1),
// instances run `mariadbd --no-defaults` directly with durability off, on loopback only.
// They serve `engine: mariadb` and `engine: mysql` (reports say MariaDB answered).
class LocalMariadb final : public LocalServers {
  public:
    LocalMariadb(const RunDir& run_dir, ProcessLauncher& launcher, const CertificateAuthority* authority = nullptr);

    // Returns the installed mariadbd ($STAGEGATE_MARIADBD wins), or what to install.
    static std::expected<std::filesystem::path, std::string> find_server();
    // Returns the server's command line for an instance (settings last, so they win).
    static std::vector<std::string> server_arguments(const std::filesystem::path& server,
                                                     const std::filesystem::path& data,
                                                     const std::filesystem::path& dir, int port,
                                                     const Database& database);
};

} // namespace stagegate
