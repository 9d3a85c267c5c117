// Composes the subcommands; each lives in its own file.
#include "cli/commands.hpp"
#include "run/signals.hpp"
#include "stagegate/driver.hpp"
#include "stagegate/version.hpp"
#include "util/environment.hpp"
#include "util/output.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string>
#include <vector>

namespace {

std::string version_text() {
    std::string clients;
    for (const stagegate::Driver* driver : stagegate::all_drivers())
        clients += fmt::format("{}{} {}", clients.empty() ? "" : ", ", driver->name(), driver->client_version());
    return fmt::format("stagegate {} ({})", stagegate::k_version, clients);
}

} // namespace

int main(int argc, char** argv) {
    stagegate::install_signal_handlers(); // before anything else: no signal may meet the default action
    stagegate::isolate_client_environment();
    CLI::App app{"stagegate: proves a database configuration change works before it reaches production"};
    app.set_version_flag("--version", version_text());
    app.require_subcommand(1);
    stagegate::cli::Action action;
    stagegate::cli::add_run_command(app, action);
    stagegate::cli::add_lint_command(app, action);
    stagegate::cli::add_explain_command(app, action);
    stagegate::cli::add_diff_command(app, action);
    stagegate::cli::add_drill_command(app, action);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        stagegate::print_line(
            stderr, fmt::format("stagegate: error: {}; see `stagegate --help`", what.empty() ? e.get_name() : what));
        return stagegate::cli::k_exit_invalid;
    }
    // Only run and drill watch the interruption flag (they stop, tear down and report); the
    // other commands have nothing to stop or report, so a signal ends them at once.
    if (!app.got_subcommand("run") && !app.got_subcommand("drill"))
        stagegate::end_process_on_signal();
    return action ? stagegate::cli::run_action(action) : stagegate::cli::k_exit_invalid;
}
