#include "scenario/dotenv.hpp"

#include "scenario/interpolate.hpp"
#include "util/input_file.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace stagegate {

namespace {

std::expected<std::string, std::string> unquote(std::string_view raw) {
    if (raw.empty())
        return std::string();
    char quote = raw.front();
    if (quote != '"' && quote != '\'') {
        auto hash = raw.find(" #");
        return std::string(trim(raw.substr(0, hash)));
    }
    std::string value;
    for (std::size_t i = 1; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == quote) {
            auto rest = trim(raw.substr(i + 1));
            if (!rest.empty() && rest.front() != '#')
                return std::unexpected(std::string("text after the closing quote"));
            return value;
        }
        if (quote == '"' && c == '\\' && i + 1 < raw.size()) {
            char next = raw[++i];
            value += next == 'n' ? '\n' : next == 't' ? '\t' : next;
            continue;
        }
        value += c;
    }
    return std::unexpected(fmt::format("unterminated {} quote", quote == '"' ? "double" : "single"));
}

bool valid_key(std::string_view key) {
    if (key.empty())
        return false;
    for (char c : key) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
            return false;
    }
    return true;
}

} // namespace

std::expected<std::vector<DotenvEntry>, std::string> read_dotenv(const std::filesystem::path& file) {
    auto read = read_input_file(file);
    if (!read)
        return std::unexpected(fmt::format("{}: cannot read the file: {}", file.string(), read.error().reason));
    std::string text = std::move(*read);
    if (text.starts_with("\xEF\xBB\xBF"))
        text.erase(0, 3);
    std::vector<DotenvEntry> entries;
    std::istringstream lines(text);
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        std::string_view rest = trim(line);
        if (rest.empty() || rest.front() == '#')
            continue;
        if (rest.starts_with("export "))
            rest = trim(rest.substr(7));
        auto equals = rest.find('=');
        if (equals == std::string_view::npos)
            return std::unexpected(fmt::format("{}:{}: expected KEY=VALUE", file.string(), number));
        std::string key(trim(rest.substr(0, equals)));
        if (!valid_key(key))
            return std::unexpected(fmt::format("{}:{}: \"{}\" is not a valid key", file.string(), number, key));
        auto value = unquote(trim(rest.substr(equals + 1)));
        if (!value)
            return std::unexpected(fmt::format("{}:{}: {}: {}", file.string(), number, key, value.error()));
        entries.push_back({key, *value, number, trim(rest.substr(equals + 1)).starts_with('\'')});
    }
    return entries;
}

std::expected<std::string, std::string> dotenv_value(const std::filesystem::path& file, const std::string& key,
                                                     const Environment& env) {
    auto entries = read_dotenv(file);
    if (!entries)
        return std::unexpected(entries.error());
    const DotenvEntry* found = nullptr;
    std::vector<std::string> keys;
    for (const auto& entry : *entries) {
        if (entry.key == key)
            found = &entry; // the last assignment wins, as in a shell
        keys.push_back(entry.key);
    }
    if (found) {
        if (found->literal)
            return found->value;
        // As python-dotenv: the environment first, then keys assigned earlier in the file.
        std::unordered_map<std::string, std::string> earlier;
        for (const auto& entry : *entries) {
            if (&entry == found)
                break;
            earlier.insert_or_assign(entry.key, entry.value);
        }
        Environment file_env = [&](const std::string& name) -> std::optional<std::string> {
            if (auto value = env(name))
                return value;
            auto known = earlier.find(name);
            return known == earlier.end() ? std::nullopt : std::optional(known->second);
        };
        auto expanded = interpolate(found->value, file_env);
        if (!expanded)
            return std::unexpected(
                fmt::format("{}:{}: {}: {}", file.string(), found->line, key, expanded.error().message));
        return expanded->text;
    }
    std::string hint = did_you_mean(key, keys);
    return std::unexpected(fmt::format("{} has no key {}{}", file.string(), key, hint.empty() ? "" : "; " + hint));
}

} // namespace stagegate
