#pragma once
// What every config-file loader shares: reading the file, dot paths, and "did you mean" for a
// missing key. Internal to the loaders (harness/scenario/config/).

#include <cstddef>
#include <expected>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::config {

// Nested maps deeper than this are no config file; the bound also ends alias loops.
constexpr int k_max_depth = 64;
// Suggestions look at this many paths at most, and this many bytes of them, so a huge file
// cannot make a typo slow.
constexpr std::size_t k_max_paths = 20000;
constexpr std::size_t k_max_path_bytes = 4 * 1024 * 1024;

using Failed = std::unexpected<std::string>;

// "file:line", or "file" when the line is unknown (0).
std::string where(const std::filesystem::path& file, int line);

// Returns the 1-based line of byte `offset` in `text`.
int line_at(std::string_view text, std::size_t offset);

// Returns the whole file without a UTF-8 byte-order mark: a regular file of at most 4 MiB.
std::expected<std::string, std::string> read_text(const std::filesystem::path& file);

// Splits a dot path; `\.` keeps a dot inside a segment and `\\` is a backslash.
std::vector<std::string> split_path(std::string_view key);

// "parent.child", or "child" at the top.
std::string child_path(const std::string& parent, std::string_view child);

// The list index a path segment names ("0", "12"), or nothing.
std::optional<std::size_t> list_index(std::string_view segment);

// "did you mean a?", "did you mean a, b or c?", or "" for no names.
std::string listed(const std::vector<std::string>& names);

// Up to three paths directly under `parent` in `known`, in file order.
std::vector<std::string> children(const std::string& parent, std::span<const std::string> known);

// The closest spellings of `key` among `known`, only those as close as the best, comparing a
// bounded amount of text.
std::vector<std::string> best_spellings(const std::string& key, std::span<const std::string> known);

// The keys under `key` when there are any (asking for a mapping, or a prefix of flat keys,
// usually means one of its values), otherwise its closest spellings: "did you mean ...?" or "".
std::string suggestion(const std::string& key, std::span<const std::string> known);

// "<file> has no key <key>; <hint>".
Failed no_key(const std::filesystem::path& file, const std::string& key, const std::string& hint);

} // namespace stagegate::config
