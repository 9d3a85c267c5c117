#include "provision/setting_catalog.hpp"

#include "provision/local_mariadb.hpp"
#include "provision/local_postgres.hpp"
#include "provision/process.hpp"
#include "stagegate/spelling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>
#include <sys/mman.h>
#include <tuple>
#include <unistd.h>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

// Below /proc nothing can be created, not even by root.
constexpr std::string_view k_no_datadir = "/proc/stagegate-no-datadir";

// Runs `argv` and returns what it printed, within 20 s. The output goes to an anonymous memory
// file (the child opens it through /proc/self/fd), so nothing is written anywhere and nothing
// is left behind by an interruption.
std::expected<std::string, std::string> output_of(ProcessLauncher& launcher, std::vector<std::string> argv) {
    int fd = ::memfd_create("stagegate-settings", MFD_CLOEXEC);
    if (fd < 0)
        return std::unexpected(fmt::format("cannot make a memory file: {}", std::strerror(errno)));
    SpawnSpec spec;
    spec.argv = std::move(argv);
    spec.output = fmt::format("/proc/self/fd/{}", fd);
    spec.die_with_parent = true;
    auto status = run_to_completion(launcher, spec, Deadline::in(Millis(20000)));
    std::string text;
    char buffer[65536];
    ssize_t got = 0;
    for (off_t at = 0; (got = ::pread(fd, buffer, sizeof buffer, at)) > 0; at += got)
        text.append(buffer, static_cast<std::size_t>(got));
    ::close(fd);
    if (!status)
        return std::unexpected(status.error());
    return text;
}

} // namespace

std::expected<std::vector<std::string>, std::string> read_setting_names(Engine engine, ProcessLauncher& launcher) {
    std::vector<std::string> names;
    if (engine == Engine::postgres) {
        auto bindir = LocalPostgres::find_bindir();
        if (!bindir)
            return std::unexpected(bindir.error());
        auto text = output_of(launcher, {(*bindir / "postgres").string(), "--describe-config"});
        if (!text)
            return std::unexpected(text.error());
        std::istringstream lines(*text);
        for (std::string line; std::getline(lines, line);) {
            auto tab = line.find('\t');
            if (tab != std::string::npos && tab > 0)
                names.push_back(line.substr(0, tab));
        }
    } else {
        auto server = LocalMariadb::find_server();
        if (!server)
            return std::unexpected(server.error());
        // Without a --datadir, mariadbd creates and deletes a file in its compiled-in data folder
        // (/var/lib/mysql) and opens aria_log_control there read-write, even for --help. A
        // folder that can never exist keeps it from touching any.
        auto text = output_of(launcher, {server->string(), "--no-defaults", "--datadir=" + std::string(k_no_datadir),
                                         "--verbose", "--help"});
        if (!text)
            return std::unexpected(text.error());
        // The table after "Variables (--variable-name=value)" and its dashed rule: name, value.
        std::istringstream lines(*text);
        bool table = false;
        for (std::string line; std::getline(lines, line);) {
            if (!table) {
                table = line.starts_with("-------");
                continue;
            }
            if (line.empty())
                break;
            std::string name = line.substr(0, line.find(' '));
            for (char& c : name) {
                if (c == '-')
                    c = '_'; // MariaDB reads - and _ alike in option names
            }
            names.push_back(name);
        }
    }
    if (names.empty())
        return std::unexpected(std::string("the server listed no settings"));
    return names;
}

namespace {

// PostgreSQL 15's preset settings: `postgres --describe-config` leaves them out, because they
// are fixed when the server is built or the cluster is made and can never be set.
constexpr std::string_view k_postgres_preset[] = {"block_size",          "data_checksums",
                                                  "data_directory_mode", "debug_assertions",
                                                  "in_hot_standby",      "integer_datetimes",
                                                  "lc_collate",          "lc_ctype",
                                                  "max_function_args",   "max_identifier_length",
                                                  "max_index_keys",      "segment_size",
                                                  "server_encoding",     "server_version",
                                                  "server_version_num",  "shared_memory_size",
                                                  "ssl_library",         "shared_memory_size_in_huge_pages",
                                                  "wal_block_size",      "wal_segment_size"};

} // namespace

std::expected<std::vector<std::string>, std::string> server_setting_names(Engine engine, ProcessLauncher& launcher) {
    static std::mutex mutex;
    static std::map<Engine, std::expected<std::vector<std::string>, std::string>> cache;
    Engine key = engine == Engine::mysql ? Engine::mariadb : engine;
    std::lock_guard lock(mutex);
    auto found = cache.find(key);
    if (found == cache.end())
        found = cache.emplace(key, read_setting_names(key, launcher)).first;
    return found->second;
}

std::optional<ScenarioError> check_setting_names(const Scenario& scenario, ProcessLauncher& launcher) {
    const Database& database = scenario.database;
    if (database.provider != ProviderKind::local || database.engine == Engine::sqlite)
        return std::nullopt;
    std::vector<std::tuple<const Settings*, const std::vector<SourceMark>*, std::string>> lists{
        {&database.settings, &database.setting_marks, "database.settings"}};
    for (std::size_t i = 0; i < scenario.maintenance.size(); ++i)
        lists.emplace_back(&scenario.maintenance[i].settings, &scenario.maintenance[i].setting_marks,
                           fmt::format("maintenance[{}].settings", i));
    bool any = std::any_of(lists.begin(), lists.end(), [](const auto& list) { return !std::get<0>(list)->empty(); });
    if (!any)
        return std::nullopt;
    auto names = server_setting_names(database.engine, launcher);
    if (!names)
        return std::nullopt; // provisioning reports the missing server
    bool postgres = database.engine == Engine::postgres;
    for (const auto& [settings, marks, path] : lists) {
        for (std::size_t i = 0; i < settings->size(); ++i) {
            std::string name = (*settings)[i].first;
            // Extension settings (pg_stat_statements.max) and MariaDB's loose_ prefix are not listed.
            if ((postgres && name.find('.') != std::string::npos) || name.starts_with("loose_"))
                continue;
            std::string lookup = name;
            if (!postgres) {
                for (char& c : lookup) {
                    if (c == '-')
                        c = '_';
                }
            }
            if (std::find(names->begin(), names->end(), lookup) != names->end())
                continue;
            SourceMark mark = i < marks->size() ? (*marks)[i] : SourceMark{scenario.file.string(), 1, 1};
            if (postgres && std::find(std::begin(k_postgres_preset), std::end(k_postgres_preset), name) !=
                                std::end(k_postgres_preset))
                return ScenarioError{mark, fmt::format("{}.{}: {} is fixed when PostgreSQL is built or the cluster "
                                                       "is made: no setting can change it",
                                                       path, name, name)};
            std::string hint = did_you_mean(lookup, *names);
            return ScenarioError{mark,
                                 fmt::format("{}.{}: unknown setting \"{}\"{}: the installed {} does not have it "
                                             "(its own list: {})",
                                             path, name, name, hint.empty() ? "" : " (" + hint + ")",
                                             postgres ? "PostgreSQL" : "MariaDB",
                                             postgres ? "postgres --describe-config" : "mariadbd --verbose --help")};
        }
    }
    return std::nullopt;
}

} // namespace stagegate
