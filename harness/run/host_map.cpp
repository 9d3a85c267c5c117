#include "run/host_map.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace stagegate {

namespace {

bool same_host(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string position(std::size_t index, std::size_t count) {
    if (count < 2)
        return {};
    return fmt::format(" (host {} of {}: the client would silently fall back to the next one, hiding this)", index + 1,
                       count);
}

std::vector<std::string> known_names(std::span<const HostName> answers_as) {
    std::vector<std::string> names;
    for (const auto& name : answers_as) {
        if (std::find(names.begin(), names.end(), name.host) == names.end())
            names.push_back(name.host);
    }
    return names;
}

std::string listing(std::span<const HostName> answers_as) {
    std::vector<std::string> items;
    for (const auto& name : answers_as)
        items.push_back(name.port == 0 ? name.host : fmt::format("{}:{}", name.host, name.port));
    return join(items, ", ");
}

// SQLite: the candidate names a database file; the throwaway file answers for the scenario's paths.
Result<Route> map_file(const std::string& path, std::span<const HostName> answers_as, const Route& server) {
    for (const auto& name : answers_as) {
        if (name.host == path)
            return server;
    }
    if (path == ":memory:" || path.empty())
        return fail(Category::no_database, "the string opens a fresh in-memory database, not the application's file",
                    "name the database file: " + listing(answers_as));
    std::string suggestion = did_you_mean(path, known_names(answers_as));
    return fail(Category::no_database,
                fmt::format("database file {} is not the application's{}; SQLite would silently create an empty "
                            "database there",
                            path, suggestion.empty() ? "" : "; " + suggestion),
                "the scenario's database file is " + listing(answers_as));
}

} // namespace

Result<std::vector<Route>> map_hosts(const ParsedCandidate& candidate, std::span<const HostName> answers_as,
                                     const Route& server, const DeadEnds& dead) {
    std::vector<Route> routes;
    const auto count = candidate.endpoints.size();
    if (count == 0)
        return fail(Category::dns, "the string names no host", "name one of: " + listing(answers_as));
    for (std::size_t i = 0; i < count; ++i) {
        const Endpoint& endpoint = candidate.endpoints[i];
        const std::string& destination = endpoint.hostaddr.empty() ? endpoint.host : endpoint.hostaddr;
        if (endpoint.file) {
            auto file = map_file(endpoint.host, answers_as, server);
            if (!file)
                return std::unexpected(file.error());
            routes.push_back(*file);
            continue;
        }
        if (endpoint.unix_socket) {
            std::string what =
                endpoint.host.empty() ? std::string("the string names no host, so the client uses its local socket")
                : endpoint.host == "localhost"
                    ? std::string("host localhost means the local socket to MySQL clients, not TCP")
                : candidate.protocol == "postgresql" ? fmt::format("host {} is a local socket directory", endpoint.host)
                                                     : fmt::format("{} is a local socket", endpoint.host);
            return fail(Category::dns, what + position(i, count),
                        "the scenario answers over TCP as " + listing(answers_as));
        }
        int port = endpoint.port.value_or(candidate.default_port);
        if (std::any_of(dead.names.begin(), dead.names.end(),
                        [&](const HostName& name) { return same_host(name.host, destination) && name.port == port; })) {
            routes.push_back(dead.route);
            continue;
        }
        std::vector<int> ports;
        for (const auto& name : answers_as) {
            if (same_host(name.host, destination))
                ports.push_back(name.port);
        }
        if (ports.empty()) {
            auto names = known_names(answers_as);
            for (const auto& name : known_names(dead.names)) // a typo of a dead name is a typo too
                if (std::find(names.begin(), names.end(), name) == names.end())
                    names.push_back(name);
            std::string suggestion = did_you_mean(destination, names);
            std::string message = fmt::format("host {} is unknown{}", destination, position(i, count));
            if (!suggestion.empty())
                message += "; " + suggestion;
            Failure failure{Category::dns,
                            message,
                            suggestion.empty() ? "the scenario answers as " + listing(answers_as)
                                               : "fix the host name in the connection string",
                            {},
                            0};
            return std::unexpected(failure);
        }
        if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
            std::vector<std::string> right;
            for (int p : ports)
                right.push_back(std::to_string(p));
            return fail(Category::refused,
                        fmt::format("{}:{} refuses connections{}; {} answers on port {}", destination, port,
                                    position(i, count), destination, join(right, " or ")),
                        "fix the port in the connection string");
        }
        routes.push_back(server);
    }
    return routes;
}

Result<std::vector<Route>> route_candidate(const ParsedCandidate& candidate, Engine engine,
                                           std::span<const HostName> answers_as, const Route& server,
                                           const DeadEnds& dead) {
    if (candidate.protocol != protocol_of(engine))
        return fail(Category::config,
                    fmt::format("the string speaks {}, but the scenario's database is {}", candidate.protocol,
                                to_string(engine)),
                    fmt::format("a {} database is reached with {}://...", to_string(engine), protocol_of(engine)));
    return map_hosts(candidate, answers_as, server, dead);
}

} // namespace stagegate
