#include "run/checks.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace stagegate {

namespace {

Failure failure(Category category, std::string message, std::string hint) {
    return Failure{category, std::move(message), std::move(hint), {}, 0};
}

std::string cell(const std::optional<std::string>& value) {
    return value.value_or("NULL");
}

std::string literal(std::string_view text, Engine engine) {
    return sql_literal(text, engine == Engine::mariadb || engine == Engine::mysql);
}

std::string first(const QueryResult& result) {
    if (result.rows.empty() || result.rows[0].empty())
        return {};
    return cell(result.rows[0][0]);
}

std::optional<double> number(std::string_view text) {
    std::string copy(trim(text));
    if (copy.empty())
        return std::nullopt;
    char* end = nullptr;
    double value = std::strtod(copy.c_str(), &end);
    if (*end != '\0')
        return std::nullopt;
    return value;
}

int version_rank(std::string_view version) {
    if (version == "TLSv1.3")
        return 4;
    if (version == "TLSv1.2")
        return 3;
    if (version == "TLSv1.1")
        return 2;
    if (version == "TLSv1")
        return 1;
    return 0;
}

// Asks the catalog whether the current role has `rule.privilege` on `rule.object`.
Result<bool> has_privilege(const PrivilegeRule& rule, Engine engine, Session& session, const Deadline& deadline) {
    std::string sql;
    if (engine == Engine::postgres) {
        sql = rule.privilege == "CONNECT"
                  ? fmt::format("SELECT has_database_privilege({}, 'CONNECT')", literal(rule.object, engine))
                  : fmt::format("SELECT has_table_privilege({}, {})", literal(rule.object, engine),
                                literal(rule.privilege, engine));
    } else {
        // MariaDB and MySQL have no has_privilege(): the information_schema privilege tables list
        // the current account's grants at every level (global, schema, table).
        if (rule.privilege == "CONNECT") {
            sql = fmt::format("SELECT COUNT(*) > 0 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {}",
                              literal(rule.object, engine));
        } else {
            auto dot = rule.object.find('.');
            std::string schema = dot == std::string::npos ? "DATABASE()" : literal(rule.object.substr(0, dot), engine);
            std::string table = literal(dot == std::string::npos ? rule.object : rule.object.substr(dot + 1), engine);
            std::string grantee = "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', "
                                  "SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
            sql = fmt::format("SELECT COUNT(*) > 0 FROM ("
                              "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = {0} "
                              "UNION ALL SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES "
                              "WHERE GRANTEE = {0} AND TABLE_SCHEMA = {1} "
                              "UNION ALL SELECT PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES "
                              "WHERE GRANTEE = {0} AND TABLE_SCHEMA = {1} AND TABLE_NAME = {2}) AS granted "
                              "WHERE PRIVILEGE_TYPE = {3}",
                              grantee, schema, table, literal(rule.privilege, engine));
        }
    }
    auto result = session.execute(sql, deadline);
    if (!result)
        return std::unexpected(result.error());
    std::string value = first(*result);
    return value == "t" || value == "1" || value == "true";
}

} // namespace

std::optional<Failure> check_query(const QueryCheck& check, Session& session, const Deadline& deadline) {
    auto result = session.execute(check.sql, deadline);
    if (!result)
        return result.error();
    if (check.expect_rows && static_cast<long>(result->rows.size()) != *check.expect_rows)
        return failure(Category::expectation,
                       fmt::format("expected {} row{}, got {}", *check.expect_rows, *check.expect_rows == 1 ? "" : "s",
                                   result->rows.size()),
                       "the data differs from what the scenario expects: check the database and the query");
    if ((check.expect_value || check.expect_match) && (result->rows.empty() || result->rows[0].empty()))
        return failure(Category::expectation,
                       check.expect_value
                           ? fmt::format("expected value \"{}\", got no rows", *check.expect_value)
                           : fmt::format("expected a value matching /{}/, got no rows", check.expect_match->text()),
                       "the query returned nothing");
    if (check.expect_value) {
        std::string actual = first(*result);
        if (actual != *check.expect_value)
            return failure(Category::expectation,
                           fmt::format("expected value \"{}\", got \"{}\"", *check.expect_value, actual),
                           "the data differs from what the scenario expects");
    }
    if (check.expect_match) {
        std::string actual = first(*result);
        if (!check.expect_match->found_in(actual))
            return failure(
                Category::expectation,
                fmt::format("expected a value matching /{}/, got \"{}\"", check.expect_match->text(), actual),
                "the data differs from what the scenario expects");
    }
    if (check.expect_data) {
        const auto& want = *check.expect_data;
        if (want.size() != result->rows.size())
            return failure(
                Category::expectation,
                fmt::format("expected {} row{}, got {}", want.size(), want.size() == 1 ? "" : "s", result->rows.size()),
                "the data differs from what the scenario expects");
        for (std::size_t r = 0; r < want.size(); ++r) {
            const auto& row = result->rows[r];
            if (row.size() != want[r].size())
                return failure(Category::expectation,
                               fmt::format("row {}: expected {} columns, got {}", r + 1, want[r].size(), row.size()),
                               "the query's columns differ from what the scenario expects");
            for (std::size_t c = 0; c < row.size(); ++c) {
                if (cell(row[c]) != want[r][c])
                    return failure(Category::expectation,
                                   fmt::format("row {}, column {} ({}): expected \"{}\", got \"{}\"", r + 1, c + 1,
                                               c < result->columns.size() ? result->columns[c] : "?", want[r][c],
                                               cell(row[c])),
                                   "the data differs from what the scenario expects");
            }
        }
    }
    return std::nullopt;
}

