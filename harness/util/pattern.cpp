#include "util/pattern.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

namespace stagegate {

namespace {

// RE2's compiled program for one pattern stays under this; a larger one is refused at load.
constexpr int64_t k_max_memory = 8 << 20;

// What to write instead, for the errors an ECMAScript pattern meets in RE2.
std::string_view advice(re2::RE2::ErrorCode code) {
    switch (code) {
    case re2::RE2::ErrorBadEscape:
        return "; RE2 has no backreferences (\\1): list the alternatives instead";
    case re2::RE2::ErrorBadPerlOp:
        return "; RE2 has no lookaround ((?=, (?!, (?<=, (?<!): match the text itself; a named group is "
               "written (?P<name>...)";
    case re2::RE2::ErrorRepeatSize:
    case re2::RE2::ErrorPatternTooLarge:
        return ": a repetition count is at most 1000 and the compiled pattern must stay small; write a shorter "
               "pattern";
    default:
        return "";
    }
}

} // namespace

std::expected<Pattern, std::string> Pattern::compile(std::string_view text) {
    if (text.size() > k_max_length)
        return std::unexpected(fmt::format("the pattern is {} bytes long, more than the {} allowed: write a shorter "
                                           "one",
                                           text.size(), k_max_length));
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(k_max_memory);
    auto compiled = std::make_shared<const re2::RE2>(re2::StringPiece(text.data(), text.size()), options);
    if (!compiled->ok())
        return std::unexpected(fmt::format("not a valid regular expression (RE2 syntax, see docs/scenario-format.md): "
                                           "{}{}",
                                           compiled->error(), advice(compiled->error_code())));
    return Pattern(std::string(text), std::move(compiled));
}

bool Pattern::found_in(std::string_view value) const {
    return re2::RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *m_compiled);
}

} // namespace stagegate
