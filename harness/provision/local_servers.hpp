#pragma once

#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>

#include "provision/process.hpp"
#include "provision/provider.hpp"
#include "provision/reaper.hpp"
#include "provision/tls_material.hpp"

namespace stagegate {

// What a server holds that scenarios can change: its roles (accounts), its databases, and a
// digest of everything else that could leak from one scenario into the next (privileges,
// objects in the default database, per-role and per-database settings, configuration).
struct Catalog {
    std::vector<std::string> roles;     // sorted
    std::vector<std::string> databases; // sorted
    std::string fingerprint;            // equal for two servers no scenario could tell apart

    bool operator==(const Catalog&) const = default;
};

// What differs between engines that LocalServers runs: binaries, the template, the server's
// command line, the superuser login and how the server explains a failed start.
class ServerRecipe {
  public:
    virtual ~ServerRecipe() = default;
    // Returns the engine's name for messages ("PostgreSQL", "MariaDB").
    virtual std::string_view title() const = 0;
    // Returns the prefix of the instance folders ("pg", "mariadb").
    virtual std::string_view folder_prefix() const = 0;
    // Returns the account the server runs as when stagegate runs as root.
    virtual std::string_view account() const = 0;
    // Finds the installed server binaries; fails with what to install.
    virtual std::expected<void, std::string> find_binaries() = 0;
    // Returns how to build a template data directory at `data` whose superuser has `password`;
    // the recipe may write files into `dir` first (removed afterwards by the caller).
    virtual std::expected<SpawnSpec, std::string> template_command(const std::filesystem::path& dir,
                                                                   const std::filesystem::path& data,
                                                                   const std::string& password,
                                                                   const std::optional<UnixUser>& user) = 0;
    // Writes what the server reads besides its data directory into the instance folder `dir`
    // (PostgreSQL: its configuration file with the scenario's settings, and pg_hba.conf), readable
    // by `user`. Also called by maintenance steps, with the settings and access rules they changed.
    virtual std::expected<void, std::string> write_config(const std::filesystem::path& dir, const Database& database,
                                                          const ServerCertificate* certificate,
                                                          const std::optional<UnixUser>& user) const = 0;
    // Returns the server's command line for an instance (the scenario's settings last, so they win).
    virtual std::vector<std::string> server_arguments(const std::filesystem::path& data,
                                                      const std::filesystem::path& dir, int port,
                                                      const Database& database,
                                                      const ServerCertificate* certificate) const = 0;
    // Maintenance: applies `settings` through the superuser session `admin`; returns the names of
    // those that take effect only after a restart. Fails with the server's reason.
    virtual std::expected<std::vector<std::string>, std::string>
    apply_settings(Session& admin, const Settings& settings, const Deadline& deadline) const = 0;
    // Maintenance: makes the running server use `database.access` (the config was written with
    // write_config). Returns once new logins see the rules.
    virtual std::expected<void, std::string> apply_access(Session& admin, const Database& database,
                                                          const Deadline& deadline) const = 0;
    // Returns after a reload requested through `admin` is in effect for new logins.
    virtual std::expected<void, std::string> reload(Session& admin, const AdminLogin& login,
                                                    const Deadline& deadline) const = 0;
    // Reuse: returns what the server holds now, read through the superuser session `admin`.
    virtual std::expected<Catalog, std::string> catalog(Session& admin, const Deadline& deadline) const = 0;
    // Reuse: ends every other session, then drops the databases and roles of `now` that
    // `fresh` (the server as it started) does not have. The caller reads the catalog again to
    // prove the server is as it started.
    virtual std::expected<void, std::string> reset(Session& admin, const Catalog& fresh, const Catalog& now,
                                                   const Deadline& deadline) const = 0;
    // Returns the signal that shuts the server down cleanly for a restart (its data is kept).
    virtual int restart_signal() const = 0;
    // Returns the signal that ends the server when stagegate dies, and the one that stops it.
    virtual int parent_death_signal() const = 0;
    virtual int stop_signal() const = 0;
    // Returns the driver and login used for readiness and setup.
    virtual const Driver& admin_driver() const = 0;
    // `tls`: the server refuses plaintext logins (its access rules require TLS).
    virtual AdminLogin admin_login(int port, const std::string& password, const std::string& database,
                                   bool tls) const = 0;
    // Returns why the server did not come up, from its log.
    virtual std::string why_from_log(const std::filesystem::path& log) const = 0;
    // Returns the line reports show: "postgres 15.20, local, 127.0.0.1:40123".
    virtual std::string description(const std::string& version, int port, const Database& database) const = 0;
};

// Throwaway servers from the installed binaries. The first provision of a run builds a
// template data directory (random superuser password); every instance is a copy of it,
// started directly (never through a daemonizing wrapper) on a free loopback port with its
// socket in its own folder, as the engine's account when stagegate runs as root, with a
// parent-death signal so it dies with stagegate. Ready means a real superuser login
// succeeded. Off the critical path: prepare() copies and starts upcoming scenarios' servers
// while the current one is tried, and stopped servers are reaped and removed in the
// background (Reaper); destroying the provider finishes all of it. Thread-safe.
class LocalServers : public Provider {
  public:
    LocalServers(std::unique_ptr<ServerRecipe> recipe, const RunDir& run_dir, ProcessLauncher& launcher,
                 const CertificateAuthority* authority);
    ~LocalServers() override;

