#pragma once

#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>

namespace stagegate {

// The largest file stagegate reads from the user: a scenario, a setup file, a config file.
inline constexpr std::size_t k_max_input_bytes = 4 * 1024 * 1024;

// Why a user's file cannot be read, in words for a one-line error ("a named pipe (FIFO), not a
// regular file"); `missing` when nothing is there, so callers can add where they looked.
struct InputFileError {
    bool missing = false;
    std::string reason;
};

// Checks that `file` is a regular file (after following links) of at most `limit` bytes that
// this process may open, without reading it and without blocking (a FIFO never hangs the
// check). For files another library reads itself (PostgreSQL service files).
std::expected<void, InputFileError> check_input_file(const std::filesystem::path& file,
                                                     std::size_t limit = k_max_input_bytes);

// Reads `file` under the same rules: a regular file, opened without blocking and checked on the
// opened descriptor, and never more than `limit` bytes read, even when it grows meanwhile.
std::expected<std::string, InputFileError> read_input_file(const std::filesystem::path& file,
                                                           std::size_t limit = k_max_input_bytes);

// Returns true when `file`, with every link resolved, is inside `folder` (also resolved). False
// when either cannot be resolved.
bool is_inside(const std::filesystem::path& file, const std::filesystem::path& folder);

} // namespace stagegate
