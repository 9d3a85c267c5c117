#include "soci_driver.hpp"

#include "../mysql/mysqlcppconn.hpp"
#include "../statement_guard.hpp"

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <fmt/format.h>

#include <cctype>
#include <ctime>

namespace stagegate::soci_client {

namespace {

std::string text_of(const soci::row& row, std::size_t i) {
    switch (row.get_properties(i).get_data_type()) {
    case soci::dt_string:
    case soci::dt_xml:
    case soci::dt_blob:
        return row.get<std::string>(i);
    case soci::dt_double:
        return fmt::format("{}", row.get<double>(i));
    case soci::dt_integer:
        return std::to_string(row.get<int>(i));
    case soci::dt_long_long:
        return std::to_string(row.get<long long>(i));
    case soci::dt_unsigned_long_long:
        return std::to_string(row.get<unsigned long long>(i));
    case soci::dt_date: {
        std::tm when = row.get<std::tm>(i);
        char buffer[32];
        std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &when);
        return buffer;
    }
    }
    return {};
}

// SQLite's progress callback: ends a statement once its deadline passed.
int past_deadline(void* context) {
    const auto* deadline = static_cast<const Deadline*>(context);
    return deadline->expired() || deadline->stopped() ? 1 : 0;
}

class SociSession final : public Session {
  public:
    SociSession(std::unique_ptr<soci::session> session, std::string backend, bool script_mode, AdminLogin owner)
        : m_session(std::move(session)), m_backend(std::move(backend)), m_script_mode(script_mode),
          m_owner(std::move(owner)) {
        if (m_backend == "mysql")
            m_id = std::to_string(mysql_thread_id(native_mysql()));
    }

    Result<QueryResult> execute(std::string_view sql, const Deadline& deadline) override {
        if (deadline.stopped())
            return fail(Category::timeout, "interrupted before the statement ran");
        if (deadline.expired())
            return fail(Category::timeout, "the deadline passed before the statement ran");
        try {
            if (m_backend == "sqlite3")
                return run_sqlite(sql, deadline);
            // SOCI blocks: the statement is ended from outside when the deadline passes.
            std::optional<Result<QueryResult>> result;
            bool cancelled = false;
            try {
                detail::StatementGuard guard(deadline, [this] { cancel(); });
                result = run(sql);
                cancelled = guard.cancelled();
            } catch (const soci::soci_error&) {
                if (!deadline.expired() && !deadline.stopped())
                    throw;
                cancelled = true;
            }
            if (cancelled)
                return std::unexpected(detail::statement_cut_short(deadline));
            return std::move(*result);
        } catch (const soci::soci_error& error) {
            return std::unexpected(classify(error, m_backend, Phase::statement));
        } catch (const std::exception& error) {
            return fail(Category::query, fmt::format("SOCI: {}", error.what()));
        }
    }

    Result<std::string> setting(std::string_view name, const Deadline& deadline) override {
        for (char c : name) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.')
                return fail(Category::query, fmt::format("\"{}\" is not a setting name", name));
        }
        std::string sql = m_backend == "postgresql" ? fmt::format("SELECT current_setting('{}')", name)
                          : m_backend == "mysql"    ? fmt::format("SELECT @@global.{}", name)
                                                    : fmt::format("PRAGMA {}", name);
        auto result = execute(sql, deadline);
        if (!result)
            return std::unexpected(result.error());
        if (result->rows.empty() || result->rows[0].empty())
            return std::string();
        return result->rows[0][0].value_or("");
    }

    TlsState tls() const override {
        TlsState state;
        if (m_backend == "postgresql") {
            PGconn* conn = static_cast<soci::postgresql_session_backend*>(m_session->get_backend())->conn_;
            state.in_use = PQsslInUse(conn) == 1;
            if (state.in_use) {
                const char* protocol = PQsslAttribute(conn, "protocol");
                const char* cipher = PQsslAttribute(conn, "cipher");
                state.version = protocol ? protocol : "";
                state.cipher = cipher ? cipher : "";
            }
        } else if (m_backend == "mysql") {
            if (const char* cipher = mysql_get_ssl_cipher(native_mysql())) {
                state.in_use = true;
                state.cipher = cipher;
            }
        }
        return state;
    }

