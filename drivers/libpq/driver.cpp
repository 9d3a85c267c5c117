#include "libpq_driver.hpp"

#include "../string_shape.hpp"
#include "stagegate/secret_fields.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <map>

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

namespace stagegate::libpq {

namespace {

// Where parse() sends libpq to validate values: a unix-socket directory that cannot exist, so
// libpq runs all of its own option checks and then fails at once without any network traffic.
constexpr std::string_view k_nowhere = "/nonexistent/stagegate-parse-check";

// Returns how long libpq's blocking connect gives each host: connect_timeout seconds, at least 2;
// nothing when the string sets none (the application then waits as long as the network does).
std::optional<Millis> per_host_timeout(const ParsedCandidate& candidate) {
    auto text = candidate.get("connect_timeout");
    int seconds = 0;
    if (!text || std::from_chars(text->data(), text->data() + text->size(), seconds).ec != std::errc() || seconds <= 0)
        return std::nullopt;
    return Millis(1000L * std::max(seconds, 2));
}

// The async connect ignores connect_timeout, so the application's own limit is applied here on
// top of the harness's.
Deadline client_deadline(const ParsedCandidate& candidate, const Deadline& deadline) {
    auto per_host = per_host_timeout(candidate);
    if (!per_host)
        return deadline;
    return deadline.capped(*per_host * static_cast<long>(std::max<std::size_t>(1, candidate.endpoints.size())));
}

struct OptionsDeleter {
    void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using OptionsPtr = std::unique_ptr<PQconninfoOption, OptionsDeleter>;

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        auto comma = text.find(',', start);
        parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos)
            return parts;
        start = comma + 1;
    }
}

Failure config_failure(std::string_view text, std::string reason) {
    Failure failure = classify("", reason, Phase::connect);
    failure.category = Category::config;
    failure.message = without_secret_fields(one_line(reason), text);
    failure.hint = hint_for(Category::config);
    return failure;
}

std::vector<Endpoint> endpoints_of(const ParsedCandidate& parsed) {
    auto hosts = split_commas(parsed.get("host").value_or(""));
    auto addrs = split_commas(parsed.get("hostaddr").value_or(""));
    auto ports = split_commas(parsed.get("port").value_or(""));
    std::size_t count = std::max({hosts.size(), addrs.size()});
    std::vector<Endpoint> endpoints;
    for (std::size_t i = 0; i < count; ++i) {
        Endpoint endpoint;
        endpoint.host = i < hosts.size() ? hosts[i] : "";
        endpoint.hostaddr = i < addrs.size() ? addrs[i] : "";
        const std::string& port = ports.size() == 1 ? ports[0] : (i < ports.size() ? ports[i] : "");
        int number = 5432;
        if (!port.empty())
            std::from_chars(port.data(), port.data() + port.size(), number);
        endpoint.port = number;
        endpoint.unix_socket = endpoint.hostaddr.empty() &&
                               (endpoint.host.empty() || endpoint.host.front() == '/' || endpoint.host.front() == '@');
        endpoints.push_back(endpoint);
    }
    return endpoints;
}

// libpq's sslmode; `require` with a root certificate named checks the chain as verify-ca does.
void set_tls_intent(ParsedCandidate& parsed) {
    auto sslmode = parsed.get("sslmode");
    std::string mode = sslmode.value_or("prefer");
    parsed.tls_setting = sslmode ? "sslmode=" + mode : "no sslmode (libpq's default: prefer)";
    if (mode == "disable")
        parsed.tls = TlsIntent::none;
    else if (mode == "allow" || mode == "prefer")
        parsed.tls = TlsIntent::opportunistic;
    else if (mode == "require")
        parsed.tls = parsed.get("sslrootcert") ? TlsIntent::verify_ca : TlsIntent::encrypted;
    else
        parsed.tls = mode == "verify-ca" ? TlsIntent::verify_ca : TlsIntent::verify_full;
}

