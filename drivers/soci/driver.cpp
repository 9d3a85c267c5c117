#include "soci_driver.hpp"

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <soci/version.h>

#include "../string_shape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace stagegate::soci_client {

namespace {

const soci::backend_factory* factory_of(std::string_view backend) {
    if (backend == "postgresql")
        return &soci::postgresql;
    if (backend == "mysql")
        return &soci::mysql;
    if (backend == "sqlite3")
        return &soci::sqlite3;
    return nullptr;
}

Result<std::unique_ptr<Session>> open(const std::string& backend, const std::string& text, const Deadline& deadline,
                                      bool script_mode, AdminLogin owner = {}) {
    if (deadline.stopped())
        return fail(Category::timeout, "interrupted before connecting");
    const soci::backend_factory* factory = factory_of(backend);
    if (!factory)
        return fail(Category::config, fmt::format("SOCI backend {} is not built in", backend));
    try {
        auto session = std::make_unique<soci::session>(*factory, text);
        return make_session(std::move(session), backend, script_mode, std::move(owner));
    } catch (const soci::soci_error& error) {
        return std::unexpected(classify(error, backend, Phase::connect));
    } catch (const std::exception& error) {
        return fail(Category::server, fmt::format("SOCI: {}", error.what()));
    }
}

class SociDriver final : public Driver {
  public:
    std::string_view name() const override { return "soci"; }

    std::string client_version() const override {
        return fmt::format("{}.{}.{}", SOCI_VERSION / 100000, SOCI_VERSION / 100 % 1000, SOCI_VERSION % 100);
    }

    bool has(Capability capability) const override {
        switch (capability) {
        case Capability::keyword_value_strings:
            return true;
        case Capability::uri_strings:
            return false; // backend://, then the backend's own keyword string
        case Capability::multi_host:
            return true; // postgresql: libpq reads host lists
        case Capability::tls_in_use:
            return true; // postgresql and mysql through the native handle
        case Capability::server_settings:
            return true;
        case Capability::deadline_connect:
            return false; // blocking connect: timeouts in whole seconds
        case Capability::service_files:
            return false; // its postgresql backend gets no service-file support
        case Capability::string_layout:
            return true;
        }
        return false;
    }

    std::span<const std::string_view> protocols() const override {
        static constexpr std::array<std::string_view, 3> k_protocols{"postgresql", "mysql", "sqlite3"};
        return k_protocols;
    }

    // The postgresql backend hands libpq's keywords to libpq; the mysql backend has no TLS mode
    // key, and spells Connector/C++'s timeouts with underscores.
    FieldKeys field_keys(std::string_view protocol) const override {
        if (protocol == "postgresql")
            return {"dbname",          "sslmode", "prefer", {"host", "hostaddr", "port", "dbname", "user", "sslmode"},
                    "connect_timeout", "",        "",       "libpq"};
        if (protocol == "mysql")
            return {"db",
                    "",
                    "",
                    {"host", "port", "unix_socket", "db", "user", ""},
                    "connect_timeout",
                    "read_timeout",
                    "write_timeout",
                    "soci"};
        return {"db", "", "", {"db", "", "", "", "", ""}, "", "", "", "soci"};
    }

    // backend://word=... for postgresql and mysql (without the word=, the string is libpq's or
    // Connector/C++'s URL), and any sqlite3:// (sqlite:// too: SOCI refuses it with a hint).
    std::optional<std::string_view> recognises(std::string_view text) const override {
        auto shape = detail::shape_of(text);
        if (!shape.scheme)
            return std::nullopt;
        if (*shape.scheme == "sqlite3" || *shape.scheme == "sqlite")
            return "sqlite3";
        if (shape.key_value_body && (*shape.scheme == "postgresql" || *shape.scheme == "mysql"))
            return *shape.scheme == "mysql" ? "mysql" : "postgresql";
        return std::nullopt;
    }

    std::optional<StringLayout> layout(std::string_view text) const override { return soci_layout(text); }

    Result<ComposedString> compose(const Composition& composition) const override {
        return compose_string(composition);
    }

    Result<ParsedCandidate> parse(std::string_view text) const override { return parse_soci(text); }

    Result<std::unique_ptr<Session>> connect(const ParsedCandidate& candidate, std::span<const Route> routes,
                                             const Deadline& deadline) const override {
        if (routes.empty())
            return fail(Category::dns, "the string names no host");
        std::string text = routed_string(candidate, routes, deadline.whole_seconds_left());
        AdminLogin owner{candidate.protocol,
                         routes.front().address,
                         routes.front().port,
                         candidate.get("user").value_or(""),
                         candidate.get("password").value_or(""),
                         ""};
        auto session = open(candidate.protocol, text, deadline, false, std::move(owner));
        // SOCI 4.0's mysql backend asks for TLS only through sslca/sslcert, and the client falls
        // back to plaintext when the server offers none: the application would run unencrypted.
        bool asks_tls = candidate.protocol == "mysql" && (candidate.get("sslca") || candidate.get("sslcert"));
        if (session && asks_tls && !(*session)->tls().in_use)
            return fail(Category::tls,
                        "sslca/sslcert are set, but the session is plaintext: SOCI's mysql backend does not "
                        "enforce TLS",
                        "the application would run unencrypted: make the server require secure transport");
        return session;
    }

    Result<std::unique_ptr<Session>> connect_admin(const AdminLogin& login, const Deadline& deadline) const override {
        if (login.protocol == "sqlite3") {
            ParsedCandidate file;
            file.protocol = "sqlite3";
            Route route{login.address, 0};
            return open("sqlite3", routed_string(file, std::span<const Route>(&route, 1), 0), deadline, true);
        }
        ParsedCandidate admin;
        admin.protocol = login.protocol;
        bool postgres = login.protocol == "postgresql";
        admin.parameters = {{"user", login.user, false}, {"password", login.password, true}};
        if (!login.database.empty())
            admin.parameters.push_back({postgres ? "dbname" : "db", login.database, false});
        if (postgres)
            admin.parameters.push_back({"sslmode", "disable", false});
        Route route{login.address, login.port};
        return open(login.protocol,
                    routed_string(admin, std::span<const Route>(&route, 1), deadline.whole_seconds_left()), deadline,
                    false);
    }
};

const SociDriver k_driver;

} // namespace

const Driver& driver() {
    return k_driver;
}

} // namespace stagegate::soci_client
