#include "cli/commands.hpp"
#include "run/candidate_runner.hpp"
#include "scenario/config_diff.hpp"
#include "scenario/config_file.hpp"
#include "scenario/jdbc.hpp"
#include "util/output.hpp"
#include "util/redactor.hpp"
#include "util/text.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

namespace stagegate::cli {

namespace {

namespace fs = std::filesystem;

using Parts = std::vector<std::pair<std::string, std::string>>;

const std::vector<std::string> k_parts{"url", "host", "port", "user", "password", "database"};
// The loaders that read a key (pg_service goes with --service instead).
std::string key_formats() {
    std::vector<std::string> names;
    for (const auto& loader : config_loaders()) {
        if (loader.read)
            names.emplace_back(loader.name);
    }
    return join(names, ", ");
}
constexpr std::size_t k_max_pipe_bytes = 4 * 1024 * 1024;

struct DiffArgs {
    std::string driver; // empty: guessed from the strings
    bool json = false;
    std::string key;
    std::string keys;
    std::string service;
    std::string format;
    std::string old_config;
    std::string new_config;
};

// The flags, checked: how config files are read.
struct Reading {
    std::string driver;
    std::string key;
    Parts parts;
    std::string service;
    const ConfigLoader* format = nullptr; // --format, when given
};

// A config file that arrived through a pipe (`<(git show main:app.env)`), copied once into an
// anonymous memory file: config_file reads regular files only, and a pipe can be read only once.
// Nothing is written to disk; /proc/self/fd/N names the copy.
class MemoryFile {
  public:
    explicit MemoryFile(int fd) : m_fd(fd) {}
    MemoryFile(MemoryFile&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    MemoryFile& operator=(MemoryFile&&) = delete;
    ~MemoryFile() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    fs::path path() const { return fmt::format("/proc/self/fd/{}", m_fd); }

  private:
    int m_fd;
};

// One side of the comparison: a connection string, or a config file and how to read it.
struct Side {
    std::string label;    // "OLD" or "NEW"
    std::string argument; // as given on the command line
    Candidate candidate;  // source.url for a string; source.file, format, key/parts/service for a file
    std::optional<MemoryFile> copy;
};

std::string error_line(std::string_view message) {
    return fmt::format("stagegate: error: {}", message);
}

std::vector<std::string> split_commas(std::string_view text) {
    std::vector<std::string> items;
    for (std::size_t start = 0;;) {
        auto comma = text.find(',', start);
        items.emplace_back(
            text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos)
            return items;
        start = comma + 1;
    }
}

std::expected<Parts, std::string> parse_keys(std::string_view text) {
    std::map<std::string, std::string> given;
    for (const auto& item : split_commas(text)) {
        auto equals = item.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == item.size())
            return std::unexpected(fmt::format("--keys: expected part=KEY pairs separated by commas, got \"{}\"; e.g. "
                                               "host=DB_HOST,port=DB_PORT,user=DB_USER,password=DB_PASSWORD,"
                                               "database=DB_NAME",
                                               item));
        std::string part = item.substr(0, equals);
        if (std::find(k_parts.begin(), k_parts.end(), part) == k_parts.end()) {
            std::string hint = did_you_mean(part, k_parts);
            return std::unexpected(fmt::format("--keys: unknown part \"{}\"{}; parts: {}", part,
                                               hint.empty() ? "" : " (" + hint + ")", join(k_parts, ", ")));
        }
        if (!given.emplace(part, item.substr(equals + 1)).second)
            return std::unexpected(fmt::format("--keys: part {} is given twice", part));
    }
    if (given.contains("url") && (given.contains("host") || given.contains("port") || given.contains("database")))
        return std::unexpected("--keys: with url, only user and password may come from other keys");
    if (!given.contains("url") && !given.contains("host"))
        return std::unexpected("--keys: name the key of the url, or at least of the host");
    Parts parts;
    for (const auto& part : k_parts) {
        if (given.contains(part))
            parts.emplace_back(part, given[part]);
    }
    return parts;
}

std::expected<Reading, std::string> check_flags(const DiffArgs& args) {
    Reading reading{args.driver, args.key, {}, args.service, nullptr};
    if (!args.driver.empty() && !find_driver(args.driver))
        return std::unexpected(
            fmt::format("--driver: unknown driver \"{}\"; available: {}", args.driver, driver_names()));
    if (!args.service.empty() && !args.driver.empty() && !find_driver(args.driver)->has(Capability::service_files))
        return std::unexpected(fmt::format("--service: PostgreSQL service files are read by {0}: use --driver {0}",
                                           driver_names_with(Capability::service_files, " or ")));
    if (!args.service.empty() && !args.format.empty())
        return std::unexpected("--format: a service file has one format: leave --format out with --service");
    if (!args.format.empty()) {
        reading.format = find_config_loader(args.format);
        if (!reading.format || !reading.format->read)
            return std::unexpected(
                fmt::format("--format: unknown format \"{}\"; choose one of: {}", args.format, key_formats()));
    }
    if (!args.keys.empty()) {
        auto parts = parse_keys(args.keys);
        if (!parts)
            return std::unexpected(parts.error());
        reading.parts = std::move(*parts);
    }
    return reading;
}

// Whether an argument that names no existing file was meant as one (app.env, config/db.yaml).
bool looks_like_path(std::string_view text) {
    if (text.find("://") != std::string_view::npos || is_jdbc_url(text) || text.find('=') != std::string_view::npos)
        return false;
    return text.find('/') != std::string_view::npos || config_loader_for(fs::path(text)) != nullptr;
}

std::expected<MemoryFile, std::string> copy_pipe(const Side& side) {
    std::ifstream in(side.argument, std::ios::binary);
    if (!in)
        return std::unexpected(fmt::format("{}: cannot read {}", side.label, side.argument));
    std::string text(k_max_pipe_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > k_max_pipe_bytes)
        return std::unexpected(
            fmt::format("{}: {} is larger than the 4 MiB stagegate reads of a config file", side.label, side.argument));
    int fd = ::memfd_create("stagegate-diff", MFD_CLOEXEC);
    if (fd < 0)
        return std::unexpected(fmt::format("{}: cannot copy {}: {}", side.label, side.argument, std::strerror(errno)));
    MemoryFile copy(fd);
    std::ofstream out(copy.path(), std::ios::binary);
    if (!out.write(text.data(), static_cast<std::streamsize>(text.size())) || !out.flush())
        return std::unexpected(fmt::format("{}: cannot copy {}", side.label, side.argument));
    return copy;
}

std::expected<void, std::string> use_file(Side& side, const Reading& reading) {
    CandidateSource& source = side.candidate.source;
    if (reading.key.empty() && reading.parts.empty() && reading.service.empty())
        return std::unexpected(fmt::format("{}: {} is a file: say where the connection string is with --key, --keys "
                                           "or --service",
                                           side.label, side.argument));
    std::error_code error;
    bool pipe = !fs::is_regular_file(side.argument, error);
    const ConfigLoader* format = reading.format ? reading.format : config_loader_for(side.argument);
    if (!format && reading.service.empty())
        return std::unexpected(fmt::format("{}: cannot tell the format of {} from its name{}: add --format ({})",
                                           side.label, side.argument, pipe ? " (a pipe, as <(...) gives)" : "",
                                           key_formats()));
    source.file = side.argument;
    source.format = reading.service.empty() ? std::string(format->name) : "pg_service";
    source.format_from_name = !reading.format;
    source.key = reading.key;
    source.parts = reading.parts;
    source.service = reading.service;
    if (pipe) {
        auto copy = copy_pipe(side);
        if (!copy)
            return std::unexpected(copy.error());
        source.file = copy->path();
        side.copy.emplace(std::move(*copy));
    }
    return {};
}

std::expected<Side, std::string> locate(std::string label, const std::string& argument, const Reading& reading) {
    Side side{std::move(label), argument, {}, std::nullopt};
    side.candidate.name = side.label;
    if (argument == "-")
        return std::unexpected(
            fmt::format("{}: - (standard input) is not supported: use a file or <(command)", side.label));
    std::error_code error;
    if (fs::is_directory(argument, error))
        return std::unexpected(fmt::format("{}: {} is a folder, not a config file", side.label, argument));
    if (fs::exists(argument, error)) {
        if (auto used = use_file(side, reading); !used)
            return std::unexpected(used.error());
        return side;
    }
    if (looks_like_path(argument))
        return std::unexpected(fmt::format("{}: no such file {}", side.label, argument));
    side.candidate.source.url = argument;
    return side;
}

// The message with the copy of a pipe called by the name the user gave.
std::string named(std::string message, const Side& side) {
    if (!side.copy)
        return message;
    std::string copy = side.candidate.source.file.string();
    for (auto at = message.find(copy); at != std::string::npos; at = message.find(copy, at + side.argument.size()))
        message.replace(at, copy.size(), side.argument);
    return message;
}

// The raw text a side's driver can be told from, when it has one.
std::expected<std::optional<std::string>, std::string> telling_text(const Side& side) {
    const CandidateSource& source = side.candidate.source;
    if (source.url)
        return source.url;
    if (!source.service.empty())
        return std::optional<std::string>("service=" + source.service);
    auto url = std::find_if(source.parts.begin(), source.parts.end(), [](const auto& p) { return p.first == "url"; });
    std::string key = !source.key.empty() ? source.key : url != source.parts.end() ? url->second : "";
    if (key.empty())
        return std::optional<std::string>();
    std::expected<ConfigValue, std::string> value;
    try { // yaml-cpp and nlohmann report some misuse by throwing: never a crash for a config file
        value = read_config_value(source.file, *find_config_loader(source.format), key, process_environment());
    } catch (const std::exception& e) {
        value = std::unexpected(fmt::format("cannot read {}: {}", side.argument, e.what()));
    }
    if (!value)
        return std::unexpected(named(fmt::format("{}: {}", side.label, value.error()), side));
    return std::optional<std::string>(value->value);
}

std::expected<const Driver*, std::string> choose_driver(const Reading& reading, const Side& before, const Side& after) {
    if (!reading.driver.empty())
        return find_driver(reading.driver);
    std::vector<std::pair<std::string, std::string>> guesses;
    for (const Side* side : {&before, &after}) {
        auto text = telling_text(*side);
        if (!text)
            return std::unexpected(text.error());
        if (auto guess = *text ? guess_driver(**text) : std::nullopt)
            guesses.emplace_back(side->label, *guess);
    }
    if (guesses.size() == 2 && guesses[0].second != guesses[1].second)
        return std::unexpected(fmt::format("OLD is read by {} and NEW by {}: diff compares two configs of one client; "
                                           "name it with --driver",
                                           guesses[0].second, guesses[1].second));
    return find_driver(guesses.empty() ? "libpq" : guesses.front().second);
}

// The protocol strings composed from separate keys are written for: the one `text` speaks when a
// driver recognises it and `driver` speaks it too, else the driver's first.
std::string_view protocol_for(const Driver& driver, const std::optional<std::string>& text) {
    for (const Driver* reader : all_drivers()) {
        auto protocol = text ? reader->recognises(*text) : std::nullopt;
        if (protocol && speaks(driver, *protocol))
            return *protocol;
    }
    return driver.protocols().front();
}

// Reads one side exactly as `run` reads a candidate: the file's key or keys, JDBC translated,
// then the string parsed by the driver. Every secret met is registered first.
std::expected<ParsedCandidate, std::string> read_side(Side& side, const Driver& driver, Redactor& redactor) {
    side.candidate.driver = std::string(driver.name());
    auto hint = telling_text(side);
    ServiceFileScope service(side.candidate);
    auto read = read_candidate(side.candidate, protocol_for(driver, hint ? *hint : std::nullopt), redactor);
    if (!read && read.error().step == PipelineStep::source)
        return std::unexpected(named(fmt::format("{}: {}", side.label, read.error().failure.message), side));
    if (!read)
        return std::unexpected(fmt::format("{}: {} cannot read this string ({}): {}", side.label, driver.name(),
                                           to_string(read.error().failure.category), read.error().failure.message));
    return std::move(read->parsed);
}

int diff(const DiffArgs& args) {
    Redactor& redactor = process_secrets();
    auto fail = [&](const std::string& message) {
        print_line(stderr, redactor.apply(error_line(message)));
        return k_exit_invalid;
    };
    auto reading = check_flags(args);
    if (!reading)
        return fail(reading.error());
    auto before = locate("OLD", args.old_config, *reading);
    if (!before)
        return fail(before.error());
    auto after = locate("NEW", args.new_config, *reading);
    if (!after)
        return fail(after.error());
    auto driver = choose_driver(*reading, *before, *after);
    if (!driver)
        return fail(driver.error());
    auto old_parsed = read_side(*before, **driver, redactor);
    if (!old_parsed)
        return fail(old_parsed.error());
    auto new_parsed = read_side(*after, **driver, redactor);
    if (!new_parsed)
        return fail(new_parsed.error());
    ConfigDiff result = diff_configs(**driver, *old_parsed, *new_parsed);
    if (args.json)
        fmt::print("{}", diff_json(result, redactor));
    else
        print_lines(stdout, diff_text(result, redactor));
    return result.same() ? k_exit_pass : k_exit_fail;
}

} // namespace

void add_diff_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<DiffArgs>();
    auto* command = app.add_subcommand(
        "diff", "Compare two connection configs field by field, as their client reads them (secrets never shown)");
    command->add_option("--driver", args->driver,
                        "Client that reads both (libpq, mysqlcppconn, soci); guessed from the strings when left out");
    command->add_flag("--json", args->json, "Print the comparison as JSON (format stagegate-diff/1)");
    auto* key = command->add_option("--key", args->key,
                                    "Config files: the key holding the whole string (DATABASE_URL, production.url, "
                                    "section.key)");
    auto* keys = command->add_option("--keys", args->keys,
                                     "Config files: parts from separate keys, composed: "
                                     "host=DB_HOST,port=DB_PORT,user=DB_USER,password=DB_PASSWORD,database=DB_NAME");
    auto* service =
        command->add_option("--service", args->service, "pg_service.conf files: the service to read (libpq only)");
    key->excludes(keys)->excludes(service);
    keys->excludes(service);
    command->add_option("--format", args->format,
                        "Config files: the loader (" + key_formats() +
                            "); needed when the name does not tell (<(git show main:app.env))");
    command->add_option("OLD", args->old_config, "The old config: a connection string or a config file")->required();
    command->add_option("NEW", args->new_config, "The new config: a connection string or a config file")->required();
    command->footer("Exit codes: 0 the configs are the same, 1 they differ, 2 invalid input (unknown flag, missing "
                    "file or key, a string the client cannot read).\n"
                    "Example: stagegate diff --key DATABASE_URL --format env <(git show main:app.env) app.env");
    command->callback([args, &action] { action = [args] { return diff(*args); }; });
}

} // namespace stagegate::cli
