#include "provision/local_servers.hpp"

#include "provision/run_dir.hpp"
#include "util/text.hpp"

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
    LocalInstance(LocalServers& owner, Reaper& reaper, LocalServers::Starting server, Database database,
                  std::string password, std::string description, Millis ready_after, std::unique_ptr<Session> session)
        : m_owner(owner), m_recipe(owner.recipe()), m_reaper(reaper), m_server(std::move(server)),
          m_database(std::move(database)), m_password(std::move(password)), m_description(std::move(description)),
          m_ready_after(ready_after), m_session(std::move(session)) {}

    ~LocalInstance() override {
        m_session.reset();
        m_admin.reset();
        m_server.process->signal(m_recipe.stop_signal()); // the reaper finishes the job
        m_reaper.bury(std::move(m_server.process), m_server.dir);
    }

    AdminLogin admin(const std::string& database) const override {
        return m_recipe.admin_login(m_server.port, m_password, database, m_server.tls_only);
    }
    const Driver& admin_driver() const override { return m_recipe.admin_driver(); }
    Route route() const override { return Route{"127.0.0.1", m_server.port}; }
    std::string description() const override { return m_description; }
    Millis ready_after() const override { return m_ready_after; }
    std::unique_ptr<Session> take_admin_session() override { return std::move(m_session); }
    std::optional<fs::path> certificate() const override {
        if (!m_server.certificate)
            return std::nullopt;
        return m_server.certificate->cert_file;
    }

    std::expected<std::string, std::string> change_settings(const Settings& settings,
                                                            const Deadline& deadline) override {
        auto admin = admin_session(deadline);
        if (!admin)
            return std::unexpected(admin.error());
        auto restart_for = m_recipe.apply_settings(**admin, settings, deadline);
        if (!restart_for)
            return std::unexpected(restart_for.error());
        for (const auto& [name, value] : settings) {
            auto same = [&](const auto& item) { return item.first == name; };
            std::erase_if(m_database.settings, same);
            m_database.settings.emplace_back(name, value);
        }
        // The config file is the one place settings survive a restart in.
        if (auto written = write_config(); !written)
            return std::unexpected(written.error());
        if (restart_for->empty()) {
            if (auto reloaded = m_recipe.reload(**admin, this->admin(""), deadline); !reloaded)
                return std::unexpected(reloaded.error());
            return std::string("reload");
        }
        if (auto restarted = restart(deadline); !restarted)
            return std::unexpected(restarted.error());
        return fmt::format("restart ({} need{} one)", join(*restart_for, ", "), restart_for->size() == 1 ? "s" : "");
    }

    std::expected<std::string, std::string> change_access(const AccessRules& access,
                                                          const Deadline& deadline) override {
        auto admin = admin_session(deadline);
        if (!admin)
            return std::unexpected(admin.error());
        m_database.access = access;
        if (auto written = write_config(); !written)
            return std::unexpected(written.error());
        if (auto applied = m_recipe.apply_access(**admin, m_database, deadline); !applied)
            return std::unexpected(applied.error());
        m_server.tls_only = access.require_tls;
        m_admin.reset(); // a plaintext admin session may no longer be allowed: the next one follows the rules
        return std::string("reload");
    }

  private:
    std::expected<Session*, std::string> admin_session(const Deadline& deadline) {
        if (!m_admin) {
            auto opened = m_recipe.admin_driver().connect_admin(admin(""), deadline);
            if (!opened)
                return std::unexpected("cannot log in as superuser: " + opened.error().message);
            m_admin = std::move(*opened);
        }
        return m_admin.get();
    }

    std::expected<void, std::string> write_config() {
        const ServerCertificate* certificate = m_server.certificate ? &*m_server.certificate : nullptr;
        return m_recipe.write_config(m_server.dir, m_database, certificate, m_owner.user());
    }

    std::expected<void, std::string> restart(const Deadline& deadline) {
        m_admin.reset();
        m_session.reset();
        auto session = m_owner.restart(m_server, m_database, deadline);
        if (!session)
            return std::unexpected(session.error());
        m_admin = std::move(*session);
        return {};
    }

    LocalServers& m_owner;
    const ServerRecipe& m_recipe;
    Reaper& m_reaper;
    LocalServers::Starting m_server;
    Database m_database; // as the server runs now: maintenance steps change it
    std::string m_password;
    std::string m_description;
    Millis m_ready_after;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<Session> m_admin; // maintenance steps' superuser session
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

LocalServers::LocalServers(std::unique_ptr<ServerRecipe> recipe, const RunDir& run_dir, ProcessLauncher& launcher,
                           const CertificateAuthority* authority)
    : m_recipe(std::move(recipe)), m_run_dir(run_dir), m_launcher(launcher), m_authority(authority),
      m_reaper(run_dir, launcher) {}

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
                                                                       bool copy_first, int fixed_port) {
    auto port = fixed_port > 0 ? std::expected<int, std::string>(fixed_port) : free_loopback_port();
    if (!port)
        return std::unexpected(port.error());
    std::optional<ServerCertificate> certificate;
    if (database.tls.enabled) {
        if (!m_authority)
            return std::unexpected(std::string("no certificate authority for a TLS scenario (stagegate bug)"));
        std::optional<std::pair<uid_t, gid_t>> owner;
        if (m_user)
            owner = std::pair{m_user->uid, m_user->gid};
        auto issued = m_authority->issue(dir, database.certificate_names, database.tls.certificate, owner);
        if (!issued)
            return std::unexpected("cannot make the server certificate: " + issued.error());
        certificate = std::move(*issued);
    }
    if (auto written = m_recipe->write_config(dir, database, certificate ? &*certificate : nullptr, m_user); !written)
        return std::unexpected(written.error());
    fs::path data = dir / "data";
    SpawnSpec spec;
    spec.argv = m_recipe->server_arguments(data, dir, *port, database, certificate ? &*certificate : nullptr);
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
    return Starting{dir,
                    *port,
                    std::move(*process),
                    server_config_key(database),
                    std::move(certificate),
                    database.access.require_tls};
}

std::expected<std::unique_ptr<Session>, std::string> LocalServers::restart(Starting& server, const Database& database,
                                                                           const Deadline& deadline) {
    server.process->signal(m_recipe->restart_signal());
    if (!server.process->wait(deadline)) {
        server.process->kill_group();
        return std::unexpected(fmt::format("{} did not shut down for the restart in time", m_recipe->title()));
    }
    m_run_dir.forget_server(server.process->pid());
    auto restarted = start(server.dir, database, false, server.port);
    if (!restarted)
        return std::unexpected(fmt::format("{} did not restart: {}", m_recipe->title(), restarted.error()));
    server = std::move(*restarted);
    auto session = wait_ready(server, deadline);
    if (!session)
        return std::unexpected(fmt::format("{} did not restart: {}", m_recipe->title(), session.error()));
    return session;
}

std::expected<std::unique_ptr<Session>, std::string> LocalServers::wait_ready(Starting& server,
                                                                              const Deadline& deadline) {
    const Driver& admin = m_recipe->admin_driver();
    AdminLogin login = m_recipe->admin_login(server.port, m_password, "", server.tls_only);
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
    while (!m_prepared.empty() && m_prepared.front().config_key != server_config_key(database))
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
            std::string description = m_recipe->description(version, server->port, database);
            return std::make_unique<LocalInstance>(*this, m_reaper, std::move(*server), database, m_password,
                                                   std::move(description), ready, std::move(*session));
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
