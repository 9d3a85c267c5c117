// MySQL and MariaDB option files ([client] then password=...), which covers the simple INI
// files Python's configparser writes too. Sections are case-sensitive; the last assignment
// wins; an option before any section is addressed by its bare name.
#include "scenario/config/common.hpp"
#include "scenario/config/readers.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace stagegate::config {

namespace {

struct IniOption {
    std::string section;
    std::string name;
    std::string value;
    int line = 0;
};

std::string ini_path(const IniOption& option) {
    return option.section.empty() ? option.name : option.section + "." + option.name;
}

// MySQL reads '-' and '_' in option names as the same character.
std::string same_dashes(std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

bool names_option(const std::string& key, const IniOption& option) {
    if (option.section.empty())
        return same_dashes(key) == same_dashes(option.name);
    return key.size() > option.section.size() && key.starts_with(option.section) && key[option.section.size()] == '.' &&
           same_dashes(key.substr(option.section.size() + 1)) == same_dashes(option.name);
}

// MySQL's remove_end_comment: a '#' outside quotes ends the line, wherever it stands.
std::string_view without_end_comment(std::string_view line) {
    char quote = 0;
    bool escape = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if ((c == '\'' || c == '"') && !escape) {
            if (!quote)
                quote = c;
            else if (quote == c)
                quote = 0;
        } else if (!quote && c == '#') {
            return line.substr(0, i);
        }
        escape = quote && c == '\\' && !escape;
    }
    return line;
}

// MySQL's option value: blanks around it dropped, one pair of matching quotes around it
// dropped, then \n \t \r \b \s \" \' \\ read as escapes (an unknown one keeps its backslash).
std::string mysql_value(std::string_view value) {
    value = trim(value);
    if (value.size() > 1 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
        value = value.substr(1, value.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\' || i + 1 == value.size()) {
            out += value[i];
            continue;
        }
        switch (char next = value[++i]) {
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case 'r':
            out += '\r';
            break;
        case 'b':
            out += '\b';
            break;
        case 's':
            out += ' ';
            break;
        case '"':
        case '\'':
        case '\\':
            out += next;
            break;
        default:
            out += '\\';
            out += next;
            break;
        }
    }
    return out;
}

// One line of an option file: a comment or blank (nothing), a directive (an error), a section
// header (updates `section`) or an option.
std::expected<std::optional<IniOption>, std::string> ini_line(std::string_view line, std::string& section) {
    auto rest = trim(line);
    if (rest.empty() || rest.front() == '#' || rest.front() == ';')
        return std::nullopt;
    if (rest.front() == '!') {
        auto directive = rest.substr(0, rest.find_first_of(" \t"));
        if (directive == "!include" || directive == "!includedir")
            return Failed(fmt::format("{} is not followed by stagegate: put the options in this file", directive));
        return Failed(fmt::format("{} is not an option-file directive", directive));
    }
    if (rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos)
            return Failed(std::string("a section header without its closing ]"));
        section = std::string(trim(rest.substr(1, close - 1)));
        return std::nullopt;
    }
    rest = without_end_comment(rest);
    auto equals = rest.find('=');
    std::string name(trim(rest.substr(0, equals)));
    if (name.empty())
        return Failed(std::string("an option without a name"));
    std::string value = equals == std::string_view::npos ? "" : mysql_value(rest.substr(equals + 1));
    return IniOption{section, name, value, 0};
}

std::expected<std::vector<IniOption>, std::string> read_ini(const std::string& text,
                                                            const std::filesystem::path& file) {
    std::vector<IniOption> options;
    std::string section;
    std::istringstream lines(text);
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
        ++number;
        // A CRLF line keeps its '\r' here; ini_line trims it with the other blanks, as MySQL does.
        auto read = ini_line(line, section);
        if (!read)
            return Failed(fmt::format("{}: {}", where(file, number), read.error()));
        if (*read) {
            (*read)->line = number;
            options.push_back(std::move(**read));
        }
    }
    return options;
}

// Suggestions compare names with '-' and '_' alike, and show them as the file spells them.
std::string ini_suggestion(const std::string& key, const std::vector<IniOption>& options) {
    std::vector<std::string> spelled;
    std::vector<std::string> alike;
    for (const auto& option : options) {
        spelled.push_back(ini_path(option));
        alike.push_back(same_dashes(spelled.back()));
    }
    if (auto below = children(key, spelled); !below.empty())
        return listed(below);
    std::vector<std::string> names;
    for (const auto& name : best_spellings(same_dashes(key), alike)) {
        auto at = std::find(alike.begin(), alike.end(), name) - alike.begin();
        names.push_back(spelled[static_cast<std::size_t>(at)]);
    }
    return listed(names);
}

} // namespace

Read read_ini_key(const std::filesystem::path& file, const std::string& key, const Environment&) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    auto options = read_ini(*text, file);
    if (!options)
        return Failed(options.error());
    auto found = std::find_if(options->rbegin(), options->rend(),
                              [&](const IniOption& option) { return names_option(key, option); });
    if (found == options->rend())
        return no_key(file, key, ini_suggestion(key, *options));
    return ConfigValue{found->value, found->line};
}

} // namespace stagegate::config
