#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate {

// Knows every secret of a run (candidate passwords, superuser passwords, secret environment
// values) and cuts each from text in every form it may take there: raw, percent-encoded
// (upper or lower hex, `+` for space), backslash-escaped as in libpq strings, JSON- or
// XML-escaped, and base64-encoded (standard and URL-safe alphabet, padded or not, alone or at any
// of the three byte offsets inside longer base64 text; of the raw, percent-encoded and
// JSON-escaped secret). Reports pass every string through it before writing. Thread-safe.
// A secret shorter than k_short_secret (stagegate/secret_fields.hpp) characters is cut only where
// it stands as a whole token (not next to a letter or digit), so a password "ex" does not turn "expected" into
// "********pected".
class Redactor {
  public:
    static constexpr std::string_view k_mask = "********";

    // Registers `secret`; empty strings are ignored.
    void add(std::string_view secret);
    // Returns `text` with every form of every registered secret replaced by the mask.
    std::string apply(std::string_view text) const;

  private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_forms; // longest first, so a secret inside another is cut whole
};

} // namespace stagegate
