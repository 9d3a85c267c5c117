#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "scenario/scenario.hpp"
#include "stagegate/driver.hpp"

namespace stagegate {

class RunDir;
class ProcessLauncher;
class CertificateAuthority;

// A disposable database server that answers for a scenario. Destroying it stops the server
// and removes its files.
class Instance {
  public:
    virtual ~Instance() = default;
    // Returns the superuser login to `database` (empty = the engine's default database).
    virtual AdminLogin admin(const std::string& database) const = 0;
    // Returns the driver that logs in as admin() says (setup steps).
    virtual const Driver& admin_driver() const = 0;
    // Returns where the server really listens; candidates are routed here.
    virtual Route route() const = 0;
    // Returns one line for reports: "postgres 15.20, local, 127.0.0.1:40123".
    virtual std::string description() const = 0;
    // Returns how long provisioning took until the first successful login.
    virtual Millis ready_after() const = 0;
    // Returns the superuser session of the readiness login (default database) the first time,
    // null afterwards: setup reuses it instead of paying for another login.
    virtual std::unique_ptr<Session> take_admin_session() = 0;
    // Returns the certificate file the server presents, when it serves TLS.
    virtual std::optional<std::filesystem::path> certificate() const { return std::nullopt; }
    // Maintenance: applies `settings` to the running server, each with a reload or a restart as
    // the server says it needs, and waits until new logins see them. Returns one line for the
    // report ("reload" or "restart: port needs one"), or why the change failed.
    virtual std::expected<std::string, std::string> change_settings(const Settings& settings, const Deadline& deadline);
    // Maintenance: replaces the access rules of the running server and waits until new logins
    // see them. Returns one line for the report, or why the change failed.
    virtual std::expected<std::string, std::string> change_access(const AccessRules& access, const Deadline& deadline);
};

// Stands up disposable databases of one engine with one method.
class Provider {
  public:
    virtual ~Provider() = default;
    // Starts a server configured as `database` says (settings; not setup steps, which the
    // runner applies). Fails with a one-line reason: that is an infrastructure error.
    virtual std::expected<std::unique_ptr<Instance>, std::string> provision(const Database& database,
                                                                            const Deadline& deadline) = 0;
    // Starts standing up an upcoming scenario's database ahead of time, without waiting; calls
    // come in scenario order, and provision() uses the oldest prepared database of the same
    // configuration. Only a hint: a provider
    // may do nothing, and any failure shows up in provision().
    virtual void prepare(const Database& next) = 0;
    // Takes back an instance whose scenario is over. The default stops it; a provider may keep
    // it for a later scenario when it can prove that scenario cannot tell it from a fresh one.
    virtual void release(std::unique_ptr<Instance> instance) { instance.reset(); }
    // Returns true when provision() and prepare() may be called from several threads at once
    // (and the instances used and destroyed on any thread); else the runner serialises them.
    virtual bool thread_safe() const { return false; }
};

// Returns the provider for `database`'s engine and provider kind, sharing `run_dir`. Every
// combination the loader accepts has one. `authority` signs the certificates of TLS scenarios
// (null when no scenario of the run serves TLS).
std::unique_ptr<Provider> make_provider(const Database& database, const RunDir& run_dir, ProcessLauncher& launcher,
                                        const CertificateAuthority* authority);

// Returns a key that is equal for two databases whose servers start the same way (settings, TLS,
// access): a server started ahead for one can serve the other.
std::string server_config_key(const Database& database);

} // namespace stagegate
