// .env files as the common dotenv loaders read them (scenario/dotenv.cpp has the rules):
// python-dotenv, dotenv for Node and Ruby, docker compose's env_file.
#include "scenario/dotenv.hpp"
#include "scenario/config/readers.hpp"

namespace stagegate::config {

Read read_dotenv_key(const std::filesystem::path& file, const std::string& key, const Environment& env) {
    auto value = dotenv_value(file, key, env);
    if (!value)
        return std::unexpected(value.error());
    auto entries = read_dotenv(file);
    int line = 0;
    for (const auto& entry : entries.value_or(std::vector<DotenvEntry>{})) {
        if (entry.key == key)
            line = entry.line; // the last assignment is the one dotenv_value read
    }
    return ConfigValue{*value, line};
}

} // namespace stagegate::config
