#include "stagegate/secret_fields.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace stagegate {

namespace {

constexpr std::array<std::string_view, 5> k_password_keys{"password", "passwd", "pass", "pwd", "sslpassword"};
constexpr std::string_view k_key_starts = " \t\r\n;&?,{(";
constexpr std::string_view k_piece_ends = "@/?#&,;: \t\r\n";
// Beyond this many cut points only the pieces between neighbouring ones are kept (the number of
// pieces grows with the square of the cut points).
constexpr std::size_t k_cut_points = 12;

bool is_blank(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Percent-decodes what decodes; a broken escape stays as written.
std::string percent_decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// A quoted value's text as a client unescapes it: backslash escapes and doubled quotes.
std::string unescaped(std::string_view inner, char quote) {
    std::string out;
    for (std::size_t i = 0; i < inner.size(); ++i) {
        if ((inner[i] == '\\' || (inner[i] == quote && quote != '}')) && i + 1 < inner.size())
            ++i;
        out += inner[i];
    }
    return out;
}

class Finder {
  public:
    explicit Finder(std::string_view text) : m_text(text) {}

    std::vector<std::string> find() {
        for (auto at = m_text.find("://"); at != std::string_view::npos; at = m_text.find("://", at + 3))
            userinfo(at + 3);
        for (std::size_t at = 0; at < m_text.size(); ++at) {
            if (at == 0 || k_key_starts.find(m_text[at - 1]) != std::string_view::npos)
                key_value(at);
        }
        return std::move(m_found);
    }

  private:
    void add(std::string_view value) {
        if (!value.empty() && std::find(m_found.begin(), m_found.end(), value) == m_found.end())
            m_found.emplace_back(value);
    }

    // Adds `value`, its percent-decoded form, and the pieces a client may cut it into.
    void add_value(std::string_view value) {
        add(value);
        add(percent_decoded(value));
        std::vector<std::size_t> cuts;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (k_piece_ends.find(value[i]) != std::string_view::npos)
                cuts.push_back(i);
        }
        auto piece = [&](std::size_t from, std::size_t to) {
            if (to > from + 1 && to - from < value.size())
                add(value.substr(from, to - from));
        };
        std::vector<std::size_t> starts{0};
        std::vector<std::size_t> ends;
        for (auto cut : cuts) {
            starts.push_back(cut + 1);
            ends.push_back(cut);
        }
        ends.push_back(value.size());
        bool all_pairs = cuts.size() <= k_cut_points;
        for (std::size_t i = 0; i < starts.size(); ++i) {
            for (std::size_t j = i; j < ends.size() && (all_pairs || j == i); ++j)
                piece(starts[i], ends[j]);
        }
    }

    // The authority after `scheme://` ends at the next `://` or at a blank before a key=value.
    std::size_t region_end(std::size_t start) const {
        std::size_t end = std::min(m_text.find("://", start), m_text.size());
        for (std::size_t i = start; i < end; ++i) {
            if (is_blank(m_text[i]) && starts_key(i + 1))
                return i;
        }
        return end;
    }

    bool starts_key(std::size_t at) const {
        std::size_t i = at;
        while (i < m_text.size() && (std::isalnum(static_cast<unsigned char>(m_text[i])) != 0 || m_text[i] == '_' ||
                                     m_text[i] == '-' || m_text[i] == '.'))
            ++i;
        std::size_t name_end = i;
        while (i < m_text.size() && (m_text[i] == ' ' || m_text[i] == '\t'))
            ++i;
        return name_end > at && i < m_text.size() && m_text[i] == '=';
    }

    void userinfo(std::size_t start) {
        std::string_view region = m_text.substr(start, region_end(start) - start);
        auto at = region.rfind('@');
        if (at != std::string_view::npos) {
            std::string_view info = region.substr(0, at);
            if (auto colon = info.find(':'); colon != std::string_view::npos)
                add_value(info.substr(colon + 1));
            return;
        }
        // No '@': `user:password` reads as `host:port`.
        std::string_view authority = region.substr(0, region.find_first_of("/?#"));
        std::string_view first = authority.substr(0, authority.find(','));
        if (first.starts_with('['))
            return;
        auto colon = first.find(':');
        if (colon == std::string_view::npos)
            return;
        std::string_view port = first.substr(colon + 1);
        if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
            add_value(port);
    }

    void key_value(std::size_t at) {
        for (auto key : k_password_keys) {
            if (!starts_with_nocase(m_text.substr(at), key))
                continue;
            std::size_t i = at + key.size();
            while (i < m_text.size() && (m_text[i] == ' ' || m_text[i] == '\t'))
                ++i;
            if (i >= m_text.size() || m_text[i] != '=')
                continue;
            ++i;
            while (i < m_text.size() && (m_text[i] == ' ' || m_text[i] == '\t'))
                ++i;
            value_at(i);
            return;
        }
    }

    void value_at(std::size_t at) {
        if (at >= m_text.size())
            return;
        char open = m_text[at];
        if (open == '\'' || open == '"' || open == '{') {
            quoted(at, open == '{' ? '}' : open);
            return;
        }
        std::size_t end = m_text.find_first_of(" \t\r\n;&", at);
        end = std::min(end, m_text.size());
        add_value(m_text.substr(at, end - at));
        // Words after the value up to the next key=value may be the rest of it.
        std::size_t rest_end = end;
        while (rest_end < m_text.size() && !starts_key(rest_end + 1)) {
            std::size_t next = std::min(m_text.find_first_of(" \t\r\n;&", rest_end + 1), m_text.size());
            add_value(m_text.substr(rest_end + 1, next - rest_end - 1));
            rest_end = next;
        }
        if (rest_end > end)
            add_value(m_text.substr(at, rest_end - at));
    }

    void quoted(std::size_t at, char close) {
        std::size_t i = at + 1;
        for (; i < m_text.size(); ++i) {
            if (m_text[i] == '\\' && close != '}') {
                ++i;
                continue;
            }
            if (m_text[i] == close) {
                if (i + 1 < m_text.size() && m_text[i + 1] == close) {
                    ++i;
                    continue;
                }
                break;
            }
        }
        std::string_view inner = m_text.substr(at + 1, std::min(i, m_text.size()) - at - 1);
        add_value(inner);
        add_value(unescaped(inner, close));
    }

    std::string_view m_text;
    std::vector<std::string> m_found;
};

bool is_word(std::string_view text, std::size_t at) {
    return at < text.size() && std::isalnum(static_cast<unsigned char>(text[at])) != 0;
}

} // namespace

std::vector<std::string> secret_fields(std::string_view text) {
    return Finder(text).find();
}

std::string masked(std::string text, std::span<const std::string> secrets, std::string_view mask) {
    for (const auto& secret : secrets) {
        for (auto at = text.find(secret); at != std::string::npos;) {
            bool whole = !(at > 0 && is_word(text, at - 1)) && !is_word(text, at + secret.size());
            if (secret.size() >= k_short_secret || whole) {
                text.replace(at, secret.size(), mask);
                at = text.find(secret, at + mask.size());
            } else {
                at = text.find(secret, at + 1);
            }
        }
    }
    return text;
}

std::string without_secret_fields(std::string message, std::string_view text) {
    auto secrets = secret_fields(text);
    std::stable_sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return masked(std::move(message), secrets, "***");
}

} // namespace stagegate
