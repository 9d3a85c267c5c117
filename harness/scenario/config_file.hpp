#pragma once
// The loaders of applications' config files, one per framework, behind one table
// (config_file.cpp). A candidate's file is read by the loader it names (`from.format`) or by the
// one its file name says, never by a mix: a Rails value holding `${x}` is Rails' text, and a
// Spring value holding `<%` is Spring's. Adding a loader is a reader in config/ and a table row.

#include <expected>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/loader.hpp"

namespace stagegate {

struct ConfigValue {
    std::string value;
    int line = 0; // 1-based line in the file where the value is, 0 when unknown
};

// Reads one key as the framework's loader hands it to the application.
using ConfigReader = std::expected<ConfigValue, std::string> (*)(const std::filesystem::path& file,
                                                                 const std::string& key, const Environment& env);

struct ConfigLoader {
    std::string_view name;                   // what `from.format` and `diff --format` say
    std::span<const std::string_view> also;  // other names accepted for it ("dotenv" for env)
    std::string_view reads_as;               // the behaviour it reproduces, in the user's words
    std::span<const std::string_view> files; // file names that choose it (fnmatch, any case)
    ConfigReader read;                       // nullptr: the client reads the file itself
};

// Every loader, in the order file names are matched against them (specific names first).
std::span<const ConfigLoader> config_loaders();

// The names of every loader, for "choose one of" messages.
std::vector<std::string> config_loader_names();

// The loader called `name` (or one of its other names), or nullptr.
const ConfigLoader* find_config_loader(std::string_view name);

// The loader a file's name chooses when the scenario does not: .env, *.env and .env.* are env;
// database.yml rails; application*.yml/.yaml/.properties and bootstrap*.* spring; other .yml and
// .yaml yaml; .json json; other .properties properties; pg_service.conf pg_service; .ini, .cnf and
// .conf ini. nullptr for any other name: the scenario must then say `format:`.
const ConfigLoader* config_loader_for(const std::filesystem::path& file);

// Whether several loaders read files of this name (database.yml is YAML to every YAML loader),
// so that the choice config_loader_for made is worth showing.
bool several_loaders_read(const std::filesystem::path& file);

// Reads `key` from `file` the way `loader`'s framework would (yaml and json keys are dot paths
// like production.url or servers.0.host, ini keys are section.key). The value comes back exactly
// as the loader hands it on, invisible trailing characters included. Fails with one line:
// "<file>:<line>: <reason>" for a broken file, "<file> has no key <key>; did you mean
// <closest>?" for a missing key, "<file>: <reason>" otherwise (unreadable, larger than 4 MiB).
std::expected<ConfigValue, std::string> read_config_value(const std::filesystem::path& file, const ConfigLoader& loader,
                                                          const std::string& key, const Environment& env);

} // namespace stagegate
