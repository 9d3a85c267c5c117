#include "cli/commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <string>

namespace stagegate::cli {

int run_action(const Action& action) {
    try {
        return action();
    } catch (const std::exception& e) {
        std::string what = e.what();
        std::replace_if(
            what.begin(), what.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
        fmt::print(stderr,
                   "stagegate: error: stopped by an unexpected error: {}; please report it with the command "
                   "that caused it\n",
                   what);
    } catch (...) {
        fmt::print(stderr, "stagegate: error: stopped by an unexpected error; please report it with the command that "
                           "caused it\n");
    }
    return k_exit_infrastructure;
}

} // namespace stagegate::cli
