#pragma once

#include <span>
#include <vector>

#include "scenario/scenario.hpp"
#include "stagegate/driver.hpp"

namespace stagegate {

// Names the scenario declares dead (database.unreachable), and where the harness sends them: a
// listener that accepts and never answers.
struct DeadEnds {
    std::span<const HostName> names;
    Route route;
};

// Sends each endpoint a candidate names to the throwaway server when the scenario answers as
// that host and port, and refuses every other destination without touching the network:
// an unknown host fails as `dns` with "did you mean" suggestions, a known host on another
// port fails as `refused` naming the right port. A name in `dead` goes to its dead end, where
// the client waits as it would for a dead host (and, naming several hosts, moves on after its
// own timeout). Returns one Route per endpoint.
Result<std::vector<Route>> map_hosts(const ParsedCandidate& candidate, std::span<const HostName> answers_as,
                                     const Route& server, const DeadEnds& dead = {});

// Routes a candidate to the scenario's database of `engine`, which answers as `answers_as` (a
// maintenance step may have moved it): fails as `config` when the string speaks another protocol
// than the engine (a SOCI mysql:// string against PostgreSQL), then maps its hosts as map_hosts does.
Result<std::vector<Route>> route_candidate(const ParsedCandidate& candidate, Engine engine,
                                           std::span<const HostName> answers_as, const Route& server,
                                           const DeadEnds& dead = {});

} // namespace stagegate
