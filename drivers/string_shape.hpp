#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stagegate::detail {

// The outline of a connection string that the drivers' recognises() compare with their own forms,
// without reading the string whole.
struct StringShape {
    std::string head;                  // the first 16 characters, lower-cased ("jdbc:postgresql:" fits)
    std::optional<std::string> scheme; // lower-cased, before a "://" (letters, digits, + - .); none without one
    bool key_value_body = false;       // after the "://" comes a word and then '=' (SOCI's forms)
    bool has_equals = false;           // an '=' anywhere in the text
};

// Returns the outline of `text`.
StringShape shape_of(std::string_view text);

} // namespace stagegate::detail
