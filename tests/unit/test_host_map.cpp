#include <doctest/doctest.h>

#include "run/host_map.hpp"

#include <optional>

using namespace stagegate;

namespace {

const Route k_server{"127.0.0.1", 54321};

// Returns a candidate naming `endpoints`, with libpq's default port.
ParsedCandidate candidate(std::vector<Endpoint> endpoints) {
    ParsedCandidate parsed;
    parsed.form = "keyword/value";
    parsed.protocol = "postgresql";
    parsed.default_port = 5432;
    parsed.endpoints = std::move(endpoints);
    return parsed;
}

Endpoint tcp(std::string host, std::optional<int> port = std::nullopt) {
    return Endpoint{std::move(host), "", port, false};
}

std::vector<HostName> hosts(std::vector<std::pair<std::string, int>> names) {
    std::vector<HostName> out;
    for (auto& [host, port] : names)
        out.push_back(HostName{host, port, {}});
    return out;
}

// Maps `parsed` and returns the failure it must end in.
Failure failure_of(const ParsedCandidate& parsed, const std::vector<HostName>& answers_as) {
    auto routes = map_hosts(parsed, answers_as, k_server);
    REQUIRE_FALSE(routes.has_value());
    return routes.error();
}

bool same(const Route& a, const Route& b) {
    return a.address == b.address && a.port == b.port;
}

} // namespace

