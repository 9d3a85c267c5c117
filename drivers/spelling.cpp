#include "stagegate/spelling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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
    std::string joined;
    for (const auto& n : names)
        joined += (joined.empty() ? "" : ", ") + n;
    return fmt::format("did you mean {} or {}?", joined, last);
}

} // namespace stagegate
