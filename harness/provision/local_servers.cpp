#include "provision/local_servers.hpp"

#include "provision/run_dir.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <fstream>
#include <iterator>
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
                  std::string password, std::string version, Millis ready_after, std::unique_ptr<Session> session,
                  std::optional<Catalog> fresh)
        : m_owner(owner), m_recipe(owner.recipe()), m_reaper(reaper), m_server(std::move(server)),
          m_database(std::move(database)), m_password(std::move(password)), m_version(std::move(version)),
          m_description(m_recipe.description(m_version, m_server.port, m_database)), m_ready_after(ready_after),
          m_session(std::move(session)), m_fresh(std::move(fresh)) {}

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
    std::string description() const override {
        if (m_uses <= 1)
            return m_description;
        return fmt::format("{} (shared: scenario #{} on this server, which was reset and checked clean first)",
                           m_description, m_uses);
    }
    Millis ready_after() const override { return m_ready_after; }
    std::unique_ptr<Session> take_admin_session() override { return std::move(m_session); }
    const Database& database() const { return m_database; }
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
        m_changed = true;
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
        m_changed = true;
        m_database.access = access;
        if (auto written = write_config(); !written)
            return std::unexpected(written.error());
        if (auto applied = m_recipe.apply_access(**admin, m_database, deadline); !applied)
            return std::unexpected(applied.error());
        m_server.tls_only = access.require_tls;
        m_admin.reset(); // a plaintext admin session may no longer be allowed: the next one follows the rules
        return std::string("reload");
    }

    // Resets the server for another scenario and proves it is as it started; returns why not.
    std::optional<std::string> reset(const Deadline& deadline) {
        if (m_changed || !m_fresh)
            return "its configuration was changed";
        m_session.reset();
        m_admin.reset();
        auto session = m_recipe.admin_driver().connect_admin(admin(""), deadline);
        if (!session)
            return "cannot log in as superuser: " + session.error().message;
        auto now = m_recipe.catalog(**session, deadline);
        if (!now)
            return now.error();
        // Sessions are ended even when the scenario created nothing: none may reach the next one.
        if (auto done = m_recipe.reset(**session, *m_fresh, *now, deadline); !done)
            return done.error();
        now = m_recipe.catalog(**session, deadline);
        if (!now)
            return now.error();
        if (*now != *m_fresh)
            return "the catalog differs from a fresh server's after the reset";
        m_session = std::move(*session); // the next scenario's setup starts with it
        return std::nullopt;
    }

    // The next scenario takes the server: its readiness is the reset's duration.
    void reuse(Database database, Millis ready_after) {
        m_description = m_recipe.description(m_version, m_server.port, database); // mysql and mariadb share servers
        m_database = std::move(database);
        m_ready_after = ready_after;
        ++m_uses;
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
    std::string m_version;
    std::string m_description;
    Millis m_ready_after;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<Session> m_admin; // maintenance steps' superuser session
    std::optional<Catalog> m_fresh;   // as the server started; none: it cannot be reused
    bool m_changed = false;           // a maintenance step changed its configuration
    int m_uses = 1;                   // scenarios served, this one included
};

// Idle servers kept per configuration: enough for a few workers, few enough to cost little memory.
constexpr long k_idle_per_configuration = 4;

bool port_taken(const std::string& why) {
    return why.find("could not bind") != std::string::npos || why.find("Address already in use") != std::string::npos;
}

} // namespace

std::expected<Catalog, std::string> read_catalog(Session& admin, std::string_view roles_sql,
                                                 std::string_view databases_sql, std::string_view fingerprint_sql,
                                                 const Deadline& deadline) {
    auto column = [&](std::string_view sql) -> std::expected<std::vector<std::string>, std::string> {
        auto result = admin.execute(sql, deadline);
        if (!result)
            return std::unexpected("cannot read the catalog: " + result.error().message);
        std::vector<std::string> values;
        for (const auto& row : result->rows)
            values.push_back(row.empty() ? "" : row[0].value_or("NULL"));
        std::sort(values.begin(), values.end());
        return values;
    };
    Catalog catalog;
    auto roles = column(roles_sql);
    if (!roles)
        return std::unexpected(roles.error());
    auto databases = column(databases_sql);
    if (!databases)
        return std::unexpected(databases.error());
    auto fingerprint = column(fingerprint_sql);
    if (!fingerprint)
        return std::unexpected(fingerprint.error());
    catalog.roles = std::move(*roles);
    catalog.databases = std::move(*databases);
    catalog.fingerprint = fingerprint->empty() ? "" : fingerprint->front();
    return catalog;
}

std::vector<std::string> added_since(const std::vector<std::string>& fresh, const std::vector<std::string>& now) {
    std::vector<std::string> added;
    std::set_difference(now.begin(), now.end(), fresh.begin(), fresh.end(), std::back_inserter(added));
    return added;
}

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

