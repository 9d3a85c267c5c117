#pragma once
// The readers behind the loader table in scenario/config_file.cpp, one per application
// framework, each in its own file. Each reads one key the way that framework's loader does.

#include "scenario/config_file.hpp"

namespace stagegate::config {

using Read = std::expected<ConfigValue, std::string>;

Read read_dotenv_key(const std::filesystem::path& file, const std::string& key, const Environment& env);
Read read_rails_key(const std::filesystem::path& file, const std::string& key, const Environment& env);
Read read_spring_key(const std::filesystem::path& file, const std::string& key, const Environment& env);
Read read_yaml_key(const std::filesystem::path& file, const std::string& key, const Environment& env);
Read read_json_key(const std::filesystem::path& file, const std::string& key, const Environment& env);
Read read_properties_key(const std::filesystem::path& file, const std::string& key, const Environment& env);
Read read_ini_key(const std::filesystem::path& file, const std::string& key, const Environment& env);

} // namespace stagegate::config
