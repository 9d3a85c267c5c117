#include "provision/local_mariadb.hpp"

#include "stagegate/driver.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_superuser = "root";

// Why a server or mariadb-install-db did not come up, from its log: the last "[ERROR]" line that
// says why (not the closing "Aborting"), without its timestamp; else the first other ERROR line
// (a bootstrap statement's); else a "failed" line; else the last line.
std::string last_error_line(const fs::path& log) {
    std::ifstream in(log);
    std::string line;
    std::string server_error;
    std::string statement_error; // install-db's bootstrap: "ERROR: 1051  Unknown table ..."
    std::string failed;
    std::string last;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        last = line;
        if (auto at = line.find("[ERROR]"); at != std::string::npos && !line.ends_with("[ERROR] Aborting"))
            server_error = line.substr(at);
        else if (line.find("ERROR") != std::string::npos && statement_error.empty())
            statement_error = line;
        else if (line.find("failed") != std::string::npos)
            failed = line;
    }
    for (const std::string* why : {&server_error, &statement_error, &failed}) {
        if (!why->empty())
            return *why;
    }
    return last;
}

fs::path find_binary(const char* variable, std::initializer_list<const char*> candidates) {
    if (const char* path = std::getenv(variable); path && *path)
        return path;
    for (const char* candidate : candidates) {
        if (::access(candidate, X_OK) == 0)
            return candidate;
    }
    return {};
}

class MariadbRecipe final : public ServerRecipe {
  public:
    std::string_view title() const override { return "MariaDB"; }
    std::string_view folder_prefix() const override { return "mariadb"; }
    std::string_view account() const override { return "mysql"; }

    std::expected<void, std::string> find_binaries() override {
        m_server = find_binary("STAGEGATE_MARIADBD", {"/usr/sbin/mariadbd", "/usr/bin/mariadbd"});
        m_install = find_binary("STAGEGATE_MARIADB_INSTALL_DB", {"/usr/bin/mariadb-install-db"});
        if (m_server.empty() || m_install.empty())
            return std::unexpected(std::string("no mariadbd and mariadb-install-db: run scripts/setup (installs "
                                               "mariadb-server) or set STAGEGATE_MARIADBD and "
                                               "STAGEGATE_MARIADB_INSTALL_DB"));
        return {};
    }

    std::expected<SpawnSpec, std::string> template_command(const fs::path& dir, const fs::path& data,
                                                           const std::string& password,
                                                           const std::optional<UnixUser>& user) override {
        // Runs during the bootstrap, under --skip-grant-tables: FLUSH PRIVILEGES first makes
        // account statements work. root gets the password on the socket and over TCP.
        fs::path bootstrap = dir / "secret";
        {
            std::ofstream out(bootstrap);
            out << "FLUSH PRIVILEGES;\n"
                << "DELETE FROM mysql.global_priv WHERE User = '';\n"
                << "ALTER USER 'root'@'localhost' IDENTIFIED BY '" << password << "';\n"
                << "CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '" << password << "';\n"
                << "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n"
                << "FLUSH PRIVILEGES;\n";
        }
        std::error_code ec;
        fs::permissions(bootstrap, fs::perms::owner_read | fs::perms::owner_write, ec);
        if (ec)
            return std::unexpected(fmt::format("cannot protect the bootstrap file: {}", ec.message()));
        if (user && ::chown(bootstrap.c_str(), user->uid, user->gid) != 0)
            return std::unexpected(std::string("cannot hand the bootstrap file to mysql"));
        SpawnSpec spec;
        spec.argv = {m_install.string(), "--no-defaults", "--datadir=" + data.string(),
                     "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
                     "--innodb-log-file-size=8M", "--extra-file=" + bootstrap.string(),
                     // Passed on to the bootstrap server. MariaDB names temporary tables in
                     // tmpdir after pid and thread, and concurrent servers sharing /tmp removed
                     // each other's: each gets its own folder.
                     "--tmpdir=" + dir.string()};
        return spec;
    }

    std::expected<void, std::string> write_config(const fs::path&, const Database&, const ServerCertificate*,
                                                  const std::optional<UnixUser>&) const override {
        return {}; // everything is on the command line
    }

