#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate {

// Where each value of a connection string stands in its text, as the client reads it
// (Driver::layout). `drill` edits the text at these places to make its mutants, so a mutant
// differs from the string by exactly one typo in what the client reads.

// One character of a value as the client reads it, and the bytes of the text that write it.
struct TextUnit {
    std::size_t at = 0;   // offset in the text
    std::size_t size = 1; // 1; 3 for a percent escape; 2 for a backslash escape
    char value = 0;
};

// Where a value stands in the text, character by character.
struct TextSpan {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::vector<TextUnit> units;

    // Returns the value as the client reads it (escapes undone).
    std::string value() const;
};

// One setting the text writes.
struct LayoutSetting {
    std::string field;                // host, port, user, database, password, tls, address; "" for any other
    std::string key;                  // as the client reads it; for a URI part, the client's own key
    std::optional<TextSpan> key_span; // none for the parts of a URI
    TextSpan value;                   // of a host or port list, only the first item
    std::size_t end = 0;              // where the whole setting ends (after a closing quote)
};

// One step that weakens a client's TLS setting.
struct TlsDowngrade {
    std::string_view from;
    std::string_view to;
};

// How a client's TLS setting is weakened by one step.
struct TlsDowngradeRules {
    std::span<const TlsDowngrade> steps; // empty: the key asks for TLS by being there, and removing it downgrades
    bool any_case = false;               // values are read case-insensitively
    std::string_view added_key;          // written with added_value when the string sets no TLS key; "" = never
    std::string_view added_value;
    // Added only when the string sets one of these (none: always): without them the client asks
    // for no TLS anyway, and the mutant would be the same session.
    std::span<const std::string_view> added_when;
};

// A string's settings in text order, and how a setting is added to it.
struct StringLayout {
    static constexpr std::size_t k_no_place = std::string_view::npos;

    std::vector<LayoutSetting> settings;
    std::optional<TextSpan> scheme;  // the scheme (SOCI: the backend name), when the form has one
    std::size_t add_at = k_no_place; // where an added setting goes; k_no_place: the form takes none
    std::string separator;           // written before an added setting: "?", "&", " " or ""
    TlsDowngradeRules tls;
};

} // namespace stagegate
