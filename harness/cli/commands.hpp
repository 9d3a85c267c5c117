#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace stagegate::cli {

// The body of the subcommand the user chose; returns the process exit code.
using Action = std::function<int()>;

// Each adds its subcommand to `app` and, when the user picks it, sets `action`.
void add_run_command(CLI::App& app, Action& action);
void add_lint_command(CLI::App& app, Action& action);
void add_explain_command(CLI::App& app, Action& action);
void add_diff_command(CLI::App& app, Action& action);
void add_drill_command(CLI::App& app, Action& action);

// Runs `action` and returns its exit code. The last line of defence: an exception that escaped
// it (a library's, or a bug) ends the command with one line on stderr and exit 3, never an abort.
int run_action(const Action& action);

// Exit codes shared by the commands (docs/exit-codes.md).
inline constexpr int k_exit_pass = 0;
inline constexpr int k_exit_fail = 1;
inline constexpr int k_exit_invalid = 2;
inline constexpr int k_exit_infrastructure = 3;

} // namespace stagegate::cli
