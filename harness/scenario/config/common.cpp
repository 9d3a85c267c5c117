#include "scenario/config/common.hpp"

#include "util/input_file.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace stagegate::config {

namespace {

// Suggestions compare at most this many character pairs (key by path) in all: the paths' count
// alone does not bound the work when the key or the paths are long.
constexpr std::size_t k_max_spelling_work = 5'000'000;

} // namespace

std::string where(const std::filesystem::path& file, int line) {
    return line > 0 ? fmt::format("{}:{}", file.string(), line) : file.string();
}

int line_at(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::expected<std::string, std::string> read_text(const std::filesystem::path& file) {
    auto text = read_input_file(file);
    if (!text)
        return Failed(fmt::format("{}: cannot read the file: {}", file.string(), text.error().reason));
    if (text->starts_with("\xEF\xBB\xBF"))
        text->erase(0, 3);
    return std::move(*text);
}

std::vector<std::string> split_path(std::string_view key) {
    std::vector<std::string> segments(1);
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '\\' && i + 1 < key.size() && (key[i + 1] == '.' || key[i + 1] == '\\'))
            segments.back() += key[++i];
        else if (key[i] == '.')
            segments.emplace_back();
        else
            segments.back() += key[i];
    }
    return segments;
}

std::string child_path(const std::string& parent, std::string_view child) {
    return parent.empty() ? std::string(child) : parent + "." + std::string(child);
}

std::optional<std::size_t> list_index(std::string_view segment) {
    std::size_t index = 0;
    auto [end, error] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
    if (segment.empty() || error != std::errc() || end != segment.data() + segment.size())
        return std::nullopt;
    return index;
}

std::string listed(const std::vector<std::string>& names) {
    if (names.empty())
        return {};
    if (names.size() == 1)
        return fmt::format("did you mean {}?", names.front());
    std::span<const std::string> head(names.data(), names.size() - 1);
    return fmt::format("did you mean {} or {}?", join(head, ", "), names.back());
}

std::vector<std::string> children(const std::string& parent, std::span<const std::string> known) {
    std::vector<std::string> found;
    std::string prefix = parent + ".";
    for (const auto& path : known) {
        bool direct = path.starts_with(prefix) && path.find('.', prefix.size()) == std::string::npos;
        if (found.size() < 3 && direct && std::find(found.begin(), found.end(), path) == found.end())
            found.push_back(path);
    }
    return found;
}

// The closest spellings of `key`, only those as close as the best: in long dot paths many keys
// are within closest()'s reach, and siblings of the right key are no help.
std::vector<std::string> best_spellings(const std::string& key, std::span<const std::string> known) {
    std::size_t compared = 0;
    for (std::size_t work = 0; compared < known.size(); ++compared) {
        work += (key.size() + 1) * (known[compared].size() + 1);
        if (work > k_max_spelling_work)
            break;
    }
    auto names = closest(key, known.first(compared));
    if (names.empty())
        return names;
    auto best = edit_distance(key, names.front());
    std::erase_if(names, [&](const std::string& name) { return edit_distance(key, name) > best; });
    return names;
}

std::string suggestion(const std::string& key, std::span<const std::string> known) {
    if (auto below = children(key, known); !below.empty())
        return listed(below);
    return listed(best_spellings(key, known));
}

Failed no_key(const std::filesystem::path& file, const std::string& key, const std::string& hint) {
    return Failed(fmt::format("{} has no key {}{}", file.string(), key, hint.empty() ? "" : "; " + hint));
}

} // namespace stagegate::config
