#include "provision/local_sqlite.hpp"

#include "provision/run_dir.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

class SqliteInstance final : public Instance {
  public:
    SqliteInstance(fs::path dir, std::string version, Millis ready_after, std::unique_ptr<Session> session)
        : m_dir(std::move(dir)), m_version(std::move(version)), m_ready_after(ready_after),
          m_session(std::move(session)) {}

    ~SqliteInstance() override {
        m_session.reset();
        std::error_code ignored;
        fs::remove_all(m_dir, ignored);
    }

    AdminLogin admin(const std::string&) const override { return AdminLogin{"sqlite3", file(), 0, {}, {}, {}}; }
    const Driver& admin_driver() const override { return *find_driver("soci"); }
    Route route() const override { return Route{file(), 0}; }
    std::string description() const override { return fmt::format("sqlite {}, local file {}", m_version, file()); }
    Millis ready_after() const override { return m_ready_after; }
    std::unique_ptr<Session> take_admin_session() override { return std::move(m_session); }

  private:
    std::string file() const { return (m_dir / "database.sqlite3").string(); }

    fs::path m_dir;
    std::string m_version;
    Millis m_ready_after;
    std::unique_ptr<Session> m_session;
};

} // namespace

LocalSqlite::LocalSqlite(const RunDir& run_dir) : m_run_dir(run_dir) {}

std::expected<std::unique_ptr<Instance>, std::string> LocalSqlite::provision(const Database&,
                                                                             const Deadline& deadline) {
    auto started = Clock::now();
    auto dir = m_run_dir.make_dir(fmt::format("sqlite-{}", ++m_instances), ::geteuid(), ::getegid());
    if (!dir)
        return std::unexpected(dir.error());
    auto login = AdminLogin{"sqlite3", (*dir / "database.sqlite3").string(), 0, {}, {}, {}};
    auto session = find_driver("soci")->connect_admin(login, deadline);
    if (!session) {
        std::error_code ignored;
        fs::remove_all(*dir, ignored);
        return std::unexpected("cannot create the SQLite database: " + session.error().message);
    }
    auto identity = (*session)->identity(deadline);
    std::string version = identity ? identity->version : "?";
    auto ready = std::chrono::duration_cast<Millis>(Clock::now() - started);
    return std::make_unique<SqliteInstance>(*dir, version, ready, std::move(*session));
}

} // namespace stagegate