std::vector<std::string> warnings_of(const ParsedCandidate& parsed) {
    std::vector<std::string> warnings;
    auto sslmode = parsed.get("sslmode");
    if (!sslmode)
        warnings.push_back("sslmode is not set: libpq defaults to `prefer`, which silently falls back to plaintext; "
                           "set sslmode=verify-full (or require)");
    else if (*sslmode == "prefer" || *sslmode == "allow")
        warnings.push_back(
            fmt::format("sslmode={} silently falls back to plaintext; use verify-full (or require)", *sslmode));
    else if (*sslmode == "disable")
        warnings.push_back("sslmode=disable: credentials and data travel in plaintext");
    else if (*sslmode == "require")
        warnings.push_back("sslmode=require encrypts but never checks the server's certificate or name; "
                           "verify-full does");
    if (!parsed.get("connect_timeout"))
        warnings.push_back("connect_timeout is not set: the application waits forever on a server that "
                           "accepts and never answers (stagegate enforces its own deadline)");
    if (parsed.endpoints.size() > 1)
        warnings.push_back(fmt::format("{} hosts: libpq falls back to the next host on failure, which can hide "
                                       "a typo in one of them",
                                       parsed.endpoints.size()));
    if (!parsed.get("password") && !parsed.get("passfile") && !parsed.get("service"))
        warnings.push_back("no password in the string: the application relies on PGPASSWORD or ~/.pgpass, "
                           "which stagegate ignores");
    return warnings;
}

// Starts a non-blocking connection from parallel key and value lists (taken literally:
// no dbname expansion, as libpq reads a parsed string).
ConnPtr start_params(const std::vector<std::string>& keys, const std::vector<std::string>& values) {
    std::vector<const char*> key_ptrs;
    std::vector<const char*> value_ptrs;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        key_ptrs.push_back(keys[i].c_str());
        value_ptrs.push_back(values[i].c_str());
    }
    key_ptrs.push_back(nullptr);
    value_ptrs.push_back(nullptr);
    return ConnPtr(PQconnectStartParams(key_ptrs.data(), value_ptrs.data(), 0));
}

// The options of a connection libpq refuses right after its service lookup and before any
// network traffic: `invalid` gets a value libpq rejects, and `passfile` points nowhere unless
// `read_passfile` (libpq reads the password file before it checks that value).
std::map<std::string, Parameter> looked_up(const std::string* service, std::string_view invalid, bool read_passfile) {
    std::vector<std::string> keys{std::string(invalid)};
    std::vector<std::string> values{"stagegate-invalid"};
    if (!read_passfile) {
        keys.emplace_back("passfile");
        values.emplace_back(k_nowhere);
    }
    if (service) {
        keys.emplace_back("service");
        values.push_back(*service);
    }
    ConnPtr conn = start_params(keys, values);
    std::map<std::string, Parameter> found;
    OptionsPtr options(conn ? PQconninfo(conn.get()) : nullptr);
    for (auto* option = options.get(); option && option->keyword != nullptr; ++option) {
        if (option->val != nullptr)
            found[option->keyword] = {option->keyword, option->val, std::string_view(option->dispchar) == "*"};
    }
    return found;
}

// Returns the options libpq's own service lookup adds for `service` (from the file PGSERVICEFILE
// names, or the system's): those that differ from the same lookup without a service. Reads the
// environment but never changes it, so it is safe on any thread. Each pass hides the option it
// breaks (and the password file's), so three passes see every option once.
std::vector<Parameter> service_options(const std::string& service) {
    struct Pass {
        std::string_view invalid;
        bool read_passfile; // then only `passfile` is taken: a password may come from that file
    };
    constexpr std::array<Pass, 3> k_passes{{{"sslmode", false}, {"gssencmode", false}, {"sslmode", true}}};
    std::vector<Parameter> added;
    for (const auto& pass : k_passes) {
        auto plain = looked_up(nullptr, pass.invalid, pass.read_passfile);
        for (auto& [key, option] : looked_up(&service, pass.invalid, pass.read_passfile)) {
            bool hidden = key == pass.invalid || key == "service" || (key == "passfile") != pass.read_passfile;
            bool seen = std::any_of(added.begin(), added.end(), [&](const Parameter& p) { return p.key == key; });
            auto before = plain.find(key);
            if (!hidden && !seen && (before == plain.end() || before->second.value != option.value))
                added.push_back(std::move(option));
        }
    }
    return added;
}

