#include "provision/local_postgres.hpp"

#include "provision/run_dir.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <random>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_superuser = "postgres";

std::string random_password() {
    std::random_device device;
    std::string password;
    for (int i = 0; i < 4; ++i)
        password += fmt::format("{:08x}", device());
    return password;
}

// The last FATAL/ERROR/PANIC line of a server log: why a server did not come up.
std::string why_from_log(const fs::path& log) {
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

class PostgresInstance final : public Instance {
  public:
    PostgresInstance(Reaper& reaper, std::unique_ptr<Process> process, fs::path dir, int port, std::string password,
                     std::string version, Millis ready_after, std::unique_ptr<Session> session)
        : m_reaper(reaper), m_process(std::move(process)), m_dir(std::move(dir)), m_port(port),
          m_password(std::move(password)), m_version(std::move(version)), m_ready_after(ready_after),
          m_session(std::move(session)) {}

    ~PostgresInstance() override {
        m_session.reset();
        m_process->signal(SIGINT); // PostgreSQL's fast shutdown; the reaper finishes the job
        m_reaper.bury(std::move(m_process), m_dir);
    }

    AdminLogin admin(const std::string& database) const override {
        return AdminLogin{"127.0.0.1", m_port, std::string(k_superuser), m_password,
                          database.empty() ? std::string("postgres") : database};
    }
    Route route() const override { return Route{"127.0.0.1", m_port}; }
    std::string description() const override {
        return fmt::format("postgres {}, local, 127.0.0.1:{}", m_version, m_port);
    }
    Millis ready_after() const override { return m_ready_after; }
    std::unique_ptr<Session> take_admin_session() override { return std::move(m_session); }

  private:
    Reaper& m_reaper;
    std::unique_ptr<Process> m_process;
    fs::path m_dir;
    int m_port;
    std::string m_password;
    std::string m_version;
    Millis m_ready_after;
    std::unique_ptr<Session> m_session;
};

} // namespace

std::expected<int, std::string> free_loopback_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return std::unexpected(std::string("cannot open a socket"));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
              ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!ok)
        return std::unexpected(std::string("cannot find a free port on 127.0.0.1"));
    return ntohs(address.sin_port);
}

LocalPostgres::LocalPostgres(const RunDir& run_dir, ProcessLauncher& launcher)
    : m_run_dir(run_dir), m_launcher(launcher), m_reaper(run_dir, launcher) {}

LocalPostgres::~LocalPostgres() {
    while (!m_prepared.empty())
        discard_oldest_prepared();
}

std::expected<fs::path, std::string> LocalPostgres::make_dir(const std::string& name) {
    uid_t uid = m_user ? m_user->uid : ::geteuid();
    gid_t gid = m_user ? m_user->gid : ::getegid();
    return m_run_dir.make_dir(name, uid, gid);
}

void LocalPostgres::discard_oldest_prepared() {
    Starting& oldest = m_prepared.front();
    oldest.process->kill_group(); // never used: no shutdown to wait for, copy included
    m_reaper.bury(std::move(oldest.process), oldest.dir);
    m_prepared.pop_front();
}

void LocalPostgres::prepare(const Database& next) {
    if (m_template.empty())
        return;
    auto dir = make_dir(fmt::format("pg-{}", ++m_instances));
    if (!dir)
        return; // provision() will start in the foreground and report the problem
    if (auto starting = start(*dir, next, true))
        m_prepared.push_back(std::move(*starting));
}

std::expected<LocalPostgres::Starting, std::string> LocalPostgres::start(const fs::path& dir, const Database& database,
                                                                         bool copy_first) {
    auto port = free_loopback_port();
    if (!port)
        return std::unexpected(port.error());
    fs::path data = dir / "data";
    SpawnSpec spec;
    spec.argv = server_arguments(m_bindir, data, dir, *port, database);
    if (copy_first) {
        // One process copies the template and then becomes the server (exec keeps the pid and
        // the parent-death signal), so the copy needs no waiting of its own.
        std::vector<std::string> shell{
            "/bin/sh", "-c", "cp -a \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh", m_template.string(), data.string()};
        spec.argv.insert(spec.argv.begin(), shell.begin(), shell.end());
    }
    spec.as_user = m_user;
    spec.output = dir / "server.log";
    spec.die_with_parent = true;
    spec.parent_death_signal = SIGQUIT; // immediate shutdown: the postmaster takes its back ends along
    auto process = m_launcher.spawn(spec);
    if (!process)
        return std::unexpected(process.error());
    m_run_dir.record_server((*process)->pid(), data);
    return Starting{dir, *port, std::move(*process), database.settings};
}

