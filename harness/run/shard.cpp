#include "run/shard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <numeric>

namespace stagegate {

namespace {

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

bool read_number(std::string_view text, unsigned& out) {
    if (text.empty() || text.size() > 4)
        return false;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size();
}

} // namespace

std::expected<Shard, std::string> parse_shard(std::string_view text) {
    auto slash = text.find('/');
    Shard shard;
    if (slash == std::string_view::npos || !read_number(text.substr(0, slash), shard.index) ||
        !read_number(text.substr(slash + 1), shard.count))
        return std::unexpected(fmt::format("--shard: expected K/N such as 2/4, got \"{}\"", text));
    if (shard.count < 1 || shard.count > 1000 || shard.index < 1 || shard.index > shard.count)
        return std::unexpected(
            fmt::format("--shard: {} is not a part of the suite; K must be between 1 and N (N at most 1000)", text));
    return shard;
}

std::string shard_key(const std::filesystem::path& file) {
    std::error_code ec;
    auto absolute = std::filesystem::weakly_canonical(file, ec);
    if (ec)
        return file.lexically_normal().generic_string();
    auto cwd = std::filesystem::current_path(ec);
    if (ec)
        return absolute.generic_string();
    auto relative = absolute.lexically_relative(cwd);
    return relative.empty() ? absolute.generic_string() : relative.generic_string();
}

std::vector<std::size_t> shard_selection(std::span<const std::string> keys, Shard shard) {
    std::vector<std::size_t> order(keys.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        auto ha = fnv1a(keys[a]);
        auto hb = fnv1a(keys[b]);
        return ha != hb ? ha < hb : (keys[a] != keys[b] ? keys[a] < keys[b] : a < b);
    });
    std::vector<std::size_t> mine;
    for (std::size_t rank = 0; rank < order.size(); ++rank)
        if (rank % shard.count == shard.index - 1)
            mine.push_back(order[rank]);
    std::sort(mine.begin(), mine.end());
    return mine;
}

} // namespace stagegate
