#include "cli/commands.hpp"
#include "stagegate/driver.hpp"
#include "util/redactor.hpp"

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
        fmt::print(stderr, "stagegate: error: unknown driver \"{}\"; available: {}\n", args.driver, driver_names());
        return k_exit_invalid;
    }
    auto parsed = driver->parse(args.text);
    if (!parsed) {
        fmt::print(stderr, "stagegate: error: {} cannot read this string ({}): {}\n  hint: {}\n", driver->name(),
                   to_string(parsed.error().category), parsed.error().message, parsed.error().hint);
        return k_exit_invalid;
    }
    Redactor redactor;
    for (const auto& secret : parsed->secrets)
        redactor.add(secret);
    fmt::print("{} {} reads this {} string as:\n", driver->name(), driver->client_version(), parsed->form);
    for (const auto& parameter : parsed->parameters) {
        std::string value = parameter.secret ? std::string(Redactor::k_mask) : redactor.apply(parameter.value);
        fmt::print("  {:<24} {}\n", parameter.key, value);
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
        fmt::print("  destination {}: {}\n", i + 1, redactor.apply(where));
    }
    for (const auto& warning : parsed->warnings)
        fmt::print("warning: {}\n", redactor.apply(warning));
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