std::expected<std::unique_ptr<Session>, std::string> LocalPostgres::wait_ready(Starting& server,
                                                                               const Deadline& deadline) {
    const Driver* libpq = find_driver("libpq");
    AdminLogin login{"127.0.0.1", server.port, std::string(k_superuser), m_password, "postgres"};
    fs::path log = server.dir / "server.log";
    while (true) {
        if (server.process->poll_exit()) {
            m_run_dir.forget_server(server.process->pid());
            return std::unexpected(why_from_log(log));
        }
        if (deadline.expired() || deadline.stopped())
            return std::unexpected(deadline.stopped()
                                       ? std::string("interrupted while PostgreSQL started")
                                       : "PostgreSQL did not accept a login in time: " + why_from_log(log));
        auto session = libpq->connect_admin(login, deadline.capped(Millis(2000)));
        if (session)
            return std::move(*session);
        if (session.error().category == Category::auth)
            return std::unexpected("the throwaway server rejected the superuser login: " + session.error().message);
        std::this_thread::sleep_for(Millis(2));
    }
}

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

std::expected<void, std::string> LocalPostgres::ensure_template(const Deadline& deadline) {
    if (!m_template.empty())
        return {};
    auto bindir = find_bindir();
    if (!bindir)
        return std::unexpected(bindir.error());
    m_bindir = *bindir;
    if (::geteuid() == 0) {
        auto user = lookup_user("postgres");
        if (!user)
            return std::unexpected(user.error() + ": PostgreSQL refuses to run as root; install postgresql");
        m_user = *user;
    }
    auto dir = make_dir("pg-template");
    if (!dir)
        return std::unexpected(dir.error());
    m_password = random_password();
    fs::path pwfile = *dir / "pwfile";
    std::ofstream(pwfile) << m_password << '\n';
    fs::permissions(pwfile, fs::perms::owner_read | fs::perms::owner_write);
    if (m_user && ::chown(pwfile.c_str(), m_user->uid, m_user->gid) != 0)
        return std::unexpected(std::string("cannot hand the password file to postgres"));
    SpawnSpec spec;
    spec.argv = {(m_bindir / "initdb").string(),
                 "-D",
                 (*dir / "data").string(),
                 "--auth=scram-sha-256",
                 "--pwfile=" + pwfile.string(),
                 "-U",
                 std::string(k_superuser),
                 "-E",
                 "UTF8",
                 "--locale=C",
                 "--no-instructions",
                 "-N"};
    spec.as_user = m_user;
    spec.output = *dir / "initdb.log";
    spec.die_with_parent = true;
    auto status = run_to_completion(m_launcher, spec, deadline.capped(Millis(120000)));
    fs::remove(pwfile);
    if (!status)
        return std::unexpected("initdb: " + status.error());
    if (*status != 0)
        return std::unexpected(fmt::format("initdb failed ({}): {}", *status, why_from_log(spec.output)));
    m_template = *dir / "data";
    return {};
}

std::expected<std::unique_ptr<Instance>, std::string> LocalPostgres::provision(const Database& database,
                                                                               const Deadline& deadline) {
    auto started = Clock::now();
    m_reaper.collect();
    if (auto ready = ensure_template(deadline); !ready)
        return std::unexpected(ready.error());
    // Prepared servers come in the order of the scenarios that asked for them.
    while (!m_prepared.empty() && m_prepared.front().settings != database.settings)
        discard_oldest_prepared();
    std::optional<Starting> server;
    if (!m_prepared.empty()) {
        server = std::move(m_prepared.front());
        m_prepared.pop_front();
    }
    if (!server) {
        auto dir = make_dir(fmt::format("pg-{}", ++m_instances));
        if (!dir)
            return std::unexpected(dir.error());
        auto starting = start(*dir, database, true);
        if (!starting)
            return std::unexpected(starting.error());
        server = std::move(*starting);
    }
    // A free port can be taken between our probe and the server's bind: try a few.
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto session = wait_ready(*server, deadline);
        if (session) {
            auto identity = (*session)->identity(deadline.capped(Millis(5000)));
            std::string version = identity ? identity->version : "?";
            auto ready = std::chrono::duration_cast<Millis>(Clock::now() - started);
            return std::make_unique<PostgresInstance>(m_reaper, std::move(server->process), server->dir, server->port,
                                                      m_password, version, ready, std::move(*session));
        }
        bool port_taken = session.error().find("could not bind") != std::string::npos ||
                          session.error().find("Address already in use") != std::string::npos;
        if (!port_taken || attempt == 2)
            return std::unexpected("PostgreSQL did not start: " + session.error());
        auto restarted = start(server->dir, database, false);
        if (!restarted)
            return std::unexpected(restarted.error());
        server = std::move(*restarted);
    }
    return std::unexpected(std::string("PostgreSQL did not start"));
}

} // namespace stagegate
