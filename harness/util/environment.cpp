#include "util/environment.hpp"

#include <cstdlib>
#include <map>
#include <string_view>
#include <vector>

extern char** environ;

namespace stagegate {

namespace {
std::map<std::string, std::string>& isolated() {
    static std::map<std::string, std::string> values;
    return values;
}
} // namespace

void isolate_client_environment() {
    std::vector<std::string> names;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        auto equals = text.find('=');
        if (!text.starts_with("PG") || equals == std::string_view::npos)
            continue;
        names.emplace_back(text.substr(0, equals));
        isolated()[names.back()] = std::string(text.substr(equals + 1));
    }
    for (const auto& name : names)
        ::unsetenv(name.c_str());
}

std::optional<std::string> environment_value(const std::string& name) {
    if (const char* value = std::getenv(name.c_str()))
        return std::string(value);
    auto found = isolated().find(name);
    if (found != isolated().end())
        return found->second;
    return std::nullopt;
}

} // namespace stagegate
