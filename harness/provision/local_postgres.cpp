#include "provision/local_postgres.hpp"

#include "stagegate/driver.hpp"
#include "util/files.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "stagegate/spelling.hpp"

namespace stagegate {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_superuser = "postgres";

// Returns `name` as a quoted SQL identifier ("my ""role""").
std::string quote_identifier(std::string_view name) {
    std::string quoted = "\"";
    for (char c : name)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

// The last FATAL/ERROR/PANIC line of a server log: why a server did not come up. When that only
// says a configuration file "contains errors", the LOG line before it says which.
std::string last_error_line(const fs::path& log) {
    std::ifstream in(log);
    std::string line;
    std::string why;
    std::string last;
    std::string config_problem;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        last = line;
        for (const char* severity : {"FATAL:", "PANIC:", "ERROR:"}) {
            // Keep "FATAL:  ..." without the log line's timestamp and pid prefix.
            if (auto at = line.find(severity); at != std::string::npos)
                why = line.substr(at);
        }
        if (auto at = line.find("LOG:  ");
            at != std::string::npos &&
            (line.find("configuration") != std::string::npos || line.find("parameter") != std::string::npos))
            config_problem = line.substr(at + 6);
    }
    if (why.find("contains errors") != std::string::npos && !config_problem.empty())
        return "FATAL:  " + config_problem;
    return why.empty() ? last : why;
}

// Returns `text` as a literal in SQL and in postgresql.conf (standard_conforming_strings is on).
std::string postgres_literal(std::string_view text) {
    return sql_literal(text, false);
}

std::string first_value(const QueryResult& result) {
    if (result.rows.empty() || result.rows[0].empty())
        return {};
    return result.rows[0][0].value_or("");
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

    std::expected<void, std::string> write_config(const fs::path& dir, const Database& database,
                                                  const ServerCertificate* certificate,
                                                  const std::optional<UnixUser>&) const override {
        // The server reads this file instead of the one in its data directory (which it includes
        // first), so the scenario's settings behave as in a real postgresql.conf: ALTER SYSTEM
        // (postgresql.auto.conf) overrides them, and a reload sees changes.
        std::string conf = "# written by stagegate\n";
        conf += fmt::format("include {}\n", postgres_literal((dir / "data" / "postgresql.conf").string()));
        conf += fmt::format("hba_file = {}\n", postgres_literal((dir / "pg_hba.conf").string()));
        if (certificate) {
            conf += "ssl = on\n";
            conf += fmt::format("ssl_cert_file = {}\n", postgres_literal(certificate->cert_file.string()));
            conf += fmt::format("ssl_key_file = {}\n", postgres_literal(certificate->key_file.string()));
        }
        for (const auto& [name, value] : database.settings)
            conf += fmt::format("{} = {}\n", name, postgres_literal(value));
        if (auto written = write_file_atomically(dir / "postgresql.conf", 0644, conf); !written)
            return written;
        return write_file_atomically(dir / "pg_hba.conf", 0644, hba_file(database.access));
    }

    std::vector<std::string> server_arguments(const fs::path& data, const fs::path& dir, int port,
                                              const Database& database, const ServerCertificate*) const override {
        return LocalPostgres::server_arguments(m_bindir, data, dir, port, database);
    }

    std::expected<std::vector<std::string>, std::string> apply_settings(Session& admin, const Settings& settings,
                                                                        const Deadline& deadline) const override {
        std::vector<std::string> restart;
        for (const auto& [name, value] : settings) {
            auto context =
                admin.execute("SELECT context FROM pg_settings WHERE name = " + postgres_literal(name), deadline);
            if (!context)
                return std::unexpected(context.error().message);
            if (context->rows.empty()) {
                std::vector<std::string> names;
                if (auto all = admin.execute("SELECT name FROM pg_settings", deadline)) {
                    for (const auto& row : all->rows)
                        names.push_back(row[0].value_or(""));
                }
                std::string hint = did_you_mean(name, names);
                return std::unexpected(
                    fmt::format("PostgreSQL has no setting {}{}", name, hint.empty() ? "" : "; " + hint));
            }
            std::string when = first_value(*context);
            if (when == "internal")
                return std::unexpected(fmt::format("{} is fixed when PostgreSQL is built: it cannot be changed", name));
            auto set = admin.execute(fmt::format("ALTER SYSTEM SET {} = {}", name, postgres_literal(value)), deadline);
            if (!set)
                return std::unexpected(fmt::format("{}: {}", name, set.error().message));
            if (when == "postmaster")
                restart.push_back(name);
        }
        return restart;
    }

    std::expected<void, std::string> apply_access(Session& admin, const Database&,
                                                  const Deadline& deadline) const override {
        // The server reads pg_hba.conf only on a reload; the view shows what it would make of it.
        auto errors =
            admin.execute("SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL", deadline);
        if (!errors)
            return std::unexpected(errors.error().message);
        if (!errors->rows.empty())
            return std::unexpected(fmt::format("pg_hba.conf line {}: {}", errors->rows[0][0].value_or("?"),
                                               errors->rows[0][1].value_or("?")));
        return reload(admin, AdminLogin{}, deadline);
    }

    std::expected<void, std::string> reload(Session& admin, const AdminLogin&,
                                            const Deadline& deadline) const override {
        // pg_reload_conf() only signals the postmaster. The reload is done when the file's
        // changes show: sessions started after it see the new load time.
        auto before = admin.execute("SELECT pg_conf_load_time()::text", deadline);
        if (!before)
            return std::unexpected(before.error().message);
        if (auto sent = admin.execute("SELECT pg_reload_conf()", deadline); !sent)
            return std::unexpected(sent.error().message);
        while (!deadline.expired() && !deadline.stopped()) {
            auto now = admin.execute("SELECT pg_conf_load_time()::text", deadline);
            if (!now)
                return std::unexpected(now.error().message);
            if (first_value(*now) != first_value(*before))
                return {};
            std::this_thread::sleep_for(Millis(5));
        }
        return std::unexpected(std::string("PostgreSQL did not reload its configuration in time"));
    }

    std::expected<Catalog, std::string> catalog(Session& admin, const Deadline& deadline) const override {
        // Every object a scenario creates has an OID from 16384 up (FirstNormalObjectId); shared
        // catalogs (roles, databases, memberships, settings) are read whole.
        static constexpr std::string_view k_fingerprint = R"(
SELECT md5(coalesce(string_agg(x, E'
' ORDER BY x), '')) FROM (
  SELECT format('role %s %s %s %s %s %s %s %s %s %s %s', rolname, rolsuper, rolinherit, rolcreaterole,
                rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, rolpassword, rolvaliduntil)
    FROM pg_authid
  UNION ALL SELECT format('database %s %s %s %s %s', datname, datallowconn, datconnlimit, datacl,
                          pg_get_userbyid(datdba)) FROM pg_database
  UNION ALL SELECT format('member %s %s %s', roleid, member, admin_option) FROM pg_auth_members
  UNION ALL SELECT format('role setting %s %s %s', setdatabase, setrole, setconfig) FROM pg_db_role_setting
  UNION ALL SELECT format('file %s %s %s', sourcefile, name, setting) FROM pg_file_settings
  UNION ALL SELECT format('setting %s %s', name, setting) FROM pg_settings
    WHERE source NOT IN ('default', 'client', 'session')
  UNION ALL SELECT format('schema %s %s %s', nspname, pg_get_userbyid(nspowner), nspacl) FROM pg_namespace
  UNION ALL SELECT format('relation %s %s %s', relname, relkind, relacl) FROM pg_class
    WHERE oid >= 16384 OR relacl IS NOT NULL
  UNION ALL SELECT format('function %s %s', oid::regprocedure, proacl) FROM pg_proc
    WHERE oid >= 16384 OR proacl IS NOT NULL
  UNION ALL SELECT format('type %s', oid) FROM pg_type WHERE oid >= 16384
  UNION ALL SELECT format('extension %s %s', extname, extversion) FROM pg_extension
  UNION ALL SELECT format('default acl %s %s', defaclrole, defaclacl) FROM pg_default_acl
  UNION ALL SELECT format('language %s %s', lanname, lanacl) FROM pg_language
  UNION ALL SELECT format('tablespace %s %s', spcname, spcacl) FROM pg_tablespace
) AS catalog(x))";
        return read_catalog(admin, "SELECT rolname FROM pg_roles", "SELECT datname FROM pg_database", k_fingerprint,
                            deadline);
    }

    std::expected<void, std::string> reset(Session& admin, const Catalog& fresh, const Catalog& now,
                                           const Deadline& deadline) const override {
        static constexpr std::string_view k_others =
            "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'";
        auto run = [&](const std::string& sql) -> std::expected<void, std::string> {
            auto done = admin.execute(sql, deadline);
            if (!done)
                return std::unexpected(fmt::format("reset: {}", done.error().message));
            return {};
        };
        if (auto ended = run(fmt::format("SELECT pg_terminate_backend(pid) {}", k_others)); !ended)
            return ended;
        // Terminated sessions clean up (temporary tables) on their way out: wait until they are gone.
        while (true) {
            auto left = admin.execute(fmt::format("SELECT count(*) {}", k_others), deadline);
            if (!left)
                return std::unexpected(fmt::format("reset: {}", left.error().message));
            if (first_value(*left) == "0")
                break;
            if (deadline.expired() || deadline.stopped())
                return std::unexpected(std::string("reset: sessions of the last scenario did not end in time"));
            std::this_thread::sleep_for(Millis(5));
        }
        for (const auto& database : added_since(fresh.databases, now.databases))
            if (auto dropped = run(fmt::format("DROP DATABASE {} WITH (FORCE)", quote_identifier(database))); !dropped)
                return dropped;
        for (const auto& role : added_since(fresh.roles, now.roles)) {
            // What the role owns or was granted in the default database goes with it.
            if (auto dropped = run(fmt::format("DROP OWNED BY {}", quote_identifier(role))); !dropped)
                return dropped;
            if (auto dropped = run(fmt::format("DROP ROLE {}", quote_identifier(role))); !dropped)
                return dropped;
        }
        return {};
    }

    int restart_signal() const override { return SIGINT; } // fast shutdown: sessions end, data stays

    int parent_death_signal() const override { return SIGQUIT; } // immediate: the postmaster takes its back ends
    int stop_signal() const override { return SIGINT; }          // fast shutdown

    const Driver& admin_driver() const override { return *find_driver("libpq"); }

    // The superuser's own pg_hba rule comes first, so access rules never lock setup out.
    AdminLogin admin_login(int port, const std::string& password, const std::string& database, bool) const override {
        return AdminLogin{"postgresql", "127.0.0.1",
                          port,         std::string(k_superuser),
                          password,     database.empty() ? std::string("postgres") : database,
                          false};
    }

    static std::string hba_file(const AccessRules& access) {
        std::string hba = "# written by stagegate: its superuser first, then the scenario's rules\n";
        hba += fmt::format("host all {} 127.0.0.1/32 scram-sha-256\n", k_superuser);
        if (access.require_tls)
            hba += "hostnossl all all all reject\n";
        for (const auto& line : access.hba)
            hba += line + "\n";
        if (access.hba.empty())
            hba += "host all all all scram-sha-256\n";
        return hba;
    }

    std::string why_from_log(const fs::path& log) const override { return last_error_line(log); }

    std::string description(const std::string& version, int port, const Database&) const override {
        return fmt::format("postgres {}, local, 127.0.0.1:{}", version, port);
    }

  private:
    fs::path m_bindir;
};

} // namespace

LocalPostgres::LocalPostgres(const RunDir& run_dir, ProcessLauncher& launcher, const CertificateAuthority* authority)
    : LocalServers(std::make_unique<PostgresRecipe>(), run_dir, launcher, authority) {}

std::expected<fs::path, std::string> LocalPostgres::find_bindir() {
    if (const char* dir = std::getenv("STAGEGATE_PG_BINDIR"); dir && *dir) {
        std::error_code ec;
        if (!fs::exists(fs::path(dir) / "postgres", ec) || !fs::exists(fs::path(dir) / "initdb", ec))
            return std::unexpected(fmt::format("STAGEGATE_PG_BINDIR={} holds no postgres and initdb binaries", dir));
        return fs::path(dir);
    }
    std::error_code ec;
    fs::path best;
    int best_version = 0;
    for (auto it = fs::directory_iterator("/usr/lib/postgresql", ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const auto& entry = *it;
        int version = std::atoi(entry.path().filename().c_str());
        std::error_code missing;
        if (version > best_version && fs::exists(entry.path() / "bin" / "postgres", missing)) {
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
    // A disposable server: durability off, logs to our file, listening on loopback only, its
    // dynamic shared memory in files of its data folder (not /dev/shm), gone with the folder
    // even if the server is killed.
    for (const char* setting : {"listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off",
                                "full_page_writes=off", "logging_collector=off", "log_destination=stderr",
                                "unix_socket_permissions=0700", "dynamic_shared_memory_type=mmap"}) {
        args.insert(args.end(), {"-c", setting});
    }
    // The scenario's settings, TLS and pg_hba.conf come from the file write_config made.
    (void)database;
    args.insert(args.end(), {"-c", "config_file=" + (socket_dir / "postgresql.conf").string()});
    return args;
}

} // namespace stagegate
