#include "provision/dead_end.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace stagegate {

std::expected<DeadEnd, std::string> DeadEnd::open() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return std::unexpected(fmt::format("cannot open a socket: {}", std::strerror(errno)));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    // A long queue: every client's handshake completes into it (none is left resending its SYN
    // on a back-off timer), so shut() reaches all of them at once.
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, SOMAXCONN) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        std::string why = std::strerror(errno);
        ::close(fd);
        return std::unexpected("cannot open the listener for unreachable hosts: " + why);
    }
    return DeadEnd(fd, ntohs(address.sin_port));
}

DeadEnd::DeadEnd(DeadEnd&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_port(std::exchange(other.m_port, 0)) {}

DeadEnd& DeadEnd::operator=(DeadEnd&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = std::exchange(other.m_fd, -1);
        m_port = std::exchange(other.m_port, 0);
    }
    return *this;
}

void DeadEnd::shut() const {
    // shutdown(2) on a listener ends the listening (resetting what is queued) but keeps the
    // descriptor, so no other thread can meet a reused one.
    if (m_fd >= 0)
        ::shutdown(m_fd, SHUT_RDWR);
}

DeadEnd::~DeadEnd() {
    if (m_fd >= 0)
        ::close(m_fd);
}

} // namespace stagegate
