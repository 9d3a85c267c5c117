#include "util/redactor.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <cctype>

namespace stagegate {

namespace {

std::string escaped(std::string_view secret, std::string_view specials, std::string_view escape) {
    std::string out;
    for (char c : secret) {
        if (specials.find(c) != std::string_view::npos)
            out += escape;
        out += c;
    }
    return out;
}

std::string form_encoded(std::string_view secret, bool upper_hex) {
    std::string out = percent_encode(secret, upper_hex);
    for (std::size_t at = out.find("%20"); at != std::string::npos; at = out.find("%20", at))
        out.replace(at, 3, "+");
    return out;
}

} // namespace

void Redactor::add(std::string_view secret) {
    if (secret.empty())
        return;
    std::vector<std::string> forms{std::string(secret),           percent_encode(secret, true),
                                   percent_encode(secret, false), form_encoded(secret, true),
                                   form_encoded(secret, false),   escaped(secret, "'\\", "\\"),
                                   escaped(secret, "\"\\", "\\"), xml_escaped(secret)};
    std::lock_guard lock(m_mutex);
    for (auto& form : forms) {
        if (std::find(m_forms.begin(), m_forms.end(), form) == m_forms.end())
            m_forms.push_back(std::move(form));
    }
    std::stable_sort(m_forms.begin(), m_forms.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::apply(std::string_view text) const {
    std::string out(text);
    std::lock_guard lock(m_mutex);
    auto is_word = [&](std::size_t at) {
        return at < out.size() && std::isalnum(static_cast<unsigned char>(out[at])) != 0;
    };
    for (const auto& form : m_forms) {
        for (auto at = out.find(form); at != std::string::npos;) {
            bool whole = !(at > 0 && is_word(at - 1)) && !is_word(at + form.size());
            if (form.size() >= k_short || whole) {
                out.replace(at, form.size(), k_mask);
                at = out.find(form, at + k_mask.size());
            } else {
                at = out.find(form, at + 1);
            }
        }
    }
    return out;
}

} // namespace stagegate