    Result<ServerIdentity> identity(const Deadline& deadline) override {
        std::string sql =
            m_backend == "postgresql" ? "SELECT current_setting('server_version'), current_setting('port'), "
                                        "current_setting('transaction_read_only')"
            : m_backend == "mysql"    ? "SELECT VERSION(), CONCAT(@@hostname, ':', @@port), @@global.read_only"
                                      : "SELECT sqlite_version(), 'main', 0";
        auto result = execute(sql, deadline);
        if (!result)
            return std::unexpected(result.error());
        const auto& row = result->rows.at(0);
        ServerIdentity identity;
        identity.version = row.at(0).value_or("");
        identity.version = identity.version.substr(0, identity.version.find(' '));
        identity.server_id = row.at(1).value_or("");
        std::string read_only = row.at(2).value_or("");
        identity.read_only = read_only == "on" || read_only == "1";
        if (m_backend == "sqlite3") {
            auto* conn = static_cast<soci::sqlite3_session_backend*>(m_session->get_backend())->conn_;
            identity.read_only = sqlite_api::sqlite3_db_readonly(conn, "main") == 1;
            const char* file = sqlite_api::sqlite3_db_filename(conn, "main");
            identity.server_id = file ? file : "";
        }
        return identity;
    }

  private:
    Result<QueryResult> run(std::string_view sql) {
        QueryResult out;
        soci::row row;
        soci::statement statement = (m_session->prepare << std::string(sql), soci::into(row));
        bool more = statement.execute(true);
        for (std::size_t i = 0; i < row.size(); ++i)
            out.columns.push_back(row.get_properties(i).get_name());
        while (more) {
            auto& values = out.rows.emplace_back();
            for (std::size_t i = 0; i < row.size(); ++i)
                values.push_back(row.get_indicator(i) == soci::i_null ? std::nullopt
                                                                      : std::optional<std::string>(text_of(row, i)));
            more = statement.fetch();
        }
        return out;
    }

    // SQLite through the native handle: sqlite3_exec runs every statement of a setup script
    // (SOCI prepares only the first), and the progress handler enforces the deadline.
    Result<QueryResult> run_sqlite(std::string_view sql, const Deadline& deadline) {
        auto* conn = static_cast<soci::sqlite3_session_backend*>(m_session->get_backend())->conn_;
        sqlite_api::sqlite3_progress_handler(conn, 1000, past_deadline, const_cast<Deadline*>(&deadline));
        struct ProgressOff {
            sqlite_api::sqlite3* conn;
            ~ProgressOff() { sqlite_api::sqlite3_progress_handler(conn, 0, nullptr, nullptr); }
        } off{conn};
        if (!m_script_mode) {
            auto result = run(sql);
            return result;
        }
        QueryResult out;
        char* error = nullptr;
        auto collect = [](void* context, int columns, char** values, char** names) {
            auto* result = static_cast<QueryResult*>(context);
            if (result->columns.empty())
                for (int c = 0; c < columns; ++c)
                    result->columns.emplace_back(names[c]);
            auto& row = result->rows.emplace_back();
            for (int c = 0; c < columns; ++c)
                row.push_back(values[c] ? std::optional<std::string>(values[c]) : std::nullopt);
            return 0;
        };
        std::string text(sql);
        int rc = sqlite_api::sqlite3_exec(conn, text.c_str(), collect, &out, &error);
        if (rc != SQLITE_OK) {
            std::string message = error ? error : sqlite_api::sqlite3_errstr(rc);
            sqlite_api::sqlite3_free(error);
            soci::sqlite3_soci_error failure(message, rc);
            return std::unexpected(classify(failure, m_backend, Phase::statement));
        }
        return out;
    }

    MYSQL* native_mysql() const { return static_cast<soci::mysql_session_backend*>(m_session->get_backend())->conn_; }

    // postgresql: libpq's cancel request (made for use from another thread); mysql: KILL QUERY
    // through a second login of the candidate's own account.
    void cancel() {
        if (m_backend == "postgresql") {
            PGconn* conn = static_cast<soci::postgresql_session_backend*>(m_session->get_backend())->conn_;
            if (PGcancel* handle = PQgetCancel(conn)) {
                char buffer[256];
                PQcancel(handle, buffer, sizeof buffer);
                PQfreeCancel(handle);
            }
        } else if (m_backend == "mysql") {
            mysql::kill_query(m_owner, m_id);
        }
    }

    std::unique_ptr<soci::session> m_session;
    std::string m_backend;
    bool m_script_mode;
    AdminLogin m_owner; // mysql: the candidate's own account, for KILL QUERY
    std::string m_id;
};

} // namespace

std::unique_ptr<Session> make_session(std::unique_ptr<soci::session> session, std::string backend, bool script_mode,
                                      AdminLogin owner) {
    return std::make_unique<SociSession>(std::move(session), std::move(backend), script_mode, std::move(owner));
}

} // namespace stagegate::soci_client