// Runs libpq's own value checks (sslmode, ports, counts of hosts and ports, ...) by starting a
// connection towards a socket directory that cannot exist. Returns libpq's reason, or nothing.
std::optional<std::string> libpq_rejects(const ParsedCandidate& parsed) {
    std::vector<std::string> keys;
    std::vector<std::string> values;
    std::size_t hosts = std::max(split_commas(parsed.get("host").value_or("")).size(),
                                 split_commas(parsed.get("hostaddr").value_or("")).size());
    std::string nowhere;
    for (std::size_t i = 0; i < hosts; ++i)
        nowhere += (i ? "," : "") + std::string(k_nowhere);
    for (const auto& parameter : parsed.parameters) {
        if (parameter.key == "host" || parameter.key == "hostaddr")
            continue;
        keys.push_back(parameter.key);
        values.push_back(parameter.value);
    }
    keys.push_back("host");
    values.push_back(nowhere);
    ConnPtr conn = start_params(keys, values);
    if (!conn)
        return "libpq could not allocate a connection";
    std::string message = PQerrorMessage(conn.get());
    if (PQstatus(conn.get()) != CONNECTION_BAD || message.find(k_nowhere) != std::string::npos)
        return std::nullopt;
    return message;
}

class LibpqDriver final : public Driver {
  public:
    std::string_view name() const override { return "libpq"; }

    std::string client_version() const override {
        int version = PQlibVersion();
        return fmt::format("{}.{}", version / 10000, version % 10000);
    }

    bool has(Capability capability) const override {
        switch (capability) {
        case Capability::keyword_value_strings:
            return true;
        case Capability::uri_strings:
            return true;
        case Capability::multi_host:
            return true;
        case Capability::tls_in_use:
            return true;
        case Capability::server_settings:
            return true;
        case Capability::deadline_connect:
            return true;
        case Capability::service_files:
            return true;
        case Capability::string_layout:
            return true;
        }
        return false;
    }

    std::span<const std::string_view> protocols() const override {
        static constexpr std::array<std::string_view, 1> k_protocols{"postgresql"};
        return k_protocols;
    }

    FieldKeys field_keys(std::string_view) const override {
        return {"dbname",          "sslmode", "prefer", {"host", "hostaddr", "port", "dbname", "user", "sslmode"},
                "connect_timeout", "",        "",       "libpq"};
    }

    // jdbc:postgresql URLs translate to libpq's strings. A text without a scheme that sets
    // key=value is libpq's keyword/value form, unless it is a JDBC URL of the MySQL clients.
    // postgresql://word=... is SOCI's form (libpq would read `word=...` as a host name).
    std::optional<std::string_view> recognises(std::string_view text) const override {
        auto shape = detail::shape_of(text);
        if (shape.head.starts_with("jdbc:postgresql:"))
            return "postgresql";
        if (!shape.scheme) {
            bool mysql_jdbc = shape.head.starts_with("jdbc:mysql:") || shape.head.starts_with("jdbc:mariadb:");
            return shape.has_equals && !mysql_jdbc ? std::optional<std::string_view>("postgresql") : std::nullopt;
        }
        if (*shape.scheme == "postgres" || (*shape.scheme == "postgresql" && !shape.key_value_body))
            return "postgresql";
        return std::nullopt;
    }

    std::optional<StringLayout> layout(std::string_view text) const override { return string_layout(text); }

    Result<ComposedString> compose(const Composition& composition) const override {
        return compose_keywords(composition);
    }

    Result<ParsedCandidate> parse(std::string_view text) const override {
        std::string input(text);
        char* error = nullptr;
        OptionsPtr options(PQconninfoParse(input.c_str(), &error));
        if (!options) {
            std::string reason = error ? error : "libpq could not parse the string";
            PQfreemem(error);
            return std::unexpected(config_failure(text, reason));
        }
        ParsedCandidate parsed;
        // libpq decides by the prefix, as here.
        parsed.form = input.starts_with("postgresql://") || input.starts_with("postgres://") ? "uri" : "keyword/value";
        parsed.protocol = "postgresql";
        parsed.default_port = 5432;
        for (auto* option = options.get(); option->keyword != nullptr; ++option) {
            if (option->val == nullptr)
                continue;
            bool secret = std::string_view(option->dispchar) == "*";
            parsed.parameters.push_back({option->keyword, option->val, secret});
            if (secret && *option->val)
                parsed.secrets.push_back(option->val);
        }
        if (auto reason = libpq_rejects(parsed))
            return std::unexpected(config_failure(text, *reason));
        // service=NAME: what the service file adds counts as the string's own (the string wins).
        if (auto service = parsed.get("service")) {
            for (auto& option : service_options(*service)) {
                if (parsed.get(option.key))
                    continue;
                if (option.secret && !option.value.empty())
                    parsed.secrets.push_back(option.value);
                parsed.parameters.push_back(std::move(option));
            }
        }
        parsed.endpoints = endpoints_of(parsed);
        parsed.warnings = warnings_of(parsed);
        set_tls_intent(parsed);
        return parsed;
    }

