#include "scenario/interpolate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace stagegate {

bool looks_secret(const std::string& name) {
    static constexpr std::array<std::string_view, 7> k_words{"PASSWORD", "PASSWD", "PASS", "PWD",
                                                             "SECRET",   "TOKEN",  "KEY"};
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    return std::any_of(k_words.begin(), k_words.end(),
                       [&](std::string_view word) { return upper.find(word) != std::string::npos; });
}

namespace {

bool valid_name(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())))
        return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// Returns the `}` that closes the reference whose body starts at `from`, counting nested ${...}.
std::size_t closing_brace(const std::string& text, std::size_t from) {
    int depth = 0;
    for (std::size_t i = from; i < text.size(); ++i) {
        if (text.compare(i, 2, "${") == 0) {
            ++depth;
            ++i;
        } else if (text[i] == '}' && depth-- == 0) {
            return i;
        }
    }
    return std::string::npos;
}

class Interpolation {
  public:
    explicit Interpolation(const Environment& env) : m_env(env) {}

    // Expands `text` (a whole value, or a default nested `depth` references deep) onto m_out.
    std::optional<InterpolationError> expand(const std::string& text, std::size_t offset, int depth) {
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text.compare(i, 3, "$${") == 0) {
                m_out.text += "${";
                i += 2;
                continue;
            }
            if (text.compare(i, 2, "${") != 0) {
                m_out.text += text[i];
                continue;
            }
            auto close = closing_brace(text, i + 2);
            if (close == std::string::npos)
                return InterpolationError{offset + i, "unterminated ${...}: add the closing }"};
            if (auto error = reference(text.substr(i + 2, close - i - 2), offset + i, depth))
                return error;
            if (m_out.text.size() > k_max_interpolated_bytes)
                return InterpolationError{offset + i, fmt::format("the text grows beyond {} MiB once ${{...}} are "
                                                                  "replaced: use fewer or shorter variables",
                                                                  k_max_interpolated_bytes / (1024 * 1024))};
            i = close;
        }
        return std::nullopt;
    }

    Interpolated take() { return std::move(m_out); }

  private:
    // Appends the value of one reference, ${NAME} or ${NAME:-default}; `body` is what is inside.
    std::optional<InterpolationError> reference(const std::string& body, std::size_t at, int depth) {
        auto dash = body.find(":-");
        std::string name = body.substr(0, dash);
        if (!valid_name(name))
            return InterpolationError{
                at, fmt::format("invalid variable name \"{}\" in ${{{}}}: use letters, digits and _", name, body)};
        auto value = m_env(name);
        if (!value && dash == std::string::npos)
            return InterpolationError{
                at,
                fmt::format("environment variable {} is not set: export it, or write ${{{}:-default}}", name, name)};
        if (dash == std::string::npos || (value && !value->empty())) { // as the shell's :-
            add(name, *value);
            return std::nullopt;
        }
        if (depth >= k_max_nesting)
            return InterpolationError{
                at, fmt::format("defaults nest more than {} deep: write a plain default", k_max_nesting)};
        std::size_t start = m_out.text.size();
        if (auto error = expand(body.substr(dash + 2), at + 2 + dash + 2, depth + 1))
            return error;
        if (looks_secret(name) && m_out.text.size() > start)
            m_out.secrets.push_back(m_out.text.substr(start));
        return std::nullopt;
    }

    void add(const std::string& name, const std::string& value) {
        if (looks_secret(name) && !value.empty())
            m_out.secrets.push_back(value);
        m_out.text += value;
    }

    const Environment& m_env;
    Interpolated m_out;
};

} // namespace

std::expected<Interpolated, InterpolationError> interpolate(const std::string& text, const Environment& env) {
    Interpolation interpolation(env);
    if (auto error = interpolation.expand(text, 0, 0))
        return std::unexpected(*error);
    return interpolation.take();
}

} // namespace stagegate
