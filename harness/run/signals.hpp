#pragma once

#include <atomic>
#include <string>

namespace stagegate {

// Installs SIGINT and SIGTERM handlers that only raise the run's interruption flag (every
// blocking step watches it), and ignores SIGPIPE so a closed pipe is an error, not a death.
void install_signal_handlers();

// Returns the flag the handlers raise.
const std::atomic<bool>* interruption_flag();

// Returns the signal that interrupted the run, or 0.
int received_signal();

// Returns "SIGINT", "SIGTERM", "signal N", or "a signal" for 0: for messages about an interruption.
std::string signal_name(int signal);

} // namespace stagegate
