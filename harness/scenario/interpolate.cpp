#include "scenario/interpolate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

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

} // namespace

std::expected<Interpolated, InterpolationError> interpolate(const std::string& text, const Environment& env) {
    Interpolated out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$') {
            out.text += text[i];
            continue;
        }
        if (text.compare(i, 3, "$${") == 0) {
            out.text += "${";
            i += 2;
            continue;
        }
        if (i + 1 >= text.size() || text[i + 1] != '{') {
            out.text += '$';
            continue;
        }
        auto close = text.find('}', i + 2);
        if (close == std::string::npos)
            return std::unexpected(InterpolationError{i, "unterminated ${...}: add the closing }"});
        std::string body = text.substr(i + 2, close - i - 2);
        auto dash = body.find(":-");
        std::string name = body.substr(0, dash);
        if (!valid_name(name))
            return std::unexpected(InterpolationError{
                i, fmt::format("invalid variable name \"{}\" in ${{{}}}: use letters, digits and _", name, body)});
        auto value = env(name);
        if (!value && dash == std::string::npos)
            return std::unexpected(InterpolationError{
                i,
                fmt::format("environment variable {} is not set: export it, or write ${{{}:-default}}", name, name)});
        bool use_default = dash != std::string::npos && (!value || value->empty()); // as the shell's :-
        std::string chosen = use_default ? body.substr(dash + 2) : *value;
        if (looks_secret(name) && !chosen.empty())
            out.secrets.push_back(chosen);
        out.text += chosen;
        i = close;
    }
    return out;
}

} // namespace stagegate
