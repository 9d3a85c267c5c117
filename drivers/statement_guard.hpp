#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "stagegate/deadline.hpp"
#include "stagegate/failure.hpp"

namespace stagegate::detail {

// For clients whose statements block (Connector/C++, SOCI): while a statement runs, a helper
// thread watches its deadline and the run's interruption flag and, when either fires, calls
// `cancel` once (a KILL QUERY or PQcancel from outside the blocked thread). Destroying the guard
// ends the watch; `cancelled()` tells whether the statement was cut short.
class StatementGuard {
  public:
    StatementGuard(const Deadline& deadline, std::function<void()> cancel)
        : m_deadline(deadline), m_cancel(std::move(cancel)), m_thread([this] { watch(); }) {}

    ~StatementGuard() {
        {
            std::lock_guard lock(m_mutex);
            m_done = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }

    StatementGuard(const StatementGuard&) = delete;
    StatementGuard& operator=(const StatementGuard&) = delete;

    bool cancelled() const {
        std::lock_guard lock(m_mutex);
        return m_cancelled;
    }

  private:
    void watch() {
        std::unique_lock lock(m_mutex);
        // 20 ms slices: an interruption (SIGINT) is noticed promptly.
        while (!m_done && !m_deadline.expired() && !m_deadline.stopped())
            m_wake.wait_for(lock, Millis(20));
        if (m_done)
            return;
        m_cancelled = true;
        lock.unlock();
        m_cancel();
    }

    Deadline m_deadline;
    std::function<void()> m_cancel;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_done = false;
    bool m_cancelled = false;
    std::thread m_thread; // last: starts after everything it reads
};

// Returns the failure of a statement that a StatementGuard cut short (deadline or interruption).
inline Failure statement_cut_short(const Deadline& deadline) {
    return Failure{Category::timeout,
                   deadline.stopped() ? "interrupted while the statement ran"
                                      : "the statement did not finish before the deadline and was cancelled",
                   "raise the check's timeout_ms or make the statement cheaper",
                   {},
                   0};
}

} // namespace stagegate::detail