    std::expected<std::unique_ptr<Instance>, std::string> provision(const Database& database,
                                                                    const Deadline& deadline) override;
    void prepare(const Database& next) override;
    bool thread_safe() const override { return true; }
    // Takes back a scenario's server: when the scenario did not change its configuration, the
    // server is reset to its fresh catalog and, once the catalog reads back equal, kept for the
    // next scenario of the same configuration; otherwise (or on any doubt) it is stopped.
    void release(std::unique_ptr<Instance> instance) override;

    // A server on its way up: its folder, port and process, and the configuration it runs with.
    struct Starting {
        std::filesystem::path dir;
        int port = 0;
        std::unique_ptr<Process> process;
        std::string config_key; // server_config_key of the database it was started for
        std::optional<ServerCertificate> certificate;
        bool tls_only = false; // plaintext logins are refused
    };

    // Maintenance: stops `server` cleanly and starts it again in its folder, on its port, with
    // `database`'s configuration; returns once a superuser login works, with that session.
    std::expected<std::unique_ptr<Session>, std::string> restart(Starting& server, const Database& database,
                                                                 const Deadline& deadline);
    const ServerRecipe& recipe() const { return *m_recipe; }
    const std::optional<UnixUser>& user() const { return m_user; }

  private:
    std::expected<void, std::string> ensure_template(const Deadline& deadline);
    // Creates `name` in the run dir, owned by the account the servers run as.
    std::expected<std::filesystem::path, std::string> make_dir(const std::string& name);
    // Starts a server in `dir` on `port` (0: a free one), copying the template there first if asked.
    std::expected<Starting, std::string> start(const std::filesystem::path& dir, const Database& database,
                                               bool copy_first, int port = 0);
    // Waits for the first superuser login; returns its session, or why the server did not come up.
    std::expected<std::unique_ptr<Session>, std::string> wait_ready(Starting& server, const Deadline& deadline);
    // Stops a server that never served a scenario (prepared and not used, or abandoned while it
    // started): its stop signal now, the Reaper waits for it. Never SIGKILL first: a killed
    // PostgreSQL cannot remove its SysV shared memory segment.
    void stop(Starting server);

    std::unique_ptr<ServerRecipe> m_recipe;
    const RunDir& m_run_dir;
    ProcessLauncher& m_launcher;
    const CertificateAuthority* m_authority; // null: no scenario of the run serves TLS
    std::optional<UnixUser> m_user;          // set when running as root
    std::filesystem::path m_template;
    std::string m_password;
    int m_instances = 0;
    std::deque<Starting> m_prepared; // oldest first
    struct Idle {
        std::unique_ptr<Instance> instance;
        std::string config_key;
    };
    std::vector<Idle> m_idle; // servers reset and verified clean, waiting for a scenario
    // Guards the template, the prepared servers and the instance count; never held while a
    // server is waited for, so several scenarios' servers come up at once.
    std::recursive_mutex m_mutex;
    Reaper m_reaper;
};

// Reads a Catalog through `admin` with three queries, keeping the first column of every row:
// one for the roles, one for the databases, one whose single value is the fingerprint.
std::expected<Catalog, std::string> read_catalog(Session& admin, std::string_view roles_sql,
                                                 std::string_view databases_sql, std::string_view fingerprint_sql,
                                                 const Deadline& deadline);

// Returns the entries of sorted `now` that sorted `fresh` lacks.
std::vector<std::string> added_since(const std::vector<std::string>& fresh, const std::vector<std::string>& now);

// Returns a port on 127.0.0.1 that was free a moment ago (the kernel's choice).
std::expected<int, std::string> free_loopback_port();

// Returns 32 random hex characters (superuser passwords of throwaway servers).
std::string random_password();

} // namespace stagegate
