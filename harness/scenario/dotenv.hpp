#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "scenario/loader.hpp"

namespace stagegate {

struct DotenvEntry {
    std::string key;
    std::string value;
    int line = 0;
    bool literal = false; // single-quoted: no ${VAR} expansion
};

// Reads a .env file the way the common dotenv loaders do: KEY=VALUE lines, `export ` prefixes,
// # comments, single quotes (literal), double quotes (with \n, \", \\ escapes), CRLF line ends
// and a UTF-8 byte-order mark. Fails with "file:line: reason" on a line that is none of these.
std::expected<std::vector<DotenvEntry>, std::string> read_dotenv(const std::filesystem::path& file);

// Returns the value of `key` in `file` with ${VAR} references expanded from `env` (as
// python-dotenv and docker compose do, except in single quotes), or a one-line reason
// (missing key with a suggestion, unset variable).
std::expected<std::string, std::string> dotenv_value(const std::filesystem::path& file, const std::string& key,
                                                     const Environment& env);

} // namespace stagegate
