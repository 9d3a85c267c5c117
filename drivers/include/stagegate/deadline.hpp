#pragma once

#include <atomic>
#include <chrono>

namespace stagegate {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// A point in time by which a step must finish, plus the run's interruption flag (set from a
// signal handler). Every blocking step in drivers and harness waits in slices against both.
struct Deadline {
    Clock::time_point at;
    const std::atomic<bool>* interrupted = nullptr;

    // Returns a deadline `budget` from now, sharing `flag` (may be null).
    static Deadline in(Millis budget, const std::atomic<bool>* flag = nullptr) {
        return Deadline{Clock::now() + budget, flag};
    }
    // Returns the earlier of this deadline and `budget` from now, keeping the flag.
    Deadline capped(Millis budget) const {
        auto other = Clock::now() + budget;
        return Deadline{other < at ? other : at, interrupted};
    }
    // Returns true once the point in time has passed.
    bool expired() const { return Clock::now() >= at; }
    // Returns true once the run was interrupted.
    bool stopped() const { return interrupted != nullptr && interrupted->load(); }
    // Returns the time left in whole seconds, rounded up, from 1 to 3600: the unit of clients
    // whose connect timeouts count seconds (Connector/C++, MariaDB's C client, SOCI).
    int whole_seconds_left() const {
        auto left = (remaining().count() + 999) / 1000;
        return static_cast<int>(left < 1 ? 1 : (left > 3600 ? 3600 : left));
    }
    // Returns the time left, never negative.
    Millis remaining() const {
        auto left = std::chrono::duration_cast<Millis>(at - Clock::now());
        return left.count() > 0 ? left : Millis{0};
    }
};

} // namespace stagegate