    std::vector<std::string> server_arguments(const fs::path& data, const fs::path& dir, int port,
                                              const Database& database,
                                              const ServerCertificate* certificate) const override {
        auto args = LocalMariadb::server_arguments(m_server, data, dir, port, database);
        std::vector<std::string> tls;
        if (certificate)
            tls = {"--ssl-cert=" + certificate->cert_file.string(), "--ssl-key=" + certificate->key_file.string()};
        tls.push_back(std::string("--require-secure-transport=") + (database.access.require_tls ? "ON" : "OFF"));
        // Before the scenario's settings, which come last so they win.
        auto settings_start = args.end() - static_cast<std::ptrdiff_t>(database.settings.size());
        args.insert(settings_start, tls.begin(), tls.end());
        return args;
    }

    std::expected<std::vector<std::string>, std::string> apply_settings(Session& admin, const Settings& settings,
                                                                        const Deadline& deadline) const override {
        std::vector<std::string> restart;
        for (const auto& [name, value] : settings) {
            // Numbers must go unquoted ('50' is a wrong argument type for max_connections).
            bool number = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
            auto set = admin.execute(fmt::format("SET GLOBAL {} = {}", name, number ? value : sql_literal(value, true)),
                                     deadline);
            if (set)
                continue;
            if (set.error().native_code == 1238) // read-only variable: only the command line sets it
                restart.push_back(name);
            else
                return std::unexpected(fmt::format("{}: {}", name, set.error().message));
        }
        return restart;
    }

    std::expected<void, std::string> apply_access(Session& admin, const Database& database,
                                                  const Deadline& deadline) const override {
        auto set = admin.execute(
            fmt::format("SET GLOBAL require_secure_transport = {}", database.access.require_tls ? "ON" : "OFF"),
            deadline);
        if (!set)
            return std::unexpected(set.error().message);
        return {};
    }

    std::expected<void, std::string> reload(Session&, const AdminLogin&, const Deadline&) const override {
        return {}; // SET GLOBAL is in effect for the next login at once
    }

