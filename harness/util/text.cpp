#include "util/text.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <numeric>

namespace stagegate {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::vector<std::string> closest(std::string_view name, std::span<const std::string> known) {
    std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
    std::vector<std::pair<std::size_t, std::string>> ranked;
    for (const auto& candidate : known) {
        std::size_t distance = edit_distance(name, candidate);
        if (distance <= limit && candidate != name)
            ranked.emplace_back(distance, candidate);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::string> names;
    for (auto& [distance, candidate] : ranked) {
        if (std::find(names.begin(), names.end(), candidate) == names.end())
            names.push_back(candidate);
    }
    if (names.size() > 3)
        names.resize(3);
    return names;
}

std::string did_you_mean(std::string_view name, std::span<const std::string> known) {
    auto names = closest(name, known);
    if (names.empty())
        return {};
    if (names.size() == 1)
        return fmt::format("did you mean {}?", names[0]);
    std::string last = names.back();
    names.pop_back();
    return fmt::format("did you mean {} or {}?", join(names, ", "), last);
}

std::string join(std::span<const std::string> items, std::string_view separator) {
    std::string joined;
    for (const auto& item : items) {
        if (!joined.empty())
            joined += separator;
        joined += item;
    }
    return joined;
}

std::string_view trim(std::string_view text) {
    auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string percent_encode(std::string_view text, bool upper_hex) {
    std::string encoded;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            encoded += static_cast<char>(c);
        else
            encoded += upper_hex ? fmt::format("%{:02X}", c) : fmt::format("%{:02x}", c);
    }
    return encoded;
}

} // namespace stagegate
