#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate {

// Returns the Levenshtein distance between `a` and `b`, compared case-insensitively.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Returns the names in `known` closest to `name` (distance at most max(2, len/3)), best first.
std::vector<std::string> closest(std::string_view name, std::span<const std::string> known);

// Returns ", did you mean X?" / " (did you mean X or Y?)"-style text, or "" with no suggestion.
std::string did_you_mean(std::string_view name, std::span<const std::string> known);

// Returns `items` joined by `separator`.
std::string join(std::span<const std::string> items, std::string_view separator);

// Returns `text` without leading and trailing whitespace.
std::string_view trim(std::string_view text);

// Returns `text` percent-encoded the way URIs need it (unreserved characters kept).
std::string percent_encode(std::string_view text, bool upper_hex = true);

} // namespace stagegate
