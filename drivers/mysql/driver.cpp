#include "mysqlcppconn.hpp"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <mysql_driver.h>

#include "../string_shape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace stagegate::mysql {

namespace {

// Connector/C++'s driver object; its first use is not thread-safe, a function-local static is.
sql::mysql::MySQL_Driver& native() {
    static sql::mysql::MySQL_Driver* instance = sql::mysql::get_mysql_driver_instance();
    return *instance;
}

// Connector/C++ wants threadInit/threadEnd around its use in every thread but the first.
void enter_thread() {
    struct ThreadScope {
        ThreadScope() { native().threadInit(); }
        ~ThreadScope() { native().threadEnd(); }
    };
    thread_local ThreadScope scope;
}

int option_seconds(const ParsedCandidate& candidate, std::string_view key, int fallback) {
    auto text = candidate.get(key);
    int value = 0;
    if (!text || std::from_chars(text->data(), text->data() + text->size(), value).ec != std::errc())
        return fallback;
    return value;
}

int ssl_mode_of(std::string_view mode) {
    if (mode == "DISABLED")
        return sql::SSL_MODE_DISABLED;
    if (mode == "PREFERRED")
        return sql::SSL_MODE_PREFERRED;
    if (mode == "REQUIRED")
        return sql::SSL_MODE_REQUIRED;
    if (mode == "VERIFY_CA")
        return sql::SSL_MODE_VERIFY_CA;
    return sql::SSL_MODE_VERIFY_IDENTITY;
}

Result<std::unique_ptr<Session>> open(sql::ConnectOptionsMap& options, AdminLogin owner, const Deadline& deadline) {
    if (deadline.stopped())
        return fail(Category::timeout, "interrupted before connecting");
    enter_thread();
    try {
        std::unique_ptr<sql::Connection> connection(native().connect(options));
        return make_session(std::move(connection), std::move(owner));
    } catch (const sql::SQLException& error) {
        return std::unexpected(classify(error.getErrorCode(), error.getSQLState(), error.what(), Phase::connect));
    } catch (const std::exception& error) {
        return fail(Category::config, fmt::format("Connector/C++ refused the options: {}", error.what()),
                    hint_for(Category::config));
    }
}

class MysqlDriver final : public Driver {
  public:
    std::string_view name() const override { return "mysqlcppconn"; }

    std::string client_version() const override {
        auto& driver = native();
        return fmt::format("{}.{}.{}", driver.getMajorVersion(), driver.getMinorVersion(), driver.getPatchVersion());
    }

    bool has(Capability capability) const override {
        switch (capability) {
        case Capability::keyword_value_strings:
            return false;
        case Capability::uri_strings:
            return true;
        case Capability::multi_host:
            return false;
        case Capability::tls_in_use:
            return true;
        case Capability::server_settings:
            return true;
        case Capability::deadline_connect:
            return false; // blocking connect: timeouts in whole seconds
        case Capability::service_files:
            return false;
        case Capability::string_layout:
            return true;
        }
        return false;
    }

    std::span<const std::string_view> protocols() const override {
        static constexpr std::array<std::string_view, 1> k_protocols{"mysql"};
        return k_protocols;
    }

    FieldKeys field_keys(std::string_view) const override {
        return {"database",
                "ssl-mode",
                "",
                {"host", "port", "socket", "database", "user", "ssl-mode"},
                "connect-timeout",
                "read-timeout",
                "write-timeout",
                "mysqlcppconn"};
    }

    // jdbc:mysql and jdbc:mariadb URLs translate to Connector/C++'s URLs. mysql://word=... is
    // SOCI's form.
    std::optional<std::string_view> recognises(std::string_view text) const override {
        auto shape = detail::shape_of(text);
        if (shape.head.starts_with("jdbc:mysql:") || shape.head.starts_with("jdbc:mariadb:"))
            return "mysql";
        if (!shape.scheme)
            return std::nullopt;
        const std::string& scheme = *shape.scheme;
        if ((scheme == "mysql" && !shape.key_value_body) || scheme == "mariadb" || scheme == "tcp" || scheme == "unix")
            return "mysql";
        return std::nullopt;
    }

    std::optional<StringLayout> layout(std::string_view text) const override { return url_layout(text); }

    Result<ComposedString> compose(const Composition& composition) const override { return compose_url(composition); }

    Result<ParsedCandidate> parse(std::string_view text) const override { return parse_url(text); }

