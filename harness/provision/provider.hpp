#pragma once

#include <expected>
#include <memory>
#include <string>

#include "scenario/scenario.hpp"
#include "stagegate/driver.hpp"

namespace stagegate {

class RunDir;
class ProcessLauncher;

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
    // come in scenario order, and provision() uses the oldest prepared database when asked for
    // the same configuration (discarding older ones that do not match). Only a hint: a provider
    // may do nothing, and any failure shows up in provision().
    virtual void prepare(const Database& next) = 0;
};

// Returns the provider for `database`'s engine and provider kind, sharing `run_dir`. Every
// combination the loader accepts has one.
std::unique_ptr<Provider> make_provider(const Database& database, const RunDir& run_dir, ProcessLauncher& launcher);

} // namespace stagegate
