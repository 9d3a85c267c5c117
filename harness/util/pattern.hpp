#pragma once

#include <cstddef>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace stagegate {

// A regular expression from a scenario (`expect_match`), in RE2 syntax: matching takes time
// linear in the text and a bounded stack, whatever the pattern and the value.
class Pattern {
  public:
    // The longest pattern accepted, in bytes.
    static constexpr std::size_t k_max_length = 4096;

    // Compiles `text`. Fails with one line naming what is wrong and what to write instead: a
    // pattern longer than k_max_length, one RE2 refuses (syntax, or larger than its memory
    // budget once compiled), or one using ECMAScript features RE2 lacks (backreferences,
    // lookaround).
    static std::expected<Pattern, std::string> compile(std::string_view text);

    // Returns true when some part of `value` matches (a search, as ECMAScript's test: anchor
    // with ^...$ for a whole-value match).
    bool found_in(std::string_view value) const;

    // Returns the pattern as written.
    const std::string& text() const { return m_text; }

  private:
    Pattern(std::string text, std::shared_ptr<const re2::RE2> compiled)
        : m_text(std::move(text)), m_compiled(std::move(compiled)) {}

    std::string m_text;
    std::shared_ptr<const re2::RE2> m_compiled; // shared: a Check is copied per trial
};

} // namespace stagegate