    Result<std::unique_ptr<Session>> connect(const ParsedCandidate& candidate, std::span<const Route> routes,
                                             const Deadline& deadline) const override {
        if (routes.empty())
            return fail(Category::dns, "the string names no host");
        sql::ConnectOptionsMap options;
        options["hostName"] = sql::SQLString(fmt::format("tcp://{}:{}", routes.front().address, routes.front().port));
        if (auto user = candidate.get("user"))
            options["userName"] = sql::SQLString(*user);
        if (auto password = candidate.get("password"))
            options["password"] = sql::SQLString(*password);
        if (auto database = candidate.get("database"))
            options["schema"] = sql::SQLString(*database);
        // Always bounded: the application's own timeouts when shorter than the harness deadline.
        int limit = deadline.whole_seconds_left();
        options["OPT_CONNECT_TIMEOUT"] = std::min(limit, option_seconds(candidate, "connect-timeout", limit));
        options["OPT_READ_TIMEOUT"] = option_seconds(candidate, "read-timeout", k_io_timeout_seconds);
        options["OPT_WRITE_TIMEOUT"] = option_seconds(candidate, "write-timeout", k_io_timeout_seconds);
        if (auto mode = candidate.get("ssl-mode")) {
            options["OPT_SSL_MODE"] = ssl_mode_of(*mode);
            // Built against MariaDB Connector/C, Connector/C++ 1.1 passes OPT_SSL_MODE to an option
            // that library does not have; its own switches say the same thing.
            // PREFERRED asks too: this build falls back to plaintext when the server has no TLS
            // (see below), which is what PREFERRED means.
            if (*mode != "DISABLED")
                options["sslEnforce"] = true;
            if (*mode == "VERIFY_CA" || *mode == "VERIFY_IDENTITY")
                options["sslVerify"] = true;
        }
        // MariaDB Connector/C turns TLS on, and checks the chain, whenever a CA is set: DISABLED
        // must pass no TLS option at all, and PREFERRED (which never verifies, in MySQL's words)
        // no CA.
        std::string ssl_mode = candidate.get("ssl-mode").value_or("");
        for (auto [key, native_key] : k_text_options) {
            bool tls_option = key.starts_with("ssl-") || key == "tls-version";
            if (tls_option && ssl_mode == "DISABLED")
                continue;
            if ((key == "ssl-ca" || key == "ssl-capath") && ssl_mode == "PREFERRED")
                continue;
            if (auto value = candidate.get(key))
                options[sql::SQLString(std::string(native_key))] = sql::SQLString(*value);
        }
        AdminLogin owner{"mysql",
                         routes.front().address,
                         routes.front().port,
                         candidate.get("user").value_or(""),
                         candidate.get("password").value_or(""),
                         ""};
        auto session = open(options, std::move(owner), deadline);
        // Debian's build enforces TLS only together with certificate verification: REQUIRED can
        // end up in plaintext. The application would run unencrypted, so the gate fails closed.
        auto mode = candidate.get("ssl-mode");
        if (session && mode && *mode != "DISABLED" && *mode != "PREFERRED" && !(*session)->tls().in_use)
            return fail(Category::tls,
                        fmt::format("ssl-mode={} asked for TLS, but the session is plaintext: this Connector/C++ "
                                    "build (on MariaDB Connector/C) does not enforce it",
                                    *mode),
                        "the application would run unencrypted: use ssl-mode=VERIFY_IDENTITY with ssl-ca, or make "
                        "the server require secure transport");
        return session;
    }

    Result<std::unique_ptr<Session>> connect_admin(const AdminLogin& login, const Deadline& deadline) const override {
        return connect_admin_session(login, deadline);
    }

  private:
    // A statement on a silent server ends after this, whatever the check's deadline says.
    static constexpr int k_io_timeout_seconds = 30;
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> k_text_options{{
        {"ssl-ca", "sslCA"},
        {"ssl-capath", "sslCAPath"},
        {"ssl-cert", "sslCert"},
        {"ssl-key", "sslKey"},
        {"ssl-cipher", "sslCipher"},
        {"tls-version", "OPT_TLS_VERSION"},
        {"charset", "OPT_CHARSET_NAME"},
    }};
};

const MysqlDriver k_driver;

} // namespace

const Driver& driver() {
    return k_driver;
}

} // namespace stagegate::mysql