    std::expected<Catalog, std::string> catalog(Session& admin, const Deadline& deadline) const override {
        // Accounts are kept in the form DROP USER takes ('app'@'%'); roles have an empty host.
        static constexpr std::string_view k_fingerprint = R"(
SELECT MD5(COALESCE(GROUP_CONCAT(x ORDER BY x SEPARATOR '
'), '')) FROM (
  SELECT CONCAT_WS(' ', 'account', User, Host, Priv) AS x FROM mysql.global_priv
  UNION ALL SELECT CONCAT_WS(' ', 'schema', schema_name, default_character_set_name, default_collation_name)
    FROM information_schema.schemata
  UNION ALL SELECT CONCAT_WS(' ', 'db grant', Host, Db, User, Select_priv, Insert_priv, Update_priv, Delete_priv,
                             Create_priv, Drop_priv, Grant_priv, Alter_priv, Execute_priv) FROM mysql.db
  UNION ALL SELECT CONCAT_WS(' ', 'table grant', Host, Db, User, Table_name, Table_priv, Column_priv)
    FROM mysql.tables_priv
  UNION ALL SELECT CONCAT_WS(' ', 'column grant', Host, Db, User, Table_name, Column_name, Column_priv)
    FROM mysql.columns_priv
  UNION ALL SELECT CONCAT_WS(' ', 'routine grant', Host, Db, User, Routine_name, Proc_priv) FROM mysql.procs_priv
  UNION ALL SELECT CONCAT_WS(' ', 'proxy', Host, User, Proxied_host, Proxied_user) FROM mysql.proxies_priv
  UNION ALL SELECT CONCAT_WS(' ', 'role', Host, User, Role, Admin_option) FROM mysql.roles_mapping
  UNION ALL SELECT CONCAT_WS(' ', 'variable', VARIABLE_NAME, VARIABLE_VALUE) FROM information_schema.GLOBAL_VARIABLES
    WHERE VARIABLE_NAME NOT LIKE 'GTID%'
  UNION ALL SELECT CONCAT_WS(' ', 'table', table_schema, table_name) FROM information_schema.tables
    WHERE table_schema IN ('mysql', 'sys', 'test')
  UNION ALL SELECT CONCAT_WS(' ', 'routine', routine_schema, routine_name) FROM information_schema.routines
  UNION ALL SELECT CONCAT_WS(' ', 'event', event_schema, event_name) FROM information_schema.events
) AS catalog)";
        return read_catalog(admin, "SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.global_priv",
                            "SELECT schema_name FROM information_schema.schemata", k_fingerprint, deadline);
    }

    std::expected<void, std::string> reset(Session& admin, const Catalog& fresh, const Catalog& now,
                                           const Deadline& deadline) const override {
        auto run = [&](const std::string& sql) -> std::expected<void, std::string> {
            auto done = admin.execute(sql, deadline);
            if (!done)
                return std::unexpected(fmt::format("reset: {}", done.error().message));
            return {};
        };
        auto others = admin.execute(
            "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND command <> 'Daemon' "
            "AND user <> 'system user'",
            deadline);
        if (!others)
            return std::unexpected(fmt::format("reset: {}", others.error().message));
        for (const auto& row : others->rows)
            if (!row.empty() && row[0])
                (void)admin.execute(fmt::format("KILL CONNECTION {}", *row[0]), deadline); // it may be gone already
        for (const auto& database : added_since(fresh.databases, now.databases)) {
            std::string quoted = "`";
            for (char c : database)
                quoted += c == '`' ? std::string("``") : std::string(1, c);
            if (auto dropped = run(fmt::format("DROP DATABASE {}`", quoted)); !dropped)
                return dropped;
        }
        for (const auto& account : added_since(fresh.roles, now.roles)) {
            bool role = account.ends_with("@''");
            std::string statement =
                role ? fmt::format("DROP ROLE {}", account.substr(0, account.size() - 3)) : "DROP USER " + account;
            if (auto dropped = run(statement); !dropped)
                return dropped;
        }
        return {};
    }

    int restart_signal() const override { return SIGTERM; } // clean shutdown: the data stays

    int parent_death_signal() const override { return SIGKILL; }
    int stop_signal() const override { return SIGTERM; } // clean: SIGKILL only if it lingers (Reaper)

    const Driver& admin_driver() const override { return *find_driver("mysqlcppconn"); }

    AdminLogin admin_login(int port, const std::string& password, const std::string& database,
                           bool tls) const override {
        return AdminLogin{"mysql", "127.0.0.1", port, std::string(k_superuser), password, database, tls};
    }

    std::string why_from_log(const fs::path& log) const override { return last_error_line(log); }

    std::string description(const std::string& version, int port, const Database& database) const override {
        std::string short_version = version.substr(0, version.find('-'));
        if (database.engine == Engine::mysql)
            return fmt::format("mysql (served by MariaDB {}), local, 127.0.0.1:{}", short_version, port);
        return fmt::format("mariadb {}, local, 127.0.0.1:{}", short_version, port);
    }

  private:
    fs::path m_server;
    fs::path m_install;
};

} // namespace

std::expected<fs::path, std::string> LocalMariadb::find_server() {
    fs::path server = find_binary("STAGEGATE_MARIADBD", {"/usr/sbin/mariadbd", "/usr/bin/mariadbd"});
    if (server.empty())
        return std::unexpected(std::string("no mariadbd: run scripts/setup (installs mariadb-server) or set "
                                           "STAGEGATE_MARIADBD"));
    return server;
}

LocalMariadb::LocalMariadb(const RunDir& run_dir, ProcessLauncher& launcher, const CertificateAuthority* authority)
    : LocalServers(std::make_unique<MariadbRecipe>(), run_dir, launcher, authority) {}

std::vector<std::string> LocalMariadb::server_arguments(const fs::path& server, const fs::path& data,
                                                        const fs::path& dir, int port, const Database& database) {
    // --no-defaults first, or /etc/mysql/my.cnf leaks in (socket, port, datadir).
    std::vector<std::string> args{server.string(), "--no-defaults", "--datadir=" + data.string(),
                                  "--port=" + std::to_string(port), "--socket=" + (dir / "mysqld.sock").string(),
                                  "--pid-file=" + (dir / "mariadbd.pid").string(), "--tmpdir=" + dir.string(),
                                  "--bind-address=127.0.0.1", "--skip-name-resolve",
                                  // A disposable server: durability off, small buffers.
                                  "--innodb-log-file-size=8M", "--innodb-buffer-pool-size=32M",
                                  "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--skip-log-bin"};
    for (const auto& [key, value] : database.settings)
        args.push_back("--" + key + "=" + value);
    return args;
}

} // namespace stagegate
