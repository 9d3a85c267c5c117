// The loader table: the only list of config-file loaders. Each row names a reader in config/,
// which keeps to what its framework's loader really does and no more: nothing is trimmed,
// decoded or guessed beyond that, so a value that would break the application reaches the
// driver unchanged and breaks there too.
#include "scenario/config_file.hpp"

#include "scenario/config/readers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fnmatch.h>

namespace stagegate {

namespace {

using namespace std::string_view_literals;

constexpr std::array k_none = std::array<std::string_view, 0>{};
constexpr std::array k_env_also{"dotenv"sv};
constexpr std::array k_env_files{".env"sv, ".env.*"sv, "*.env"sv};
constexpr std::array k_rails_files{"database.yml"sv};
constexpr std::array k_spring_files{"application*.properties"sv, "application*.yml"sv, "application*.yaml"sv,
                                    "bootstrap*.properties"sv,   "bootstrap*.yml"sv,   "bootstrap*.yaml"sv};
constexpr std::array k_yaml_also{"yml"sv};
constexpr std::array k_yaml_files{"*.yml"sv, "*.yaml"sv};
constexpr std::array k_json_files{"*.json"sv};
constexpr std::array k_properties_files{"*.properties"sv};
constexpr std::array k_pg_service_files{"pg_service.conf"sv, ".pg_service.conf"sv};
constexpr std::array k_ini_files{"*.ini"sv, "*.cnf"sv, "*.conf"sv};

// Specific names before the extensions they share, and extensions before .env.*: the first row
// whose names match wins (so .env.yml is YAML, as it always was).
constexpr std::array k_loaders{
    ConfigLoader{"rails", k_none, "Rails database.yml (ERB ENV tags, then YAML with merge keys)", k_rails_files,
                 config::read_rails_key},
    ConfigLoader{"spring", k_none, "Spring Boot (properties or YAML, then ${...} placeholders)", k_spring_files,
                 config::read_spring_key},
    ConfigLoader{"yaml", k_yaml_also, "plain YAML key paths (merge keys; no ERB, no placeholders)", k_yaml_files,
                 config::read_yaml_key},
    ConfigLoader{"json", k_none, ".NET appsettings.json (comments allowed)", k_json_files, config::read_json_key},
    ConfigLoader{"properties", k_none, "java.util.Properties (no placeholders)", k_properties_files,
                 config::read_properties_key},
    ConfigLoader{"pg_service", k_none, "libpq's own service-file lookup", k_pg_service_files, nullptr},
    ConfigLoader{"ini", k_none, "MySQL/MariaDB option file ([client] sections)", k_ini_files, config::read_ini_key},
    ConfigLoader{"env", k_env_also, "dotenv (python-dotenv, dotenv for Node and Ruby, compose env_file)", k_env_files,
                 config::read_dotenv_key},
};

bool chooses(const ConfigLoader& loader, const std::string& name) {
    return std::any_of(loader.files.begin(), loader.files.end(), [&](std::string_view pattern) {
        return ::fnmatch(std::string(pattern).c_str(), name.c_str(), FNM_CASEFOLD) == 0;
    });
}

} // namespace

std::span<const ConfigLoader> config_loaders() {
    return k_loaders;
}

std::vector<std::string> config_loader_names() {
    std::vector<std::string> names;
    for (const auto& loader : k_loaders)
        names.emplace_back(loader.name);
    return names;
}

const ConfigLoader* find_config_loader(std::string_view name) {
    for (const auto& loader : k_loaders) {
        if (loader.name == name || std::find(loader.also.begin(), loader.also.end(), name) != loader.also.end())
            return &loader;
    }
    return nullptr;
}

const ConfigLoader* config_loader_for(const std::filesystem::path& file) {
    std::string name = file.filename().string();
    for (const auto& loader : k_loaders) {
        if (chooses(loader, name))
            return &loader;
    }
    return nullptr;
}

bool several_loaders_read(const std::filesystem::path& file) {
    std::string name = file.filename().string();
    return std::count_if(k_loaders.begin(), k_loaders.end(),
                         [&](const ConfigLoader& loader) { return chooses(loader, name); }) > 1;
}

std::expected<ConfigValue, std::string> read_config_value(const std::filesystem::path& file, const ConfigLoader& loader,
                                                          const std::string& key, const Environment& env) {
    if (!loader.read)
        return std::unexpected(
            fmt::format("{}: a {} file is read by the client itself, not by key", file.string(), loader.name));
    return loader.read(file, key, env);
}

} // namespace stagegate
