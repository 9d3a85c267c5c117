// Superuser sessions to servers the harness started (readiness, setup files). Not a candidate
// path, so it uses MariaDB's C client directly: Connector/C++ 1.1 cannot walk the results of a
// multi-statement script (an update count in the middle ends its getMoreResults loop).
#include "mysqlcppconn.hpp"

#include "../statement_guard.hpp"

#include <mysql.h>

#include <fmt/format.h>

#include <algorithm>

namespace stagegate::mysql {

namespace {

struct MysqlDeleter {
    void operator()(MYSQL* handle) const { mysql_close(handle); }
};
using MysqlPtr = std::unique_ptr<MYSQL, MysqlDeleter>;

struct ResultDeleter {
    void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};

Failure failure_of(MYSQL* handle, Phase phase) {
    return classify(static_cast<int>(mysql_errno(handle)), mysql_sqlstate(handle), mysql_error(handle), phase);
}

class AdminSession final : public Session {
  public:
    AdminSession(MysqlPtr handle, AdminLogin login) : m_handle(std::move(handle)), m_login(std::move(login)) {}

    Result<QueryResult> execute(std::string_view sql, const Deadline& deadline) override {
        if (deadline.stopped())
            return fail(Category::timeout, "interrupted before the statement ran");
        std::optional<Result<QueryResult>> result;
        {
            // The C client blocks: a second superuser login ends the script from outside.
            std::string id = std::to_string(mysql_thread_id(m_handle.get()));
            detail::StatementGuard guard(deadline, [this, id] { kill_query(m_login, id); });
            result = run(sql);
            if (guard.cancelled())
                return std::unexpected(detail::statement_cut_short(deadline));
        }
        return std::move(*result);
    }

    Result<QueryResult> run(std::string_view sql) {
        MYSQL* handle = m_handle.get();
        if (mysql_real_query(handle, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
            return std::unexpected(failure_of(handle, Phase::statement));
        QueryResult last;
        while (true) {
            std::unique_ptr<MYSQL_RES, ResultDeleter> result(mysql_store_result(handle));
            if (result)
                last = rows_of(result.get());
            else if (mysql_field_count(handle) != 0)
                return std::unexpected(failure_of(handle, Phase::statement));
            int next = mysql_next_result(handle);
            if (next > 0)
                return std::unexpected(failure_of(handle, Phase::statement));
            if (next < 0)
                return last;
        }
    }

    Result<std::string> setting(std::string_view name, const Deadline& deadline) override {
        return read_variable(*this, name, deadline);
    }

    TlsState tls() const override {
        TlsState state;
        if (const char* cipher = mysql_get_ssl_cipher(m_handle.get())) {
            state.in_use = true;
            state.cipher = cipher;
        }
        return state;
    }

    Result<ServerIdentity> identity(const Deadline& deadline) override { return read_identity(*this, deadline); }

  private:
    static QueryResult rows_of(MYSQL_RES* result) {
        QueryResult rows;
        unsigned columns = mysql_num_fields(result);
        MYSQL_FIELD* fields = mysql_fetch_fields(result);
        for (unsigned c = 0; c < columns; ++c)
            rows.columns.emplace_back(fields[c].name);
        while (MYSQL_ROW row = mysql_fetch_row(result)) {
            unsigned long* lengths = mysql_fetch_lengths(result);
            auto& out = rows.rows.emplace_back();
            for (unsigned c = 0; c < columns; ++c)
                out.emplace_back(row[c] ? std::optional<std::string>(std::string(row[c], lengths[c])) : std::nullopt);
        }
        return rows;
    }

    MysqlPtr m_handle;
    AdminLogin m_login;
};

} // namespace

Result<std::unique_ptr<Session>> connect_admin_session(const AdminLogin& login, const Deadline& deadline) {
    if (deadline.stopped())
        return fail(Category::timeout, "interrupted before connecting");
    MysqlPtr handle(mysql_init(nullptr));
    if (!handle)
        return fail(Category::server, "the MariaDB client could not allocate a connection");
    unsigned timeout = static_cast<unsigned>(deadline.whole_seconds_left());
    unsigned io_timeout = 600; // setup files may build large schemas
    unsigned protocol = MYSQL_PROTOCOL_TCP;
    mysql_optionsv(handle.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(handle.get(), MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_optionsv(handle.get(), MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_optionsv(handle.get(), MYSQL_OPT_PROTOCOL, &protocol);
    if (login.tls) { // the server requires TLS; it is our own throwaway server, so no verification
        my_bool enforce = 1;
        my_bool verify = 0;
        mysql_optionsv(handle.get(), MYSQL_OPT_SSL_ENFORCE, &enforce);
        mysql_optionsv(handle.get(), MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    }
    const char* database = login.database.empty() ? nullptr : login.database.c_str();
    if (!mysql_real_connect(handle.get(), login.address.c_str(), login.user.c_str(), login.password.c_str(), database,
                            static_cast<unsigned>(login.port), nullptr, CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS))
        return std::unexpected(failure_of(handle.get(), Phase::connect));
    return std::make_unique<AdminSession>(std::move(handle), login);
}

void kill_query(const AdminLogin& owner, const std::string& id) {
    if (id.empty())
        return;
    auto killer = connect_admin_session(owner, Deadline::in(Millis(2000)));
    if (killer)
        (void)static_cast<AdminSession&>(**killer).run("KILL QUERY " + id);
}

} // namespace stagegate::mysql