    Result<std::unique_ptr<Session>> connect(const ParsedCandidate& candidate, std::span<const Route> routes,
                                             const Deadline& deadline) const override {
        std::vector<std::string> keys;
        std::vector<std::string> values;
        for (const auto& parameter : candidate.parameters) {
            if (parameter.key == "hostaddr" || parameter.key == "port")
                continue;
            keys.push_back(parameter.key);
            values.push_back(parameter.value);
        }
        // host stays as the candidate wrote it, so TLS verify-full still checks that name.
        std::string addrs;
        std::string ports;
        for (const auto& route : routes) {
            addrs += (addrs.empty() ? "" : ",") + route.address;
            ports += (ports.empty() ? "" : ",") + std::to_string(route.port);
        }
        keys.insert(keys.end(), {"hostaddr", "port", "fallback_application_name"});
        values.insert(values.end(), {addrs, ports, "stagegate"});
        std::string target = candidate.endpoints.empty() ? std::string("the server") : candidate.endpoints.front().host;
        auto per_host = per_host_timeout(candidate);
        if (!per_host || routes.size() < 2 || routes.size() != candidate.endpoints.size())
            return start(keys, values, client_deadline(candidate, deadline), target);
        return fail_over(keys, values, candidate, routes, *per_host, deadline);
    }

    Result<std::unique_ptr<Session>> connect_admin(const AdminLogin& login, const Deadline& deadline) const override {
        std::vector<std::string> keys{
            "hostaddr", "port", "user", "password", "dbname", "sslmode", "fallback_application_name"};
        std::vector<std::string> values{
            login.address, std::to_string(login.port), login.user, login.password, login.database,
            "disable",     "stagegate-admin"};
        return start(keys, values, deadline, login.address);
    }

  private:
    // libpq's blocking connect, which applications use, gives up on a host after connect_timeout
    // and tries the next; the async connect never does. So with several hosts and a timeout,
    // each host is tried on its own, in order, within its share of time, as libpq would.
    static Result<std::unique_ptr<Session>> fail_over(std::vector<std::string> keys, std::vector<std::string> values,
                                                      const ParsedCandidate& candidate, std::span<const Route> routes,
                                                      Millis per_host, const Deadline& deadline) {
        auto slot = [&](std::string_view key) {
            auto at = std::find(keys.begin(), keys.end(), key);
            if (at == keys.end()) {
                keys.emplace_back(key);
                values.emplace_back();
                return values.size() - 1;
            }
            return static_cast<std::size_t>(at - keys.begin());
        };
        std::size_t host = slot("host");
        std::size_t hostaddr = slot("hostaddr");
        std::size_t port = slot("port");
        std::vector<std::string> hosts = split_commas(values[host]);
        std::string earlier;
        Result<std::unique_ptr<Session>> last = std::unexpected(Failure{});
        for (std::size_t i = 0; i < routes.size(); ++i) {
            const std::string& name = candidate.endpoints[i].host;
            values[host] = i < hosts.size() ? hosts[i] : name;
            values[hostaddr] = routes[i].address;
            values[port] = std::to_string(routes[i].port);
            last = start(keys, values, deadline.capped(per_host), name.empty() ? routes[i].address : name);
            if (last || deadline.expired() || deadline.stopped())
                break;
            earlier += fmt::format("{}{}: {}", earlier.empty() ? "" : "; ", name, last.error().message);
        }
        if (!last && routes.size() > 1 && !earlier.empty() && earlier != last.error().message)
            last.error().message = fmt::format("no host answered as asked ({})", earlier);
        return last;
    }

    static Result<std::unique_ptr<Session>> start(const std::vector<std::string>& keys,
                                                  const std::vector<std::string>& values, const Deadline& deadline,
                                                  std::string_view target) {
        ConnPtr conn = start_params(keys, values);
        auto done = finish_connect(std::move(conn), deadline, target);
        if (!done)
            return std::unexpected(done.error());
        return make_session(std::move(*done));
    }
};

const LibpqDriver k_driver;

} // namespace

const Driver& driver() {
    return k_driver;
}

} // namespace stagegate::libpq
