#include "fuzz_input.hpp"

#include "stagegate/driver.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <unistd.h>

namespace stagegate::fuzz {

std::pair<std::string_view, std::string_view> first_line(std::string_view text) {
    auto newline = text.find('\n');
    if (newline == std::string_view::npos)
        return {text, {}};
    return {text.substr(0, newline), text.substr(newline + 1)};
}

const Environment& fixed_environment() {
    static const std::map<std::string, std::string> values{{"DB_HOST", "db.internal"},
                                                           {"DB_PORT", "5432"},
                                                           {"DB_USER", "app"},
                                                           {"DB_NAME", "orders"},
                                                           {"DB_PASSWORD", "s3cr3t-pw"},
                                                           {"DATABASE_URL", "postgresql://app@db/orders"},
                                                           {"EMPTY", ""},
                                                           {"SPACED", " a b "}};
    static const Environment env = [](const std::string& name) -> std::optional<std::string> {
        auto found = values.find(name);
        return found == values.end() ? std::nullopt : std::optional<std::string>(found->second);
    };
    return env;
}

ScratchFile::ScratchFile(const std::string& name, std::string_view contents)
    : m_path(std::filesystem::temp_directory_path() / fmt::format("stagegate-fuzz-{}-{}", ::getpid(), name)) {
    std::ofstream out(m_path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

ScratchFile::~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(m_path, ignored);
}

void read_config(std::initializer_list<std::string_view> loaders, const std::string& name, const std::uint8_t* data,
                 std::size_t size) {
    auto [key, contents] = first_line(as_text(data, size));
    ScratchFile file(name, contents);
    for (auto loader_name : loaders) {
        const ConfigLoader* loader = find_config_loader(loader_name);
        if (loader == nullptr) {
            fmt::print(stderr, "fuzz: no config loader {}\n", loader_name);
            std::abort();
        }
        try {
            (void)read_config_value(file.path(), *loader, std::string(key), fixed_environment());
        } catch (const std::exception&) { // candidate_runner.cpp and diff_command.cpp catch these too
        }
    }
}

void parse_candidate(std::string_view driver, const std::uint8_t* data, std::size_t size) {
    const Driver* found = find_driver(driver);
    if (found == nullptr) {
        fmt::print(stderr, "fuzz: no driver {}\n", driver);
        std::abort();
    }
    auto parsed = found->parse(as_text(data, size));
    if (!parsed) {
        (void)to_string(parsed.error().category);
        return;
    }
    for (const auto& parameter : parsed->parameters)
        (void)parsed->get(parameter.key);
}

} // namespace stagegate::fuzz
