#include "socket_wait.hpp"

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace stagegate::detail {

WaitResult wait_socket(int fd, short events, const Deadline& deadline) {
    constexpr int k_slice_ms = 20;
    while (true) {
        if (deadline.stopped())
            return WaitResult::interrupted;
        auto left = deadline.remaining().count();
        if (left <= 0)
            return WaitResult::deadline;
        pollfd pfd{fd, events, 0};
        int rc = ::poll(&pfd, 1, static_cast<int>(std::min<long>(left, k_slice_ms)));
        if (rc > 0)
            return WaitResult::ready;
        if (rc < 0 && errno != EINTR)
            return WaitResult::error;
    }
}

} // namespace stagegate::detail
