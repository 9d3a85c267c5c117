#pragma once

// A password that exercises every escaping rule, and every form it may take in text. The forms
// are written out by hand so the tests do not trust the code they check.

#include <array>
#include <string>
#include <string_view>

#include "run/outcome.hpp"

namespace stagegate::test {

inline constexpr std::string_view k_canary = R"(Can@ry:p/ss w%rd'"\<&>)";

struct CanaryForm {
    std::string_view name;
    std::string_view text;
};

inline constexpr std::array<CanaryForm, 8> k_canary_forms{{
    {"raw", R"(Can@ry:p/ss w%rd'"\<&>)"},
    {"percent-encoded, upper hex", "Can%40ry%3Ap%2Fss%20w%25rd%27%22%5C%3C%26%3E"},
    {"percent-encoded, lower hex", "Can%40ry%3ap%2fss%20w%25rd%27%22%5c%3c%26%3e"},
    {"form-encoded, upper hex", "Can%40ry%3Ap%2Fss+w%25rd%27%22%5C%3C%26%3E"},
    {"form-encoded, lower hex", "Can%40ry%3ap%2fss+w%25rd%27%22%5c%3c%26%3e"},
    {"backslash-escaped for libpq '...'", R"(Can@ry:p/ss w%rd\'"\\<&>)"},
    {"backslash-escaped for \"...\"", R"(Can@ry:p/ss w%rd'\"\\<&>)"},
    {"XML-escaped", R"(Can@ry:p/ss w%rd&apos;&quot;\&lt;&amp;&gt;)"},
}};

// Returns the name of the first canary form found in `text`, or "" when there is none.
inline std::string canary_form_in(std::string_view text) {
    for (const auto& form : k_canary_forms) {
        if (text.find(form.text) != std::string_view::npos)
            return std::string(form.name);
    }
    return {};
}

// Returns `run` as the executor hands it to reporters: through the secrets boundary (redact()).
inline RunOutcome redacted(RunOutcome run, const Redactor& redactor) {
    redact(run, redactor);
    return run;
}

} // namespace stagegate::test
