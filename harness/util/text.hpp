#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stagegate/spelling.hpp"

namespace stagegate {

// Returns `items` joined by `separator`.
std::string join(std::span<const std::string> items, std::string_view separator);

// Returns `text` without leading and trailing whitespace.
std::string_view trim(std::string_view text);

// Returns `text` percent-encoded the way URIs need it (unreserved characters kept).
std::string percent_encode(std::string_view text, bool upper_hex = true);

} // namespace stagegate
