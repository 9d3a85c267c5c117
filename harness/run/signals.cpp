#include "run/signals.hpp"

#include <csignal>
#include <unistd.h>

namespace stagegate {

namespace {
std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
std::atomic<bool> g_end_at_once{false};

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the flags are written from a signal handler");

extern "C" void on_signal(int number) {
    if (g_end_at_once.load())
        ::_exit(128 + number);
    g_signal.store(number);
    g_interrupted.store(true);
}
} // namespace

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

void end_process_on_signal() {
    g_end_at_once.store(true);
    if (int number = g_signal.load(); number != 0)
        ::_exit(128 + number);
}

const std::atomic<bool>* interruption_flag() {
    return &g_interrupted;
}

int received_signal() {
    return g_signal.load();
}

std::string signal_name(int signal) {
    switch (signal) {
    case 0:
        return "a signal";
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    default:
        return "signal " + std::to_string(signal);
    }
}

} // namespace stagegate
