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
    // The smallest queue: one connection waits in it, the next ones get no answer to their SYN.
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 0) != 0 ||
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

DeadEnd::~DeadEnd() {
    if (m_fd >= 0)
        ::close(m_fd);
}

} // namespace stagegate
