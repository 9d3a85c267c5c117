#pragma once

#include <atomic>
#include <string>

namespace stagegate {

// Installs SIGINT and SIGTERM handlers that only raise the run's interruption flag (every
// blocking step watches it), and ignores SIGPIPE so a closed pipe is an error, not a death.
// Called first thing in main, so that no signal ever meets the default action: a run interrupted
// while it loads still stops at once, tears down and writes its reports (130/143).
void install_signal_handlers();

// For commands that start nothing and write no report (lint, explain, diff): from now on SIGINT
// and SIGTERM end the process at once with 128 + the signal; one already received ends it now.
void end_process_on_signal();

// Returns the flag the handlers raise.
const std::atomic<bool>* interruption_flag();

// Returns the signal that interrupted the run, or 0.
int received_signal();

// Returns "SIGINT", "SIGTERM", "signal N", or "a signal" for 0: for messages about an interruption.
std::string signal_name(int signal);

} // namespace stagegate
