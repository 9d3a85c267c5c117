#pragma once

#include <filesystem>
#include <optional>

#include "provision/process.hpp"
#include "provision/provider.hpp"
#include "provision/reaper.hpp"

namespace stagegate {

// Throwaway PostgreSQL clusters from the installed server binaries. The first provision of a
// run makes a template with initdb (scram-sha-256, a random superuser password); every
// instance is a copy of it, started directly (not through the daemonizing pg_ctl) on a free
// loopback port with its socket in its own directory, as the `postgres` account when stagegate
// runs as root. Ready means a real superuser login succeeded. Off the critical path: the copy
// for the next instance starts as soon as one is ready, and stopped servers are reaped and
// removed in the background (Reaper); destroying the provider finishes all of it.
class LocalPostgres final : public Provider {
  public:
    LocalPostgres(const RunDir& run_dir, ProcessLauncher& launcher);
    ~LocalPostgres() override;

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
    // Returns a new instance folder holding a copy of the template (the spare one if made).
    std::expected<std::filesystem::path, std::string> take_copy(const Deadline& deadline);
    // Creates `name` in the run dir, owned by the account the servers run as.
    std::expected<std::filesystem::path, std::string> make_dir(const std::string& name);
    // Returns the command that copies the template into `dir`/data.
    SpawnSpec copy_spec(const std::filesystem::path& dir) const;
    // Starts copying the template for the next instance, without waiting.
    void start_spare_copy();

    struct Copy {
        std::filesystem::path dir;
        std::unique_ptr<Process> copier;
    };

    const RunDir& m_run_dir;
    ProcessLauncher& m_launcher;
    std::filesystem::path m_bindir;
    std::optional<UnixUser> m_user; // set when running as root
    std::filesystem::path m_template;
    std::string m_password;
    int m_instances = 0;
    std::optional<Copy> m_spare;
    Reaper m_reaper;
};

// Returns a port on 127.0.0.1 that was free a moment ago (the kernel's choice).
std::expected<int, std::string> free_loopback_port();

} // namespace stagegate
