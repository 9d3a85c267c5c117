#include "libpq_driver.hpp"

#include "../socket_wait.hpp"

#include <fmt/format.h>

#include <poll.h>

namespace stagegate::libpq {

namespace {

using detail::WaitResult;

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string_view stage_of(ConnStatusType status) {
    switch (status) {
    case CONNECTION_STARTED:
        return "the TCP connection was not accepted";
    case CONNECTION_MADE:
    case CONNECTION_AWAITING_RESPONSE:
    case CONNECTION_SSL_STARTUP:
    case CONNECTION_GSS_STARTUP:
        return "the server accepted the connection but never answered the handshake";
    case CONNECTION_AUTH_OK:
    case CONNECTION_SETENV:
    case CONNECTION_CHECK_WRITABLE:
    case CONNECTION_CHECK_TARGET:
    case CONNECTION_CHECK_STANDBY:
    case CONNECTION_CONSUME:
        return "the server authenticated the login but did not finish start-up";
    default:
        return "the connection did not complete";
    }
}

Failure timeout_failure(std::string_view target, const Deadline& deadline, std::string_view why) {
    Failure failure;
    failure.category = Category::timeout;
    failure.message = deadline.stopped() ? fmt::format("interrupted while connecting to {}", target)
                                         : fmt::format("no answer from {} before the deadline: {}", target, why);
    failure.hint = hint_for(Category::timeout);
    return failure;
}

Failure from_result(const PGresult* result, PGconn* conn) {
    const char* code = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
    return classify(code ? code : "", message, Phase::statement);
}

class LibpqSession final : public Session {
  public:
    explicit LibpqSession(ConnPtr conn) : m_conn(std::move(conn)) {}

    Result<QueryResult> execute(std::string_view sql, const Deadline& deadline) override {
        std::string text(sql);
        if (!PQsendQuery(m_conn.get(), text.c_str()))
            return std::unexpected(from_result(nullptr, m_conn.get()));
        return collect(deadline);
    }

    Result<std::string> setting(std::string_view name, const Deadline& deadline) override {
        std::string key(name);
        const char* values[] = {key.c_str()};
        if (!PQsendQueryParams(m_conn.get(), "SELECT current_setting($1)", 1, nullptr, values, nullptr, nullptr, 0))
            return std::unexpected(from_result(nullptr, m_conn.get()));
        auto result = collect(deadline);
        if (!result)
            return std::unexpected(result.error());
        if (result->rows.empty() || !result->rows[0][0])
            return std::string();
        return *result->rows[0][0];
    }

    TlsState tls() const override {
        TlsState state;
        state.in_use = PQsslInUse(m_conn.get()) == 1;
        if (state.in_use) {
            const char* protocol = PQsslAttribute(m_conn.get(), "protocol");
            const char* cipher = PQsslAttribute(m_conn.get(), "cipher");
            state.version = protocol ? protocol : "";
            state.cipher = cipher ? cipher : "";
        }
        return state;
    }

    Result<ServerIdentity> identity(const Deadline& deadline) override {
        auto result =
            execute("SELECT current_setting('server_version'), current_setting('transaction_read_only')", deadline);
        if (!result)
            return std::unexpected(result.error());
        ServerIdentity identity;
        identity.version = result->rows.at(0).at(0).value_or("");
        identity.version = identity.version.substr(0, identity.version.find(' ')); // "15.20 (Debian ...)"
        identity.read_only = result->rows.at(0).at(1).value_or("") == "on";
        return identity;
    }

  private:
    // Reads every result of the statement sent last, within the deadline; cancels on expiry.
    Result<QueryResult> collect(const Deadline& deadline) {
        PGconn* conn = m_conn.get();
        std::optional<Failure> failure;
        QueryResult last;
        while (true) {
            while (PQisBusy(conn)) {
                WaitResult waited = detail::wait_socket(PQsocket(conn), POLLIN, deadline);
                if (waited != WaitResult::ready)
                    return cancel(deadline);
                if (!PQconsumeInput(conn))
                    return std::unexpected(from_result(nullptr, conn));
            }
            ResultPtr result(PQgetResult(conn));
            if (!result)
                break;
            switch (PQresultStatus(result.get())) {
            case PGRES_TUPLES_OK:
                last = rows_of(result.get());
                break;
            case PGRES_COMMAND_OK:
                last = QueryResult{};
                break;
            default:
                if (!failure)
                    failure = from_result(result.get(), conn);
                break;
            }
        }
        if (failure)
            return std::unexpected(*failure);
        return last;
    }

    Result<QueryResult> cancel(const Deadline& deadline) {
        if (PGcancel* handle = PQgetCancel(m_conn.get())) {
            char buffer[256];
            PQcancel(handle, buffer, sizeof buffer);
            PQfreeCancel(handle);
        }
        Failure failure;
        failure.category = Category::timeout;
        failure.message = deadline.stopped() ? "interrupted while the statement ran"
                                             : "the statement did not finish before the deadline and was cancelled";
        failure.hint = "raise the check's timeout_ms or make the statement cheaper";
        m_conn.reset();
        return std::unexpected(failure);
    }

    static QueryResult rows_of(const PGresult* result) {
        QueryResult rows;
        int columns = PQnfields(result);
        for (int c = 0; c < columns; ++c)
            rows.columns.emplace_back(PQfname(result, c));
        for (int r = 0; r < PQntuples(result); ++r) {
            auto& row = rows.rows.emplace_back();
            for (int c = 0; c < columns; ++c) {
                if (PQgetisnull(result, r, c))
                    row.emplace_back(std::nullopt);
                else
                    row.emplace_back(std::string(PQgetvalue(result, r, c), PQgetlength(result, r, c)));
            }
        }
        return rows;
    }

    ConnPtr m_conn;
};

} // namespace

Result<ConnPtr> finish_connect(ConnPtr conn, const Deadline& deadline, std::string_view target) {
    if (!conn)
        return fail(Category::server, "libpq could not allocate a connection");
    // Verbose errors carry the SQLSTATE of server-side connect failures ("FATAL:  28P01: ...").
    PQsetErrorVerbosity(conn.get(), PQERRORS_VERBOSE);
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (PQstatus(conn.get()) != CONNECTION_BAD) {
        if (state == PGRES_POLLING_OK)
            return conn;
        short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        WaitResult waited = detail::wait_socket(PQsocket(conn.get()), events, deadline);
        if (waited == WaitResult::deadline || waited == WaitResult::interrupted)
            return std::unexpected(timeout_failure(target, deadline, stage_of(PQstatus(conn.get()))));
        state = PQconnectPoll(conn.get());
        if (state == PGRES_POLLING_FAILED)
            break;
    }
    std::string message = PQerrorMessage(conn.get());
    return std::unexpected(classify(sqlstate_of(message), message, Phase::connect));
}

std::unique_ptr<Session> make_session(ConnPtr conn) {
    // libpq prints server notices (a WARNING as a server shuts down, ...) on stderr by default:
    // never on stagegate's output, which is the report.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    return std::make_unique<LibpqSession>(std::move(conn));
}

} // namespace stagegate::libpq
