#include "string_shape.hpp"

#include <algorithm>
#include <cctype>

namespace stagegate::detail {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

} // namespace

StringShape shape_of(std::string_view text) {
    StringShape shape;
    shape.head = lower(text.substr(0, std::min<std::size_t>(text.size(), 16)));
    shape.has_equals = text.find('=') != std::string_view::npos;
    auto scheme_end = text.find("://");
    bool has_scheme = scheme_end != std::string_view::npos && scheme_end > 0 &&
                      std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(scheme_end),
                                  [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; });
    if (!has_scheme)
        return shape;
    shape.scheme = lower(text.substr(0, scheme_end));
    std::string_view rest = text.substr(scheme_end + 3);
    auto word_end =
        std::find_if(rest.begin(), rest.end(), [](unsigned char c) { return !std::isalnum(c) && c != '_'; });
    shape.key_value_body = word_end != rest.begin() && word_end != rest.end() && *word_end == '=';
    return shape;
}

} // namespace stagegate::detail
