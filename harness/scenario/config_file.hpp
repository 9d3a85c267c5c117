#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "scenario/loader.hpp"

namespace stagegate {

// The kinds of file applications keep their connection settings in.
enum class ConfigFormat { dotenv, yaml, json, properties, ini };

// Returns the name a scenario's `format:` uses: "env", "yaml", "json", "properties" or "ini".
std::string_view to_string(ConfigFormat format);

// Returns the format `name` stands for (the names to_string gives, plus "dotenv" and "yml"), or
// nothing for any other name.
std::optional<ConfigFormat> parse_config_format(std::string_view name);

// Returns the format a file's name implies: *.env, .env and .env.* are dotenv; .yml/.yaml yaml;
// .json json; .properties properties; .ini/.cnf/.conf ini. Nothing otherwise: the scenario must
// then say `format:`.
std::optional<ConfigFormat> format_from_name(const std::filesystem::path& file);

struct ConfigValue {
    std::string value;
    int line = 0; // 1-based line in the file where the value is, 0 when unknown
};

// Reads `key` from `file` the way the application's own loader would (see config_file.cpp for
// each format's rules; yaml and json keys are dot paths like production.url or servers.0.host,
// ini keys are section.key). The value comes back exactly as the loader hands it on, invisible
// trailing characters included. Fails with one line: "<file>:<line>: <reason>" for a broken
// file, "<file> has no key <key>; did you mean <closest>?" for a missing key, "<file>: <reason>"
// otherwise (unreadable, larger than 4 MiB).
std::expected<ConfigValue, std::string> read_config_value(const std::filesystem::path& file, ConfigFormat format,
                                                          const std::string& key, const Environment& env);

} // namespace stagegate