TEST_SUITE("host_map") {
    TEST_CASE("a name the scenario declares unreachable goes to the dead end, on its port only") {
        const Route dead_end{"127.0.0.1", 40999};
        auto answers = hosts({{"db-replica", 5432}});
        auto unreachable = hosts({{"db-primary", 5432}});
        DeadEnds dead{unreachable, dead_end};
        auto routes = map_hosts(candidate({tcp("DB-Primary", 5432), tcp("db-replica")}), answers, k_server, dead);
        REQUIRE(routes.has_value());
        REQUIRE(routes->size() == 2);
        CHECK(same((*routes)[0], dead_end)); // names compare without case, as DNS does
        CHECK(same((*routes)[1], k_server));
        // The dead name on another port is an unknown destination, as ever.
        auto other_port = map_hosts(candidate({tcp("db-primary", 6432)}), answers, k_server, dead);
        REQUIRE_FALSE(other_port.has_value());
        CHECK(other_port.error().category == Category::dns);
        // A typo of a dead name is suggested like any other.
        auto typo = map_hosts(candidate({tcp("db-primry", 5432)}), answers, k_server, dead);
        REQUIRE_FALSE(typo.has_value());
        CHECK(typo.error().message == "host db-primry is unknown; did you mean db-primary?");
        // Without dead ends the name is unknown.
        CHECK(failure_of(candidate({tcp("db-primary", 5432)}), answers).category == Category::dns);
    }

    TEST_CASE("a known host and port is routed to the server") {
        auto routes =
            map_hosts(candidate({tcp("db-primary.internal", 5432)}), hosts({{"db-primary.internal", 5432}}), k_server);
        REQUIRE(routes.has_value());
        REQUIRE(routes->size() == 1);
        CHECK(same((*routes)[0], k_server));
    }

    TEST_CASE("an endpoint without a port uses the client's default port") {
        auto answers = hosts({{"db", 5432}});
        CHECK(map_hosts(candidate({tcp("db")}), answers, k_server).has_value());
        auto other_default = candidate({tcp("db")});
        other_default.default_port = 3306;
        auto failure = failure_of(other_default, answers);
        CHECK(failure.category == Category::refused);
        CHECK(failure.message == "db:3306 refuses connections; db answers on port 5432");
    }

    TEST_CASE("host names match case-insensitively") {
        auto routes =
            map_hosts(candidate({tcp("DB-Primary.Internal", 5432)}), hosts({{"db-primary.internal", 5432}}), k_server);
        CHECK(routes.has_value());
    }

    TEST_CASE("an unknown host fails as dns with a suggestion") {
        auto failure = failure_of(candidate({tcp("db-prmary.staging.internal", 5432)}),
                                  hosts({{"db-primary.staging.internal", 5432}, {"cache.internal", 6379}}));
        CHECK(failure.category == Category::dns);
        CHECK(failure.message == "host db-prmary.staging.internal is unknown; did you mean "
                                 "db-primary.staging.internal?");
        CHECK(failure.hint == "fix the host name in the connection string");
    }

    TEST_CASE("an unknown host without a close match lists the known ones") {
        auto failure = failure_of(candidate({tcp("elsewhere.example.com")}), hosts({{"db", 5432}, {"db", 6432}}));
        CHECK(failure.category == Category::dns);
        CHECK(failure.message == "host elsewhere.example.com is unknown");
        CHECK(failure.hint == "the scenario answers as db:5432, db:6432");
    }

    TEST_CASE("a known host on another port fails as refused naming the right port") {
        auto failure = failure_of(candidate({tcp("db", 5433)}), hosts({{"db", 5432}}));
        CHECK(failure.category == Category::refused);
        CHECK(failure.message == "db:5433 refuses connections; db answers on port 5432");
        CHECK(failure.hint == "fix the port in the connection string");
    }

    TEST_CASE("a host may answer on several ports") {
        auto answers = hosts({{"db", 5432}, {"db", 6432}, {"replica", 5432}});
        CHECK(map_hosts(candidate({tcp("db", 6432)}), answers, k_server).has_value());
        CHECK(map_hosts(candidate({tcp("db", 5432)}), answers, k_server).has_value());
        auto failure = failure_of(candidate({tcp("db", 7000)}), answers);
        CHECK(failure.category == Category::refused);
        CHECK(failure.message == "db:7000 refuses connections; db answers on port 5432 or 6432");
    }

    TEST_CASE("a hostaddr given by the candidate is the destination") {
        auto answers = hosts({{"10.1.2.3", 5432}});
        Endpoint by_address{"db.internal", "10.1.2.3", 5432, false};
        CHECK(map_hosts(candidate({by_address}), answers, k_server).has_value());
        Endpoint elsewhere{"10.1.2.3", "10.9.9.9", 5432, false};
        auto failure = failure_of(candidate({elsewhere}), answers);
        CHECK(failure.category == Category::dns);
        CHECK(failure.message.starts_with("host 10.9.9.9 is unknown"));
    }

    TEST_CASE("a unix socket fails as dns") {
        auto failure = failure_of(candidate({Endpoint{"/var/run/postgresql", "", 5432, true}}), hosts({{"db", 5432}}));
        CHECK(failure.category == Category::dns);
        CHECK(failure.message == "host /var/run/postgresql is a local socket directory");
        CHECK(failure.hint == "the scenario answers over TCP as db:5432");
    }

    TEST_CASE("a string without a host fails as dns") {
        auto socket = failure_of(candidate({Endpoint{"", "", 5432, true}}), hosts({{"db", 5432}}));
        CHECK(socket.category == Category::dns);
        CHECK(socket.message == "the string names no host, so the client uses its local socket");
        auto nothing = failure_of(candidate({}), hosts({{"db", 5432}}));
        CHECK(nothing.category == Category::dns);
        CHECK(nothing.message == "the string names no host");
        CHECK(nothing.hint == "name one of: db:5432");
    }

    TEST_CASE("every endpoint of a multi-host candidate is routed") {
        auto routes =
            map_hosts(candidate({tcp("db1", 5432), tcp("db2", 5433)}), hosts({{"db1", 5432}, {"db2", 5433}}), k_server);
        REQUIRE(routes.has_value());
        REQUIRE(routes->size() == 2);
        CHECK(same((*routes)[0], k_server));
        CHECK(same((*routes)[1], k_server));
    }

    TEST_CASE("one unknown host among several fails as dns and mentions the fallback") {
        auto failure = failure_of(candidate({tcp("db-primary", 5432), tcp("db-replcia", 5432)}),
                                  hosts({{"db-primary", 5432}, {"db-replica", 5432}}));
        CHECK(failure.category == Category::dns);
        CHECK(failure.message == "host db-replcia is unknown (host 2 of 2: the client would silently fall back to the "
                                 "next one, hiding this); did you mean db-replica?");
    }

    TEST_CASE("a wrong port among several hosts mentions the fallback") {
        auto failure =
            failure_of(candidate({tcp("db1", 5433), tcp("db2", 5432)}), hosts({{"db1", 5432}, {"db2", 5432}}));
        CHECK(failure.category == Category::refused);
        CHECK(failure.message == "db1:5433 refuses connections (host 1 of 2: the client would silently fall back to "
                                 "the next one, hiding this); db1 answers on port 5432");
    }
}
