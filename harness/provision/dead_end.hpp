#pragma once

#include <expected>
#include <string>

#include "stagegate/driver.hpp"

namespace stagegate {

// A loopback listener that never accepts and never answers: what a client meets at a dead or
// blackholed host. A connection completes into the listener's (long) queue and then hears
// nothing, so the client waits until its own timeout, at no cost to anyone. Shutting it down
// resets every waiting client at once (the kernel answers each queued connection with a RST),
// which is how a run that is interrupted or past its --timeout gets blocking clients back.
class DeadEnd {
  public:
    // Opens the listener on 127.0.0.1 at a port the kernel picks.
    static std::expected<DeadEnd, std::string> open();
    DeadEnd(DeadEnd&& other) noexcept;
    DeadEnd& operator=(DeadEnd&& other) noexcept;
    DeadEnd(const DeadEnd&) = delete;
    DeadEnd& operator=(const DeadEnd&) = delete;
    ~DeadEnd();

    // Returns where candidates naming an unreachable host are sent.
    Route route() const { return Route{"127.0.0.1", m_port}; }

    // Stops listening: every client waiting in the queue is reset, and later ones are refused.
    // Safe while other threads use route().
    void shut() const;

  private:
    DeadEnd(int fd, int port) : m_fd(fd), m_port(port) {}
    int m_fd = -1;
    int m_port = 0;
};

} // namespace stagegate
