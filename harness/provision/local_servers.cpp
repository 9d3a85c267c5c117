#include "provision/local_servers.hpp"

#include "provision/run_dir.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

class LocalInstance final : public Instance {
  public:
    LocalInstance(const ServerRecipe& recipe, Reaper& reaper, std::unique_ptr<Process> process, fs::path dir, int port,
                  std::string password, std::string description, Millis ready_after, std::unique_ptr<Session> session)
        : m_recipe(recipe), m_reaper(reaper), m_process(std::move(process)), m_dir(std::move(dir)), m_port(port),
          m_password(std::move(password)), m_description(std::move(description)), m_ready_after(ready_after),
          m_session(std::move(session)) {}

    ~LocalInstance() override {
        m_session.reset();
        m_process->signal(m_recipe.stop_signal()); // the reaper finishes the job
        m_reaper.bury(std::move(m_process), m_dir);
    }

    AdminLogin admin(const std::string& database) const override {
        return m_recipe.admin_login(m_port, m_password, database);
    }
    const Driver& admin_driver() const override { return m_recipe.admin_driver(); }
    Route route() const override { return Route{"127.0.0.1", m_port}; }
    std::string description() const override { return m_description; }
    Millis ready_after() const override { return m_ready_after; }
    std::unique_ptr<Session> take_admin_session() override { return std::move(m_session); }

  private:
    const ServerRecipe& m_recipe;
    Reaper& m_reaper;
    std::unique_ptr<Process> m_process;
    fs::path m_dir;
    int m_port;
    std::string m_password;
    std::string m_description;
    Millis m_ready_after;
    std::unique_ptr<Session> m_session;
};

bool port_taken(const std::string& why) {
    return why.find("could not bind") != std::string::npos || why.find("Address already in use") != std::string::npos;
}

} // namespace

std::string random_password() {
    std::random_device device;
    std::string password;
    for (int i = 0; i < 4; ++i)
        password += fmt::format("{:08x}", device());
    return password;
}

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

LocalServers::LocalServers(std::unique_ptr<ServerRecipe> recipe, const RunDir& run_dir, ProcessLauncher& launcher)
    : m_recipe(std::move(recipe)), m_run_dir(run_dir), m_launcher(launcher), m_reaper(run_dir, launcher) {}

LocalServers::~LocalServers() {
    while (!m_prepared.empty())
        discard_oldest_prepared();
}

std::expected<fs::path, std::string> LocalServers::make_dir(const std::string& name) {
    uid_t uid = m_user ? m_user->uid : ::geteuid();
    gid_t gid = m_user ? m_user->gid : ::getegid();
    return m_run_dir.make_dir(name, uid, gid);
}

void LocalServers::discard_oldest_prepared() {
    Starting& oldest = m_prepared.front();
    oldest.process->kill_group(); // never used: no shutdown to wait for, copy included
    m_reaper.bury(std::move(oldest.process), oldest.dir);
    m_prepared.pop_front();
}

void LocalServers::prepare(const Database& next) {
    if (m_template.empty())
        return;
    auto dir = make_dir(fmt::format("{}-{}", m_recipe->folder_prefix(), ++m_instances));
    if (!dir)
        return; // provision() will start in the foreground and report the problem
    if (auto starting = start(*dir, next, true))
        m_prepared.push_back(std::move(*starting));
}

std::expected<LocalServers::Starting, std::string> LocalServers::start(const fs::path& dir, const Database& database,
                                                                       bool copy_first) {
    auto port = free_loopback_port();
    if (!port)
        return std::unexpected(port.error());
    fs::path data = dir / "data";
    SpawnSpec spec;
    spec.argv = m_recipe->server_arguments(data, dir, *port, database);
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
    spec.parent_death_signal = m_recipe->parent_death_signal();
    auto process = m_launcher.spawn(spec);
    if (!process)
        return std::unexpected(process.error());
    m_run_dir.record_server((*process)->pid(), data);
    return Starting{dir, *port, std::move(*process), database.settings};
}

std::expected<std::unique_ptr<Session>, std::string> LocalServers::wait_ready(Starting& server,
                                                                              const Deadline& deadline) {
    const Driver& admin = m_recipe->admin_driver();
    AdminLogin login = m_recipe->admin_login(server.port, m_password, "");
    fs::path log = server.dir / "server.log";
    while (true) {
        if (server.process->poll_exit()) {
            m_run_dir.forget_server(server.process->pid());
            return std::unexpected(m_recipe->why_from_log(log));
        }
        if (deadline.expired() || deadline.stopped())
            return std::unexpected(deadline.stopped() ? fmt::format("interrupted while {} started", m_recipe->title())
                                                      : fmt::format("{} did not accept a login in time: {}",
                                                                    m_recipe->title(), m_recipe->why_from_log(log)));
        auto session = admin.connect_admin(login, deadline.capped(Millis(2000)));
        if (session)
            return std::move(*session);
        if (session.error().category == Category::auth)
            return std::unexpected("the throwaway server rejected the superuser login: " + session.error().message);
        std::this_thread::sleep_for(Millis(2));
    }
}

std::expected<void, std::string> LocalServers::ensure_template(const Deadline& deadline) {
    if (!m_template.empty())
        return {};
    if (auto found = m_recipe->find_binaries(); !found)
        return std::unexpected(found.error());
    if (::geteuid() == 0) {
        std::string account(m_recipe->account());
        auto user = lookup_user(account);
        if (!user)
            return std::unexpected(fmt::format("{}: {} refuses to run as root; scripts/setup installs the account",
                                               user.error(), m_recipe->title()));
        m_user = *user;
    }
    auto dir = make_dir(fmt::format("{}-template", m_recipe->folder_prefix()));
    if (!dir)
        return std::unexpected(dir.error());
    m_password = random_password();
    auto spec = m_recipe->template_command(*dir, *dir / "data", m_password, m_user);
    if (!spec)
        return std::unexpected(spec.error());
    spec->as_user = m_user;
    spec->output = *dir / "template.log";
    spec->die_with_parent = true;
    auto status = run_to_completion(m_launcher, *spec, deadline.capped(Millis(120000)));
    std::error_code ignored;
    fs::remove(*dir / "secret", ignored);
    if (!status)
        return std::unexpected(fmt::format("{} template: {}", m_recipe->title(), status.error()));
    if (*status != 0)
        return std::unexpected(fmt::format("{} template failed ({}): {}", m_recipe->title(), *status,
                                           m_recipe->why_from_log(spec->output)));
    m_template = *dir / "data";
    return {};
}

std::expected<std::unique_ptr<Instance>, std::string> LocalServers::provision(const Database& database,
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
        auto dir = make_dir(fmt::format("{}-{}", m_recipe->folder_prefix(), ++m_instances));
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
            return std::make_unique<LocalInstance>(
                *m_recipe, m_reaper, std::move(server->process), server->dir, server->port, m_password,
                m_recipe->description(version, server->port, database), ready, std::move(*session));
        }
        if (!port_taken(session.error()) || attempt == 2)
            return std::unexpected(fmt::format("{} did not start: {}", m_recipe->title(), session.error()));
        auto restarted = start(server->dir, database, false);
        if (!restarted)
            return std::unexpected(restarted.error());
        server = std::move(*restarted);
    }
    return std::unexpected(fmt::format("{} did not start", m_recipe->title()));
}

} // namespace stagegate
