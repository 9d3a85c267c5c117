#pragma once

#include <filesystem>
#include <optional>

#include "provision/process.hpp"
#include "provision/provider.hpp"

namespace stagegate {

// Throwaway PostgreSQL clusters from the installed server binaries. The first provision of a
// run makes a template with initdb (scram-sha-256, a random superuser password); every
// instance is a copy of it, started directly (not through the daemonizing pg_ctl) on a free
// loopback port with its socket in its own directory, as the `postgres` account when stagegate
// runs as root. Ready means a real superuser login succeeded.
class LocalPostgres final : public Provider {
  public:
    LocalPostgres(const RunDir& run_dir, ProcessLauncher& launcher);

    std::expected<std::unique_ptr<Instance>, std::string> provision(const Database& database,
                                                                   const Deadline& deadline) override;

    // Returns the directory of the newest installed server binaries ($STAGEGATE_PG_BINDIR wins).
    static std::expected<std::filesystem::path, std::string> find_bindir();

    // Returns the server's command line for an instance (settings last, so they win).
    static std::vector<std::string> server_arguments(const std::filesystem::path& bindir,
                                                     const std::filesystem::path& data, const std::filesystem::path& socket_dir,
                                                     int port, const Database& database);

  private:
    std::expected<void, std::string> ensure_template(const Deadline& deadline);

    const RunDir& m_run_dir;
    ProcessLauncher& m_launcher;
    std::filesystem::path m_bindir;
    std::optional<UnixUser> m_user; // set when running as root
    std::filesystem::path m_template;
    std::string m_password;
    int m_instances = 0;
};

// Returns a port on 127.0.0.1 that was free a moment ago (the kernel's choice).
std::expected<int, std::string> free_loopback_port();

} // namespace stagegate
