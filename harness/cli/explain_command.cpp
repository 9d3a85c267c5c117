#include "cli/commands.hpp"
#include "run/candidate_runner.hpp"
#include "stagegate/driver.hpp"
#include "util/output.hpp"
#include "util/redactor.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace stagegate::cli {

namespace {

struct ExplainArgs {
    std::string driver = "libpq";
    std::string text;
};

int explain(const ExplainArgs& args) {
    const Driver* driver = find_driver(args.driver);
    if (!driver) {
        print_line(stderr,
                   fmt::format("stagegate: error: unknown driver \"{}\"; available: {}", args.driver, driver_names()));
        return k_exit_invalid;
    }
    // The string goes through the candidate pipeline as a scenario's `url` would: a JDBC URL is
    // translated for the driver first, and every secret is registered before anything is said.
    Candidate candidate;
    candidate.driver = args.driver;
    candidate.source.url = args.text;
    auto read = read_candidate(candidate, driver->protocols().front(), process_secrets());
    if (!read) {
        const Failure& failure = read.error().failure;
        print_line(stderr, fmt::format("stagegate: error: {} cannot read this string ({}): {}", driver->name(),
                                       to_string(failure.category), failure.message));
        print_line(stderr, fmt::format("  hint: {}", failure.hint));
        return k_exit_invalid;
    }
    const ParsedCandidate* parsed = &read->parsed;
    auto say = [&](const std::string& line) { print_line(stdout, line); };
    for (const auto& line : read->text.translation)
        say(fmt::format("from JDBC: {}", line));
    say(fmt::format("{} {} reads this {} string as:", driver->name(), driver->client_version(), parsed->form));
    for (const auto& parameter : parsed->parameters) {
        std::string value = parameter.secret ? std::string(Redactor::k_mask) : parameter.value;
        say(fmt::format("  {:<24} {}", parameter.key, value));
    }
    for (std::size_t i = 0; i < parsed->endpoints.size(); ++i) {
        const Endpoint& endpoint = parsed->endpoints[i];
        std::string where =
            endpoint.file ? fmt::format("database file {}", endpoint.host)
            : endpoint.unix_socket
                ? fmt::format("unix socket {}", endpoint.host.empty() ? "(the client's default)" : endpoint.host)
                : fmt::format("{}{} port {}", endpoint.host.empty() ? endpoint.hostaddr : endpoint.host,
                              endpoint.hostaddr.empty() || endpoint.host.empty() ? ""
                                                                                 : " (at " + endpoint.hostaddr + ")",
                              endpoint.port.value_or(parsed->default_port));
        say(fmt::format("  destination {}: {}", i + 1, where));
    }
    for (const auto& warning : parsed->warnings)
        say(fmt::format("warning: {}", warning));
    return k_exit_pass;
}

} // namespace

void add_explain_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<ExplainArgs>();
    auto* command = app.add_subcommand("explain", "Show how a client reads a connection string (secrets masked)");
    command->add_option("--driver", args->driver, "Client that reads the string")->capture_default_str();
    command->add_option("connstring", args->text, "The connection string (URI or keyword/value)")->required();
    command->callback([args, &action] { action = [args] { return explain(*args); }; });
}

} // namespace stagegate::cli
