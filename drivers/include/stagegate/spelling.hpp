#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

// Suggestions for misspelled names, shared by drivers (option names) and the harness (keys, hosts).
namespace stagegate {

// Returns the Levenshtein distance between `a` and `b`, compared case-insensitively.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Returns the names in `known` closest to `name` (distance at most max(2, len/3)), best first.
std::vector<std::string> closest(std::string_view name, std::span<const std::string> known);

// Returns ", did you mean X?" / " (did you mean X or Y?)"-style text, or "" with no suggestion.
std::string did_you_mean(std::string_view name, std::span<const std::string> known);

} // namespace stagegate
