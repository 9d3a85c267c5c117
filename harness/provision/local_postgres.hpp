#pragma once

#include <deque>
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
// runs as root. Ready means a real superuser login succeeded. Off the critical path: prepare()
// copies and starts upcoming scenarios' servers while the current one is tried, and stopped
// servers are reaped and removed in the background (Reaper); destroying the provider finishes
// all of it.
class LocalPostgres final : public Provider {
  public:
    LocalPostgres(const RunDir& run_dir, ProcessLauncher& launcher);
    ~LocalPostgres() override;

    std::expected<std::unique_ptr<Instance>, std::string> provision(const Database& database,
                                                                    const Deadline& deadline) override;
    void prepare(const Database& next) override;

    // Returns the directory of the newest installed server binaries ($STAGEGATE_PG_BINDIR wins).
    static std::expected<std::filesystem::path, std::string> find_bindir();

    // Returns the server's command line for an instance (settings last, so they win).
    static std::vector<std::string> server_arguments(const std::filesystem::path& bindir,
                                                     const std::filesystem::path& data,
                                                     const std::filesystem::path& socket_dir, int port,
                                                     const Database& database);

  private:
    // A server on its way up: its folder, port and process, and the settings it runs with.
    struct Starting {
        std::filesystem::path dir;
        int port = 0;
        std::unique_ptr<Process> process;
        std::vector<std::pair<std::string, std::string>> settings;
    };

    std::expected<void, std::string> ensure_template(const Deadline& deadline);
    // Creates `name` in the run dir, owned by the account the servers run as.
    std::expected<std::filesystem::path, std::string> make_dir(const std::string& name);
    // Starts a server in `dir` on a free port, copying the template there first if asked.
    std::expected<Starting, std::string> start(const std::filesystem::path& dir, const Database& database,
                                               bool copy_first);
    // Waits for the first superuser login; returns its session, or why the server did not come up.
    std::expected<std::unique_ptr<Session>, std::string> wait_ready(Starting& server, const Deadline& deadline);
    // Stops the oldest prepared server (it was never used).
    void discard_oldest_prepared();

    const RunDir& m_run_dir;
    ProcessLauncher& m_launcher;
    std::filesystem::path m_bindir;
    std::optional<UnixUser> m_user; // set when running as root
    std::filesystem::path m_template;
    std::string m_password;
    int m_instances = 0;
    std::deque<Starting> m_prepared; // oldest first
    Reaper m_reaper;
};

// Returns a port on 127.0.0.1 that was free a moment ago (the kernel's choice).
std::expected<int, std::string> free_loopback_port();

} // namespace stagegate
