#include "util/redactor.hpp"

#include "stagegate/secret_fields.hpp"
#include "util/text.hpp"

#include <algorithm>

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

// Base64 shorter than this is not looked for inside longer base64: it would match by chance.
constexpr std::size_t k_shortest_base64 = 6;

// The base64 forms of `bytes`: standalone (padded or not, either alphabet), and for each of the
// three offsets it may have inside a longer encoded text, the characters that only its own bytes
// decide (an offset of k bytes shifts its bits by 8k, so the first and last characters mix with
// neighbouring bytes).
std::vector<std::string> base64_forms(std::string_view bytes) {
    std::vector<std::string> forms;
    for (bool url_safe : {false, true}) {
        forms.push_back(base64_encode(bytes, url_safe, true));
        for (std::size_t offset = 0; offset < 3; ++offset) {
            std::string shifted = std::string(offset, '\0') + std::string(bytes);
            std::string encoded = base64_encode(shifted, url_safe, false);
            std::size_t first = (8 * offset + 5) / 6;
            std::size_t end = 8 * shifted.size() / 6;
            if (end > first && end - first >= k_shortest_base64)
                forms.push_back(encoded.substr(first, end - first));
        }
    }
    return forms;
}

} // namespace

void Redactor::add(std::string_view secret) {
    if (secret.empty())
        return;
    std::vector<std::string> forms{std::string(secret),           percent_encode(secret, true),
                                   percent_encode(secret, false), form_encoded(secret, true),
                                   form_encoded(secret, false),   escaped(secret, "'\\", "\\"),
                                   escaped(secret, "\"\\", "\\"), xml_escaped(secret)};
    // A secret inside a URI or JSON that is itself base64-encoded (a Kubernetes Secret's data).
    for (const auto& form : {std::string(secret), percent_encode(secret, true), escaped(secret, "\"\\", "\\")}) {
        auto encoded = base64_forms(form);
        forms.insert(forms.end(), encoded.begin(), encoded.end());
    }
    std::lock_guard lock(m_mutex);
    for (auto& form : forms) {
        if (std::find(m_forms.begin(), m_forms.end(), form) == m_forms.end())
            m_forms.push_back(std::move(form));
    }
    std::stable_sort(m_forms.begin(), m_forms.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::apply(std::string_view text) const {
    std::lock_guard lock(m_mutex);
    return masked(std::string(text), m_forms, k_mask);
}

} // namespace stagegate
