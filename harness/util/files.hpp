#pragma once

#include <sys/types.h>

#include <cstdio>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace stagegate {

// Writes `path` through a temporary file in the same folder that is renamed over it, so a reader
// (a server reading its configuration or key) never sees half a file. The file has `mode`, and
// `owner` (uid, gid) when given, before it holds a byte, so a key is never readable by others,
// not even for a moment. `write` prints the contents and returns false when it could not. Fails
// with "cannot write <path>: <reason>"; the temporary file is removed.
std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path, mode_t mode,
                                                       std::optional<std::pair<uid_t, gid_t>> owner,
                                                       const std::function<bool(std::FILE*)>& write);

// The same for a text.
std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path, mode_t mode,
                                                       std::string_view text);

} // namespace stagegate
