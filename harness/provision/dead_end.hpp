#pragma once

#include <expected>
#include <string>

#include "stagegate/driver.hpp"

namespace stagegate {

// A loopback listener that never accepts and never answers: what a client meets at a dead or
// blackholed host. A connection either completes into the listener's queue and then hears
// nothing, or (the queue full) gets no answer to its SYN at all; either way the client waits
// until its own timeout, at no cost to anyone. Closed (and every waiting client reset) on
// destruction.
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

  private:
    DeadEnd(int fd, int port) : m_fd(fd), m_port(port) {}
    int m_fd = -1;
    int m_port = 0;
};

} // namespace stagegate
