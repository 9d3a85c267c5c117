#include "mysqlcppconn.hpp"

#include "../statement_guard.hpp"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>

#include <fmt/format.h>

#include <cctype>

namespace stagegate::mysql {

namespace {

QueryResult rows_of(sql::ResultSet& set) {
    QueryResult rows;
    sql::ResultSetMetaData* meta = set.getMetaData();
    unsigned columns = meta->getColumnCount();
    for (unsigned c = 1; c <= columns; ++c)
        rows.columns.emplace_back(meta->getColumnLabel(c).asStdString());
    while (set.next()) {
        auto& row = rows.rows.emplace_back();
        for (unsigned c = 1; c <= columns; ++c) {
            std::string value = set.getString(c).asStdString();
            row.emplace_back(set.wasNull() ? std::nullopt : std::optional<std::string>(std::move(value)));
        }
    }
    return rows;
}

bool valid_name(std::string_view name) {
    return !name.empty() &&
           std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

class CppconnSession final : public Session {
  public:
    CppconnSession(std::unique_ptr<sql::Connection> connection, AdminLogin owner)
        : m_connection(std::move(connection)), m_owner(std::move(owner)) {}

    ~CppconnSession() override {
        try {
            m_connection->close();
        } catch (const std::exception&) {
            // The server may already be gone; the connection is released either way.
        }
    }

    // Reads the connection's id (for KILL QUERY) and what TLS it negotiated; called once,
    // right after connecting.
    Result<void> read_state() {
        // One round trip where the server has information_schema.SESSION_STATUS (MariaDB); MySQL
        // 8 moved it, so there it takes two.
        auto state = run("SELECT CONNECTION_ID(), MAX(IF(VARIABLE_NAME = 'SSL_CIPHER', VARIABLE_VALUE, NULL)), "
                         "MAX(IF(VARIABLE_NAME = 'SSL_VERSION', VARIABLE_VALUE, NULL)) "
                         "FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN ('SSL_CIPHER', 'SSL_VERSION')");
        if (state && !state->rows.empty() && state->rows[0].size() == 3) {
            const auto& row = state->rows[0];
            m_id = row[0].value_or("");
            m_tls.cipher = row[1].value_or("");
            m_tls.version = row[2].value_or("");
            m_tls.in_use = !m_tls.cipher.empty();
            return {};
        }
        auto id = run("SELECT CONNECTION_ID()");
        if (!id)
            return std::unexpected(id.error());
        m_id = id->rows.at(0).at(0).value_or("");
        auto status = run("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_cipher', 'Ssl_version')");
        if (!status)
            return std::unexpected(status.error());
        for (const auto& row : status->rows) {
            if (row.size() < 2 || !row[0] || !row[1])
                continue;
            if (*row[0] == "Ssl_cipher")
                m_tls.cipher = *row[1];
            else if (*row[0] == "Ssl_version")
                m_tls.version = *row[1];
        }
        m_tls.in_use = !m_tls.cipher.empty();
        return {};
    }

    Result<QueryResult> execute(std::string_view sql, const Deadline& deadline) override {
        if (deadline.stopped() || deadline.expired())
            return std::unexpected(detail::statement_cut_short(deadline));
        std::optional<Result<QueryResult>> result;
        {
            // Connector/C++ blocks: the owner's second login ends the statement from outside.
            detail::StatementGuard guard(deadline, [this] { kill_query(m_owner, m_id); });
            result = run(sql);
            if (guard.cancelled())
                return std::unexpected(detail::statement_cut_short(deadline));
        }
        return std::move(*result);
    }

    Result<std::string> setting(std::string_view name, const Deadline& deadline) override {
        return read_variable(*this, name, deadline);
    }

    TlsState tls() const override { return m_tls; }

    // The KILL QUERY login goes the way this session went: a server that requires secure
    // transport refuses a plaintext one.
    void kill_over_tls_if_in_use() { m_owner.tls = m_tls.in_use; }

    Result<ServerIdentity> identity(const Deadline& deadline) override { return read_identity(*this, deadline); }

  private:
    Result<QueryResult> run(std::string_view sql) {
        try {
            std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
            QueryResult last;
            if (statement->execute(sql::SQLString(std::string(sql)))) {
                std::unique_ptr<sql::ResultSet> set(statement->getResultSet());
                last = rows_of(*set);
            }
            while (statement->getMoreResults()) {
                std::unique_ptr<sql::ResultSet> set(statement->getResultSet());
                last = rows_of(*set);
            }
            return last;
        } catch (const sql::SQLException& error) {
            return std::unexpected(classify(error.getErrorCode(), error.getSQLState(), error.what(), Phase::statement));
        }
    }

    std::unique_ptr<sql::Connection> m_connection;
    AdminLogin m_owner; // the candidate's own account, for KILL QUERY
    std::string m_id;
    TlsState m_tls;
};

} // namespace

Result<std::string> read_variable(Session& session, std::string_view name, const Deadline& deadline) {
    if (!valid_name(name))
        return fail(Category::query, fmt::format("\"{}\" is not a server variable name", name));
    auto result = session.execute(fmt::format("SHOW GLOBAL VARIABLES LIKE '{}'", name), deadline);
    if (!result)
        return std::unexpected(result.error());
    if (result->rows.empty() || result->rows[0].size() < 2)
        return fail(Category::query, fmt::format("the server has no variable {}", name));
    return result->rows[0][1].value_or("");
}

Result<ServerIdentity> read_identity(Session& session, const Deadline& deadline) {
    auto result = session.execute("SELECT VERSION(), CONCAT(@@hostname, ':', @@port), @@global.read_only", deadline);
    if (!result)
        return std::unexpected(result.error());
    const auto& row = result->rows.at(0);
    return ServerIdentity{row.at(0).value_or(""), row.at(1).value_or(""), row.at(2).value_or("0") == "1"};
}

std::unique_ptr<Session> make_session(std::unique_ptr<sql::Connection> connection, AdminLogin owner) {
    auto session = std::make_unique<CppconnSession>(std::move(connection), std::move(owner));
    (void)session->read_state(); // a server that cannot say reports no TLS: the tls check fails closed
    session->kill_over_tls_if_in_use();
    return session;
}

} // namespace stagegate::mysql
