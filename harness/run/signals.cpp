#include "run/signals.hpp"

#include <csignal>

namespace stagegate {

namespace {
std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the flags are written from a signal handler");

extern "C" void on_signal(int number) {
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
