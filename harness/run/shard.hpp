#pragma once

#include <expected>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate {

// One part of a suite split for a CI matrix: part `index` (1-based) of `count`.
struct Shard {
    unsigned index = 1;
    unsigned count = 1;
};

// Reads "K/N" (1 <= K <= N <= 1000); fails with a one-line reason naming the expected form.
std::expected<Shard, std::string> parse_shard(std::string_view text);

// Returns the key a scenario file is sharded by: its path relative to the working directory,
// with / separators, so every job of a matrix computes the same key whatever its checkout's
// absolute path.
std::string shard_key(const std::filesystem::path& file);

// Returns the positions of `keys` that belong to `shard`, in their original order. The keys are
// ordered by a fixed hash (FNV-1a, 64 bits; ties by the key) and dealt out in turn, so the
// assignment is the same on every machine and run, each key lands in exactly one shard, and
// shard sizes differ by at most one.
std::vector<std::size_t> shard_selection(std::span<const std::string> keys, Shard shard);

} // namespace stagegate