std::optional<Failure> check_tls(const TlsCheck& check, const TlsState& tls) {
    if (!tls.in_use)
        return failure(Category::tls, "the session is plaintext: TLS was not negotiated",
                       "require TLS in the string (sslmode=verify-full, ssl-mode=VERIFY_IDENTITY) and on the server");
    if (check.min_version && version_rank(tls.version) < version_rank(*check.min_version))
        return failure(Category::tls,
                       fmt::format("the session negotiated {}, below {}", tls.version, *check.min_version),
                       "raise the minimum TLS version of the client or the server");
    return std::nullopt;
}

std::optional<Failure> check_setting(const SettingCheck& check, Session& session, const Deadline& deadline) {
    auto value = session.setting(check.name, deadline);
    if (!value)
        return value.error();
    if (check.equals && *value != *check.equals)
        return failure(Category::expectation,
                       fmt::format("setting {} is \"{}\", expected \"{}\"", check.name, *value, *check.equals),
                       "the server runs with another setting than the scenario expects");
    if (check.at_least || check.at_most) {
        auto actual = number(*value);
        if (!actual)
            return failure(Category::expectation,
                           fmt::format("setting {} is \"{}\", not a plain number", check.name, *value),
                           "compare it with equals");
        if (check.at_least && *actual < *check.at_least)
            return failure(Category::expectation,
                           fmt::format("setting {} is {}, expected at least {}", check.name, *value, *check.at_least),
                           "the server runs with a lower value than the scenario needs");
        if (check.at_most && *actual > *check.at_most)
            return failure(Category::expectation,
                           fmt::format("setting {} is {}, expected at most {}", check.name, *value, *check.at_most),
                           "the server runs with a higher value than the scenario allows");
    }
    return std::nullopt;
}

std::optional<Failure> check_privileges(const PrivilegesCheck& check, Engine engine, Session& session,
                                        const Deadline& deadline) {
    if (engine == Engine::sqlite)
        return failure(Category::config, "SQLite has no privileges to check", "remove the privileges check");
    for (const auto& rule : check.privileges) {
        auto has = has_privilege(rule, engine, session, deadline);
        if (!has)
            return has.error();
        if (*has == rule.allowed)
            continue;
        if (rule.allowed)
            return failure(Category::permission,
                           fmt::format("the candidate's account lacks {} on {}", rule.privilege, rule.object),
                           "grant it, or connect as the account that has it");
        return failure(Category::permission,
                       fmt::format("the candidate's account has {} on {}, which the scenario says it must not",
                                   rule.privilege, rule.object),
                       "revoke it, or connect as a narrower account");
    }
    return std::nullopt;
}

std::optional<Failure> check_read_write(const ReadWriteCheck& check, Session& session, const Deadline& deadline) {
    auto identity = session.identity(deadline);
    if (!identity)
        return identity.error();
    if (check.writable && identity->read_only)
        return failure(Category::expectation, "the session is read-only: every write would fail",
                       "point the config at the primary, not a replica or a read-only server");
    if (!check.writable && !identity->read_only)
        return failure(Category::expectation, "the session accepts writes, but the scenario expects a read-only one",
                       "point the config at the replica, or make the account read-only");
    return std::nullopt;
}

Result<Whereabouts> whereabouts(Engine engine, Session& session, const Deadline& deadline) {
    std::string sql;
    switch (engine) {
    case Engine::postgres:
        sql = "SELECT COALESCE(host(inet_server_addr()), 'local socket') || ':' || COALESCE(inet_server_port(), 0), "
              "current_database()";
        break;
    case Engine::mariadb:
    case Engine::mysql:
        sql = "SELECT CONCAT(@@hostname, ':', @@port), COALESCE(DATABASE(), '(none)')";
        break;
    case Engine::sqlite:
        sql = "SELECT 'sqlite', file FROM pragma_database_list WHERE name = 'main'";
        break;
    }
    auto result = session.execute(sql, deadline);
    if (!result)
        return std::unexpected(result.error());
    if (result->rows.empty() || result->rows[0].size() < 2)
        return std::unexpected(failure(Category::server, "the server did not say where the session landed", ""));
    return Whereabouts{cell(result->rows[0][0]), cell(result->rows[0][1])};
}

Result<Capacity> capacity(Engine engine, Session& session, const Deadline& deadline) {
    std::string sql;
    if (engine == Engine::postgres)
        sql = "SELECT current_setting('max_connections'), current_setting('superuser_reserved_connections'), "
              "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')";
    else
        // MariaDB keeps one extra connection for SUPER beyond max_connections: none are taken from it.
        sql = "SELECT @@max_connections, 0, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
              "WHERE VARIABLE_NAME = 'THREADS_CONNECTED')";
    auto result = session.execute(sql, deadline);
    if (!result)
        return std::unexpected(result.error());
    if (result->rows.empty() || result->rows[0].size() < 3)
        return std::unexpected(failure(Category::server, "the server did not report its connection limits", ""));
    const auto& row = result->rows[0];
    return Capacity{std::atol(cell(row[0]).c_str()), std::atol(cell(row[1]).c_str()), std::atol(cell(row[2]).c_str())};
}

} // namespace stagegate
