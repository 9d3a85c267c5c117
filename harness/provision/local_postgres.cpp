#include "provision/local_postgres.hpp"

#include "stagegate/driver.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_superuser = "postgres";

// The last FATAL/ERROR/PANIC line of a server log: why a server did not come up.
std::string last_error_line(const fs::path& log) {
    std::ifstream in(log);
    std::string line;
    std::string why;
    std::string last;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        last = line;
        for (const char* severity : {"FATAL:", "PANIC:", "ERROR:"}) {
            // Keep "FATAL:  ..." without the log line's timestamp and pid prefix.
            if (auto at = line.find(severity); at != std::string::npos)
                why = line.substr(at);
        }
    }
    return why.empty() ? last : why;
}

class PostgresRecipe final : public ServerRecipe {
  public:
    std::string_view title() const override { return "PostgreSQL"; }
    std::string_view folder_prefix() const override { return "pg"; }
    std::string_view account() const override { return "postgres"; }

    std::expected<void, std::string> find_binaries() override {
        auto bindir = LocalPostgres::find_bindir();
        if (!bindir)
            return std::unexpected(bindir.error());
        m_bindir = *bindir;
        return {};
    }

    std::expected<SpawnSpec, std::string> template_command(const fs::path& dir, const fs::path& data,
                                                           const std::string& password,
                                                           const std::optional<UnixUser>& user) override {
        fs::path pwfile = dir / "secret";
        std::ofstream(pwfile) << password << '\n';
        fs::permissions(pwfile, fs::perms::owner_read | fs::perms::owner_write);
        if (user && ::chown(pwfile.c_str(), user->uid, user->gid) != 0)
            return std::unexpected(std::string("cannot hand the password file to postgres"));
        SpawnSpec spec;
        spec.argv = {(m_bindir / "initdb").string(),
                     "-D",
                     data.string(),
                     "--auth=scram-sha-256",
                     "--pwfile=" + pwfile.string(),
                     "-U",
                     std::string(k_superuser),
                     "-E",
                     "UTF8",
                     "--locale=C",
                     "--no-instructions",
                     "-N"};
        return spec;
    }

    std::vector<std::string> server_arguments(const fs::path& data, const fs::path& dir, int port,
                                              const Database& database) const override {
        return LocalPostgres::server_arguments(m_bindir, data, dir, port, database);
    }

    int parent_death_signal() const override { return SIGQUIT; } // immediate: the postmaster takes its back ends
    int stop_signal() const override { return SIGINT; }          // fast shutdown

    const Driver& admin_driver() const override { return *find_driver("libpq"); }

    AdminLogin admin_login(int port, const std::string& password, const std::string& database) const override {
        return AdminLogin{"postgresql", "127.0.0.1",
                          port,         std::string(k_superuser),
                          password,     database.empty() ? std::string("postgres") : database};
    }

    std::string why_from_log(const fs::path& log) const override { return last_error_line(log); }

    std::string description(const std::string& version, int port, const Database&) const override {
        return fmt::format("postgres {}, local, 127.0.0.1:{}", version, port);
    }

  private:
    fs::path m_bindir;
};

} // namespace

LocalPostgres::LocalPostgres(const RunDir& run_dir, ProcessLauncher& launcher)
    : LocalServers(std::make_unique<PostgresRecipe>(), run_dir, launcher) {}

std::expected<fs::path, std::string> LocalPostgres::find_bindir() {
    if (const char* dir = std::getenv("STAGEGATE_PG_BINDIR"); dir && *dir) {
        if (!fs::exists(fs::path(dir) / "postgres") || !fs::exists(fs::path(dir) / "initdb"))
            return std::unexpected(fmt::format("STAGEGATE_PG_BINDIR={} holds no postgres and initdb binaries", dir));
        return fs::path(dir);
    }
    std::error_code ec;
    fs::path best;
    int best_version = 0;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        int version = std::atoi(entry.path().filename().c_str());
        if (version > best_version && fs::exists(entry.path() / "bin" / "postgres")) {
            best_version = version;
            best = entry.path() / "bin";
        }
    }
    if (best.empty())
        return std::unexpected(std::string("no PostgreSQL server under /usr/lib/postgresql: run scripts/setup "
                                           "(installs postgresql) or set STAGEGATE_PG_BINDIR"));
    return best;
}

std::vector<std::string> LocalPostgres::server_arguments(const fs::path& bindir, const fs::path& data,
                                                         const fs::path& socket_dir, int port,
                                                         const Database& database) {
    std::vector<std::string> args{(bindir / "postgres").string(), "-D", data.string(),      "-p",
                                  std::to_string(port),           "-k", socket_dir.string()};
    // A disposable server: durability off, logs to our file, listening on loopback only.
    for (const char* setting :
         {"listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off", "full_page_writes=off",
          "logging_collector=off", "log_destination=stderr", "unix_socket_permissions=0700"}) {
        args.insert(args.end(), {"-c", setting});
    }
    for (const auto& [key, value] : database.settings)
        args.insert(args.end(), {"-c", key + "=" + value});
    return args;
}

} // namespace stagegate