void LocalServers::release(std::unique_ptr<Instance> instance) {
    auto* local = dynamic_cast<LocalInstance*>(instance.get());
    if (!local)
        return;
    std::string key = server_config_key(local->database());
    {
        std::lock_guard lock(m_mutex);
        // Enough idle servers of this configuration for every worker: stop the rest.
        if (std::count_if(m_idle.begin(), m_idle.end(), [&](const Idle& idle) { return idle.config_key == key; }) >=
            k_idle_per_configuration)
            return;
    }
    if (local->reset(Deadline::in(Millis(10000))))
        return; // it could not be proved clean (the reason does not matter): it stops here
    std::lock_guard lock(m_mutex);
    m_idle.push_back(Idle{std::move(instance), std::move(key)});
}

LocalServers::~LocalServers() {
    std::lock_guard lock(m_mutex);
    m_idle.clear();
    while (!m_prepared.empty()) {
        stop(std::move(m_prepared.front()));
        m_prepared.pop_front();
    }
}

std::expected<fs::path, std::string> LocalServers::make_dir(const std::string& name) {
    std::lock_guard lock(m_mutex);
    uid_t uid = m_user ? m_user->uid : ::geteuid();
    gid_t gid = m_user ? m_user->gid : ::getegid();
    return m_run_dir.make_dir(name, uid, gid);
}

void LocalServers::stop(Starting server) {
    // Never used, but a SIGKILLed server cannot remove its shared memory: it stops like any other
    // (a copy still running goes with its shell's group when the shell exits).
    server.process->signal(m_recipe->stop_signal());
    m_reaper.bury(std::move(server.process), server.dir);
}

void LocalServers::prepare(const Database& next) {
    std::lock_guard lock(m_mutex);
    if (m_template.empty())
        return;
    std::string key = server_config_key(next);
    if (std::any_of(m_idle.begin(), m_idle.end(), [&](const Idle& idle) { return idle.config_key == key; }))
        return; // a server kept from an earlier scenario will do
    auto dir = make_dir(fmt::format("{}-{}", m_recipe->folder_prefix(), ++m_instances));
    if (!dir)
        return; // provision() will start in the foreground and report the problem
    if (auto starting = start(*dir, next, true))
        m_prepared.push_back(std::move(*starting));
}

std::expected<LocalServers::Starting, std::string> LocalServers::start(const fs::path& dir, const Database& database,
                                                                       bool copy_first, int fixed_port) {
    std::lock_guard lock(m_mutex);
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
    spec.environment.push_back(m_run_dir.child_mark());
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
    std::lock_guard lock(m_mutex); // the first scenario builds it; the others wait for it
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
    spec->environment.push_back(m_run_dir.child_mark());
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
    std::optional<Starting> server;
    std::string key = server_config_key(database);
    {
        std::lock_guard lock(m_mutex);
        auto ahead = std::find_if(m_prepared.begin(), m_prepared.end(),
                                  [&](const Starting& prepared) { return prepared.config_key == key; });
        auto reusable =
            std::find_if(m_idle.begin(), m_idle.end(), [&](const Idle& entry) { return entry.config_key == key; });
        // A server started ahead for this configuration is already paid for: it goes first.
        if (ahead == m_prepared.end() && reusable != m_idle.end()) {
            auto instance = std::move(reusable->instance);
            m_idle.erase(reusable);
            auto* local = static_cast<LocalInstance*>(instance.get());
            local->reuse(database, std::chrono::duration_cast<Millis>(Clock::now() - started));
            return instance;
        }
    }
    {
        // Prepared servers come in the order of the scenarios that asked for them; with several
        // scenarios provisioning at once, each takes the oldest one of its configuration.
        std::lock_guard lock(m_mutex);
        auto match = std::find_if(m_prepared.begin(), m_prepared.end(),
                                  [&](const Starting& prepared) { return prepared.config_key == key; });
        if (match != m_prepared.end()) {
            server = std::move(*match);
            m_prepared.erase(match);
        }
    }
    if (!server) {
        int number = 0;
        {
            std::lock_guard lock(m_mutex);
            number = ++m_instances;
        }
        auto dir = make_dir(fmt::format("{}-{}", m_recipe->folder_prefix(), number));
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
            // What a fresh server holds: a later scenario may use this one only once it holds that again.
            auto fresh = m_recipe->catalog(**session, deadline.capped(Millis(5000)));
            auto ready = std::chrono::duration_cast<Millis>(Clock::now() - started);
            return std::make_unique<LocalInstance>(*this, m_reaper, std::move(*server), database, m_password,
                                                   std::move(version), ready, std::move(*session),
                                                   fresh ? std::optional(std::move(*fresh)) : std::nullopt);
        }
        if (!port_taken(session.error()) || attempt == 2) {
            // Interrupted or failed on its way up: a server still running stops cleanly, it is not
            // killed with its Process (its SysV segment would outlive the run).
            stop(std::move(*server));
            return std::unexpected(fmt::format("{} did not start: {}", m_recipe->title(), session.error()));
        }
        auto restarted = start(server->dir, database, false);
        if (!restarted)
            return std::unexpected(restarted.error());
        server = std::move(*restarted);
    }
    return std::unexpected(fmt::format("{} did not start", m_recipe->title()));
}

} // namespace stagegate
