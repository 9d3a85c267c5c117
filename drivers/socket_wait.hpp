#pragma once

#include "stagegate/deadline.hpp"

namespace stagegate::detail {

enum class WaitResult { ready, deadline, interrupted, error };

// Waits until `fd` is ready for `events` (poll(2) flags), the deadline passes, or the run is
// interrupted. Sleeps in short slices so an interruption is noticed within ~20 ms.
WaitResult wait_socket(int fd, short events, const Deadline& deadline);

} // namespace stagegate::detail
