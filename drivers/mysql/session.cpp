#include "mysqlcppconn.hpp"

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
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_';
    });
}

class CppconnSession final : public Session {
  public:
    explicit CppconnSession(std::unique_ptr<sql::Connection> connection) : m_connection(std::move(connection)) {}

    ~CppconnSession() override {
        try {
            m_connection->close();
        } catch (const std::exception&) {
            // The server may already be gone; the connection is released either way.
        }
    }

    // Reads what TLS the connection negotiated; called once, right after connecting.
    Result<void> read_tls() {
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
        if (auto limited = limit_statement(deadline); !limited)
            return std::unexpected(limited.error());
        return run(sql);
    }

    Result<std::string> setting(std::string_view name, const Deadline& deadline) override {
        if (!valid_name(name))
            return fail(Category::query, fmt::format("\"{}\" is not a server variable name", name));
        auto result = execute(fmt::format("SHOW GLOBAL VARIABLES LIKE '{}'", name), deadline);
        if (!result)
            return std::unexpected(result.error());
        if (result->rows.empty() || result->rows[0].size() < 2)
            return fail(Category::query, fmt::format("the server has no variable {}", name));
        return result->rows[0][1].value_or("");
    }

    TlsState tls() const override { return m_tls; }

    Result<ServerIdentity> identity(const Deadline& deadline) override {
        auto result = execute("SELECT VERSION(), CONCAT(@@hostname, ':', @@port), @@global.read_only", deadline);
        if (!result)
            return std::unexpected(result.error());
        const auto& row = result->rows.at(0);
        ServerIdentity identity;
        identity.version = row.at(0).value_or("");
        identity.server_id = row.at(1).value_or("");
        identity.read_only = row.at(2).value_or("0") == "1";
        return identity;
    }

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

    // The server ends a statement that outlives the check's deadline (MariaDB:
    // max_statement_time in seconds, MySQL: max_execution_time in ms for SELECTs); the read
    // timeout set at connect is the backstop for a server that stops answering.
    Result<void> limit_statement(const Deadline& deadline) {
        if (deadline.stopped())
            return fail(Category::timeout, "interrupted before the statement ran");
        auto left = deadline.remaining().count();
        if (left <= 0)
            return fail(Category::timeout, "the deadline passed before the statement ran");
        if (!m_flavour_known) {
            auto version = run("SELECT VERSION()");
            if (!version)
                return std::unexpected(version.error());
            m_mariadb = version->rows.at(0).at(0).value_or("").find("MariaDB") != std::string::npos;
            m_flavour_known = true;
        }
        // Rounded up to 100 ms so that a check's repeated statements reuse one setting.
        long limit_ms = (left + 99) / 100 * 100;
        if (limit_ms == m_limit_ms)
            return {};
        auto set = run(m_mariadb ? fmt::format("SET SESSION max_statement_time = {:.1f}", static_cast<double>(limit_ms) / 1000.0)
                                 : fmt::format("SET SESSION max_execution_time = {}", limit_ms));
        if (!set)
            return std::unexpected(set.error());
        m_limit_ms = limit_ms;
        return {};
    }

    std::unique_ptr<sql::Connection> m_connection;
    TlsState m_tls;
    bool m_flavour_known = false;
    bool m_mariadb = true;
    long m_limit_ms = 0;
};

} // namespace

std::unique_ptr<Session> make_session(std::unique_ptr<sql::Connection> connection) {
    auto session = std::make_unique<CppconnSession>(std::move(connection));
    (void)session->read_tls(); // a server that cannot say reports no TLS: the tls check fails closed
    return session;
}

} // namespace stagegate::mysql
