#include "run/mutations.hpp"

#include "util/redactor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <string_view>
#include <utility>

namespace stagegate {

namespace {

constexpr std::size_t k_none = std::string_view::npos;

// U+200B ZERO WIDTH SPACE in UTF-8: what copying a URL out of a chat or a document can bring along.
constexpr std::string_view k_zero_width_space = "\xE2\x80\x8B";

bool is_blank(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// The only setting of `field`: none when the string sets it nowhere, or twice (which one the
// client reads is not certain).
const LayoutSetting* only(const StringLayout& layout, std::string_view field) {
    const LayoutSetting* found = nullptr;
    for (const auto& setting : layout.settings) {
        if (setting.field != field)
            continue;
        if (found)
            return nullptr;
        found = &setting;
    }
    return found;
}

// --- Mutants ------------------------------------------------------------------------------------

std::string edited(std::string_view text, std::size_t at, std::size_t size, std::string_view with) {
    std::string out(text);
    out.replace(at, size, with);
    return out;
}

std::string raw(std::string_view text, const TextUnit& unit) {
    return std::string(text.substr(unit.at, unit.size));
}

bool is_vowel(char c) {
    return std::string_view("aeiouAEIOU").find(c) != k_none;
}

// Where a typo lands in a value: the first vowel after the first character (realistic: fingers
// rarely miss a word's first letter), else the middle character.
std::size_t typo_position(const TextSpan& value) {
    for (std::size_t i = 1; i < value.units.size(); ++i) {
        if (is_vowel(value.units[i].value))
            return i;
    }
    return value.units.size() / 2;
}

// Which pair a swap exchanges (returns its first index): the typo's character with the letter or
// digit before it, else with the character after it, else with any character before it; k_none
// when every neighbour is the same character. Fingers swap letters within a word, not across a dot.
std::size_t swap_position(const TextSpan& value, std::size_t p) {
    const auto& units = value.units;
    auto differs = [&](std::size_t i) { return units[i].value != units[p].value; };
    if (p > 0 && differs(p - 1) && std::isalnum(static_cast<unsigned char>(units[p - 1].value)))
        return p - 1;
    if (p + 1 < units.size() && differs(p + 1))
        return p;
    return p > 0 && differs(p - 1) ? p - 1 : k_none;
}

// Where a parameter name is misspelled: one letter of its first doubled pair, else as a value.
std::size_t misspelling_position(const TextSpan& name) {
    for (std::size_t i = 0; i + 1 < name.units.size(); ++i) {
        if (std::isalpha(static_cast<unsigned char>(name.units[i].value)) &&
            name.units[i].value == name.units[i + 1].value)
            return i;
    }
    return typo_position(name);
}

// What to check when a mutant of `field` survives. `weaker` names the TLS mode a downgrade
// leaves ("require", "PREFERRED", "" when TLS is gone).
std::string advice(std::string_view field, const ParsedCandidate& parsed, std::string_view weaker = "") {
    if (field == "host")
        return "a misspelled host still reached the database: keep answers_as to the exact names the application "
               "uses, so any other name fails as dns";
    if (field == "port")
        return "a wrong port still reached the database: give answers_as the port the application uses "
               "(host:port), so any other port fails as refused";
    if (field == "user")
        return "a `privileges` or `query` check that only the intended role passes";
    if (field == "database")
        return "a `query` check against a table only the right database has";
    if (field == "password")
        return parsed.protocol == "postgresql"
                   ? "the server let a wrong password in: the scenario's access rules trust this login; require "
                     "password auth (pg_hba md5/scram) in the scenario"
                   : "the server let a wrong password in: the account takes any password; create it IDENTIFIED BY "
                     "its password in the scenario's setup";
    if (field == "tls") {
        std::string mode = lower(weaker);
        if (mode == "require" || mode == "required")
            return "a downgrade to TLS without a certificate check goes unseen: set "
                   "database.tls.clients_must_verify, so a string that skips the name check fails as tls";
        if (mode == "prefer" || mode == "preferred")
            return "a server that offers TLS hides this downgrade (the weaker mode still encrypts): add a `tls` "
                   "check and a scenario whose server offers no TLS, where only the intended string fails";
        return "add a `tls` check (the session must negotiate TLS), or set database.access.require_tls so the "
               "server refuses plaintext";
    }
    if (field == "string")
        return "the client ignored a trailing space: harmless here, but test the string as its config file ships "
               "it (from.file), where a loader may keep the space";
    if (field == "invisible")
        return "a host with an invisible U+200B still reached the database: keep answers_as to the exact names, "
               "or set database.tls.clients_must_verify so the certificate's name check compares it byte for byte";
    if (field == "scheme")
        return "the client read a misspelled scheme as its own: a `query` check that proves the session reached "
               "the intended database as the intended role";
    return "the client ignores unknown parameters: a `setting` check on the parameter's effect";
}

// host, user or database: one character dropped, doubled, or swapped with its neighbour.
void add_typos(std::vector<Mutant>& out, const std::string& text, const StringLayout& layout, std::string_view field,
               const ParsedCandidate& parsed) {
    const LayoutSetting* setting = only(layout, field);
    if (!setting || setting->value.units.empty())
        return;
    const auto& units = setting->value.units;
    std::string before = setting->value.value();
    std::size_t p = typo_position(setting->value);
    auto add = [&](std::string_view kind, std::string mutated, std::string after) {
        if (after.empty())
            return;
        out.push_back({fmt::format("{}-{}", field, kind), std::string(field),
                       fmt::format("{} {} → {}", field, before, after), std::move(mutated), advice(field, parsed)});
    };
    add("drop", edited(text, units[p].at, units[p].size, ""), edited(before, p, 1, ""));
    add("double", edited(text, units[p].at, 0, raw(text, units[p])), edited(before, p, 0, before.substr(p, 1)));
    std::size_t q = swap_position(setting->value, p);
    if (q != k_none) {
        std::string swapped = before;
        std::swap(swapped[q], swapped[q + 1]);
        add("swap",
            edited(text, units[q].at, units[q].size + units[q + 1].size, raw(text, units[q + 1]) + raw(text, units[q])),
            swapped);
    }
}

void add_port(std::vector<Mutant>& out, const std::string& text, const StringLayout& layout,
              const ParsedCandidate& parsed) {
    const LayoutSetting* setting = only(layout, "port");
    if (!setting)
        return;
    std::string port = setting->value.value();
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || port.front() == '-' || port.front() == '+')
        return;
    auto add = [&](std::string_view kind, const std::string& after) {
        out.push_back({std::string(kind), "port", fmt::format("port {} → {}", port, after),
                       edited(text, setting->value.begin, setting->value.end - setting->value.begin, after),
                       advice("port", parsed)});
    };
    add("port-plus-one", std::to_string(number + 1));
    if (number > 0)
        add("port-minus-one", std::to_string(number - 1));
    auto pair = std::adjacent_find(port.begin(), port.end(), std::not_equal_to<>());
    if (pair != port.end()) {
        std::string transposed = port;
        std::size_t i = pair - port.begin();
        std::swap(transposed[i], transposed[i + 1]);
        add("port-transpose", transposed);
    }
}

char next_in_class(char c) {
    return c == 'z' ? 'a' : c == 'Z' ? 'A' : c == '9' ? '0' : static_cast<char>(c + 1);
}

// The last letter or digit moved on by one; a password with neither gets its last character replaced.
void add_password(std::vector<Mutant>& out, const std::string& text, const StringLayout& layout,
                  const ParsedCandidate& parsed) {
    const LayoutSetting* setting = only(layout, "password");
    if (!setting || setting->value.units.empty())
        return;
    const auto& units = setting->value.units;
    auto last = std::find_if(units.rbegin(), units.rend(),
                             [](const TextUnit& unit) { return std::isalnum(static_cast<unsigned char>(unit.value)); });
    const TextUnit& unit = last == units.rend() ? units.back() : *last;
    char next = last == units.rend() ? 'x' : next_in_class(unit.value);
    out.push_back({"password-wrong", "password", "password changed by one character",
                   edited(text, unit.at, unit.size, std::string(1, next)), advice("password", parsed)});
}

// Removes a whole setting with the blanks before it (after it, when it comes first).
std::string without(std::string_view text, const LayoutSetting& setting) {
    std::size_t begin = setting.key_span ? setting.key_span->begin : setting.value.begin;
    std::size_t end = setting.end;
    if (begin > 0 && is_blank(text[begin - 1])) {
        while (begin > 0 && is_blank(text[begin - 1]))
            --begin;
    } else {
        while (end < text.size() && is_blank(text[end]))
            ++end;
    }
    return edited(text, begin, end - begin, "");
}

void add_tls(std::vector<Mutant>& out, const std::string& text, const StringLayout& layout,
             const ParsedCandidate& parsed) {
    bool set = std::any_of(layout.settings.begin(), layout.settings.end(),
                           [](const LayoutSetting& setting) { return setting.field == "tls"; });
    const LayoutSetting* setting = only(layout, "tls");
    const auto& when = layout.tls.added_when;
    bool weakens = when.empty() || std::any_of(when.begin(), when.end(),
                                               [&](std::string_view key) { return parsed.get(key).has_value(); });
    if (!set && weakens && !layout.tls.added_key.empty() && layout.add_at != StringLayout::k_no_place) {
        std::string added = fmt::format("{}={}", layout.tls.added_key, layout.tls.added_value);
        out.push_back({"tls-downgrade", std::string(layout.tls.added_key),
                       fmt::format("{} added (the string set no {})", added, layout.tls.added_key),
                       edited(text, layout.add_at, 0, layout.separator + added),
                       advice("tls", parsed, layout.tls.added_value)});
        return;
    }
    if (!setting)
        return;
    if (layout.tls.steps.empty() && setting->key_span) {
        out.push_back({"tls-downgrade", setting->key,
                       fmt::format("{} removed: the session goes plaintext", setting->key), without(text, *setting),
                       advice("tls", parsed)});
        return;
    }
    std::string mode = setting->value.value();
    for (const auto& step : layout.tls.steps) {
        if (layout.tls.any_case ? lower(step.from) != lower(mode) : step.from != mode)
            continue;
        bool lower_case = layout.tls.any_case && mode == lower(mode);
        std::string to = lower_case ? lower(step.to) : std::string(step.to);
        out.push_back({"tls-downgrade", setting->key, fmt::format("{} {} → {}", setting->key, mode, to),
                       edited(text, setting->value.begin, setting->value.end - setting->value.begin, to),
                       advice("tls", parsed, to)});
        return;
    }
}

bool is_secret(const ParsedCandidate& parsed, std::string_view key) {
    return std::any_of(parsed.parameters.begin(), parsed.parameters.end(),
                       [&](const Parameter& parameter) { return parameter.secret && parameter.key == key; });
}

void add_misspelled(std::vector<Mutant>& out, const std::string& text, const StringLayout& layout,
                    const ParsedCandidate& parsed) {
    auto plain = std::find_if(layout.settings.begin(), layout.settings.end(), [&](const LayoutSetting& setting) {
        return setting.field.empty() && setting.key_span && setting.key_span->units.size() > 1 &&
               !is_secret(parsed, setting.key);
    });
    if (plain == layout.settings.end())
        return;
    const TextSpan& name = *plain->key_span;
    std::size_t p = misspelling_position(name);
    out.push_back({"param-misspelled", plain->key,
                   fmt::format("parameter {} → {}", plain->key, edited(plain->key, p, 1, "")),
                   edited(text, name.units[p].at, name.units[p].size, ""), advice("param", parsed)});
}

// U+200B at the end of the host's first label (before its first dot), or at its end.
void add_invisible(std::vector<Mutant>& out, const std::string& text, const StringLayout& layout,
                   const ParsedCandidate& parsed) {
    const LayoutSetting* host = only(layout, "host");
    if (!host || host->value.units.empty())
        return;
    const auto& units = host->value.units;
    auto dot = std::find_if(units.begin(), units.end(), [](const TextUnit& unit) { return unit.value == '.'; });
    std::size_t at = dot == units.end() ? host->value.end : dot->at;
    out.push_back({"invisible-char", "host", "U+200B (zero-width space) inside host",
                   edited(text, at, 0, k_zero_width_space), advice("invisible", parsed)});
}

void add_scheme(std::vector<Mutant>& out, const std::string& text, const StringLayout& layout,
                const ParsedCandidate& parsed) {
    if (!layout.scheme || layout.scheme->units.size() < 2)
        return;
    const TextSpan& scheme = *layout.scheme;
    std::string before = scheme.value();
    std::string after = before;
    std::swap(after[after.size() - 2], after[after.size() - 1]);
    out.push_back({"scheme-typo", "scheme", fmt::format("scheme {}:// → {}://", before, after),
                   edited(text, scheme.begin, scheme.end - scheme.begin, after), advice("scheme", parsed)});
}

// Masks every secret in what a person reads, drops mutants equal to the string or to an earlier one.
std::vector<Mutant> finished(std::vector<Mutant> all, const ParsedCandidate& parsed, const std::string& text) {
    Redactor redactor;
    for (const auto& secret : parsed.secrets)
        redactor.add(secret);
    std::vector<Mutant> kept;
    for (auto& mutant : all) {
        bool seen = mutant.text == text || std::any_of(kept.begin(), kept.end(),
                                                       [&](const Mutant& other) { return other.text == mutant.text; });
        if (seen)
            continue;
        mutant.description = redactor.apply(mutant.description);
        mutant.catches = redactor.apply(mutant.catches);
        kept.push_back(std::move(mutant));
    }
    return kept;
}

} // namespace

std::expected<std::vector<Mutant>, std::string> mutate(const Driver& driver, const ParsedCandidate& parsed,
                                                       const std::string& text) {
    if (!driver.has(Capability::string_layout))
        return std::unexpected(
            fmt::format("driver {} does not say where the values stand in its strings", driver.name()));
    auto layout = driver.layout(text);
    if (!layout || text.empty())
        return std::vector<Mutant>{};
    std::vector<Mutant> all;
    add_typos(all, text, *layout, "host", parsed);
    add_port(all, text, *layout, parsed);
    add_typos(all, text, *layout, "user", parsed);
    add_typos(all, text, *layout, "database", parsed);
    add_password(all, text, *layout, parsed);
    add_tls(all, text, *layout, parsed);
    add_misspelled(all, text, *layout, parsed);
    all.push_back(
        {"trailing-space", "string", "trailing space after the string", text + " ", advice("string", parsed)});
    add_invisible(all, text, *layout, parsed);
    add_scheme(all, text, *layout, parsed);
    return finished(std::move(all), parsed, text);
}

} // namespace stagegate
