#pragma once

#include "stagegate/string_layout.hpp"

#include <span>
#include <string_view>

namespace stagegate::detail {

// What the helpers below share between the drivers' layout readers (each driver's layout.cpp).

// A key of a client's strings and the field it sets: host, port, user, database, password, tls
// or address.
struct KeyField {
    std::string_view key;
    std::string_view field;
};

// Returns whether `c` is a blank as the clients' readers see one (isspace).
bool is_blank(char c);

// Returns the bytes from `begin` to `end` of `text`, each one character of the value.
TextSpan plain_span(std::string_view text, std::size_t begin, std::size_t end);

// Returns a percent-encoded value: an escape is one character of the value.
TextSpan percent_span(std::string_view text, std::size_t begin, std::size_t end);

// Adds the setting `key` = `value` that ends at `end`, its field looked up in `keys`; of a host,
// port or address list, only the first item is kept.
void add_setting(StringLayout& layout, std::span<const KeyField> keys, const TextSpan& key, TextSpan value,
                 std::size_t end);

// Adds a part of a URI (no key in the text) when it holds a value.
void add_part(StringLayout& layout, std::string_view field, std::string_view key, TextSpan value);

// Reads a URI query (key=value&..., percent-encoded) from `at` up to `end`, and says how a
// setting is added to it.
void read_query(StringLayout& layout, std::span<const KeyField> keys, std::string_view text, std::size_t at,
                std::size_t end);

} // namespace stagegate::detail
