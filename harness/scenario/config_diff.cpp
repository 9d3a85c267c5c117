#include "scenario/config_diff.hpp"

#include "stagegate/spelling.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace stagegate {

namespace {

using json = nlohmann::ordered_json; // keys in the order of the stagegate-diff/1 contract

constexpr std::string_view k_tls_field = "TLS";

// One field of one config: what is shown, and what decides whether two configs agree on it.
struct Field {
    std::string name;
    std::optional<std::string> shown;     // nothing when the string does not set it
    std::optional<std::string> effective; // what the client uses: the default port when none is written
    bool identity = false;
    bool secret = false;
    bool spelled = false; // typed by people (a name, not a number or a mode): edit distance helps
};

std::string_view intent_label(TlsIntent intent) {
    switch (intent) {
    case TlsIntent::not_applicable:
        return "no network";
    case TlsIntent::none:
        return "plaintext";
    case TlsIntent::opportunistic:
        return "TLS when the server offers it, server not verified";
    case TlsIntent::encrypted:
        return "TLS, server not verified";
    case TlsIntent::verify_ca:
        return "TLS, certificate chain verified";
    case TlsIntent::verify_full:
        return "TLS, certificate and host name verified";
    }
    return "";
}

std::string host_shown(const Endpoint& endpoint) {
    const std::string& host = endpoint.host;
    if (host.empty() && endpoint.hostaddr.empty())
        return "the client's default unix socket";
    if (host.empty())
        return endpoint.hostaddr;
    std::string shown =
        endpoint.unix_socket && (host.front() == '/' || host.front() == '@') ? "unix socket " + host : host;
    return endpoint.hostaddr.empty() ? shown : fmt::format("{} (at {})", shown, endpoint.hostaddr);
}

void add_destinations(std::vector<Field>& fields, const ParsedCandidate& parsed) {
    bool port_written = parsed.get("port").has_value();
    for (std::size_t i = 0; i < parsed.endpoints.size(); ++i) {
        const Endpoint& endpoint = parsed.endpoints[i];
        if (endpoint.file)
            continue;
        std::string suffix = i == 0 ? "" : fmt::format(" (destination {})", i + 1);
        std::string host = host_shown(endpoint);
        fields.push_back({"host" + suffix, host, host, true, false, true});
        std::string port = std::to_string(endpoint.port.value_or(parsed.default_port));
        fields.push_back({"port" + suffix, port_written ? port : port + " (default)", port, true, false, false});
    }
}

void add_tls(std::vector<Field>& fields, const ParsedCandidate& parsed, const FieldKeys& vocabulary) {
    if (parsed.tls == TlsIntent::not_applicable)
        return;
    std::string mode;
    std::string shown;
    if (vocabulary.tls_mode.empty()) {
        mode = shown = intent_label(parsed.tls);
    } else if (auto written = parsed.get(vocabulary.tls_mode)) {
        mode = shown = *written;
    } else {
        mode = vocabulary.tls_default;
        shown = mode.empty() ? "not set" : mode + " (default)";
    }
    std::string effective = fmt::format("{}|{}", mode, static_cast<int>(parsed.tls));
    fields.push_back({std::string(k_tls_field), shown, effective, true, false, false});
}

bool is_secret(const Parameter& parameter, const ParsedCandidate& parsed) {
    return parameter.secret ||
           std::find(parsed.secrets.begin(), parsed.secrets.end(), parameter.value) != parsed.secrets.end();
}

// The fields of one config: destinations, database, user and TLS first, then every other parameter.
std::vector<Field> fields_of(const ParsedCandidate& parsed, const FieldKeys& vocabulary) {
    std::vector<Field> fields;
    add_destinations(fields, parsed);
    auto database = parsed.get(vocabulary.database);
    fields.push_back({"database", database, database, true, false, true});
    auto user = parsed.get("user");
    fields.push_back({"user", user, user, true, false, true});
    add_tls(fields, parsed, vocabulary);
    for (const auto& parameter : parsed.parameters) {
        auto covered = std::find(vocabulary.identity.begin(), vocabulary.identity.end(), parameter.key);
        if (covered != vocabulary.identity.end())
            continue;
        bool secret = is_secret(parameter, parsed);
        std::string shown = secret ? std::string(Redactor::k_mask) : parameter.value;
        fields.push_back({parameter.key, shown, parameter.value, false, secret, true});
    }
    return fields;
}

// --- invisible characters -----------------------------------------------------------------------

// The length of the UTF-8 sequence `byte` starts, 0 when it starts none.
std::size_t utf8_length(unsigned char byte) {
    if (byte < 0x80)
        return 1;
    if ((byte >> 5) == 0x6)
        return 2;
    if ((byte >> 4) == 0xE)
        return 3;
    return (byte >> 3) == 0x1E ? 4 : 0;
}

// One UTF-8 code point (or one stray byte, as U+DC00 + byte) and where it ends.
std::pair<char32_t, std::size_t> decode_at(std::string_view text, std::size_t at) {
    auto byte = static_cast<unsigned char>(text[at]);
    std::size_t length = utf8_length(byte);
    if (length == 0 || at + length > text.size())
        return {0xDC00 + byte, at + 1};
    if (length == 1)
        return {byte, at + 1};
    char32_t point = byte & (0x7F >> length);
    for (std::size_t i = 1; i < length; ++i) {
        auto next = static_cast<unsigned char>(text[at + i]);
        if ((next & 0xC0) != 0x80)
            return {0xDC00 + byte, at + 1};
        point = (point << 6) | (next & 0x3F);
    }
    return {point, at + length};
}

std::u32string decode(std::string_view text) {
    std::u32string out;
    for (std::size_t at = 0; at < text.size();) {
        auto [point, next] = decode_at(text, at);
        out += point;
        at = next;
    }
    return out;
}

// Characters that show as nothing, or as a blank, where a reviewer reads a value.
bool invisible(char32_t c) {
    return c <= 0x20 || c == 0x7F || (c >= 0x80 && c <= 0xA0) || c == 0xAD || c == 0x34F || c == 0x61C || c == 0x180E ||
           (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) ||
           c == 0x3000 || c == 0x3164 || c == 0xFEFF || (c >= 0xDC80 && c <= 0xDCFF);
}

// Unicode's names of the invisible characters met most in config files.
const std::map<char32_t, std::string_view> k_invisible_names{
    {0x00A0, "NO-BREAK SPACE"},
    {0x00AD, "SOFT HYPHEN"},
    {0x200B, "ZERO WIDTH SPACE"},
    {0x200C, "ZERO WIDTH NON-JOINER"},
    {0x200D, "ZERO WIDTH JOINER"},
    {0x200E, "LEFT-TO-RIGHT MARK"},
    {0x200F, "RIGHT-TO-LEFT MARK"},
    {0x202F, "NARROW NO-BREAK SPACE"},
    {0x2060, "WORD JOINER"},
    {0x3000, "IDEOGRAPHIC SPACE"},
    {0xFEFF, "ZERO WIDTH NO-BREAK SPACE, a byte-order mark"},
};

std::string code_point(char32_t c) {
    if (c >= 0xDC80 && c <= 0xDCFF)
        return fmt::format("byte 0x{:02X} (not UTF-8)", static_cast<unsigned>(c - 0xDC00));
    return fmt::format("U+{:04X}", static_cast<unsigned>(c));
}

// What one invisible character is called, and how it is told apart: {"invisible character",
// " U+200B ZERO WIDTH SPACE"}.
std::pair<std::string, std::string> name_of(char32_t c) {
    switch (c) {
    case ' ':
        return {"space", ""};
    case '\t':
        return {"tab", ""};
    case '\r':
        return {"carriage return", ""};
    case '\n':
        return {"line feed", ""};
    default:
        break;
    }
    auto name = k_invisible_names.find(c);
    if (name == k_invisible_names.end())
        return {"invisible character", " " + code_point(c)};
    return {"invisible character", fmt::format(" {} {}", code_point(c), name->second)};
}

// "a trailing space", "2 leading tabs", "an invisible character U+200B ZERO WIDTH SPACE".
std::string describe(char32_t c, std::size_t count, std::string_view position) {
    auto [noun, detail] = name_of(c);
    if (count > 1)
        return fmt::format("{} {}{}s{}", count, position, noun, detail);
    std::string phrase = fmt::format("{}{}{}", position, noun, detail);
    bool vowel = std::string_view("aeiou").find(phrase.front()) != std::string_view::npos;
    return (vowel ? "an " : "a ") + phrase;
}

// "value differs only by a trailing space", or "" when the values differ in what a reviewer sees.
std::string invisible_note(std::string_view before, std::string_view after) {
    std::u32string a = decode(before);
    std::u32string b = decode(after);
    auto visible_part = [](std::u32string text) {
        std::erase_if(text, invisible);
        return text;
    };
    if (a == b || visible_part(a) != visible_part(b))
        return "";
    std::size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix])
        ++prefix;
    std::size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
           a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    std::u32string middle = a.substr(prefix, a.size() - prefix - suffix) + b.substr(prefix, b.size() - prefix - suffix);
    bool one_kind = std::all_of(middle.begin(), middle.end(), [&](char32_t c) { return c == middle.front(); });
    if (middle.empty() || !one_kind || !invisible(middle.front()))
        return "value differs only by invisible characters or whitespace";
    bool trailing = suffix == 0 && prefix > 0;
    bool leading = prefix == 0 && suffix > 0;
    std::string what = describe(middle.front(), middle.size(), trailing ? "trailing " : leading ? "leading " : "");
    return fmt::format("value differs only by {}{}", what, trailing || leading || prefix == 0 ? "" : " inside it");
}

// --- notes --------------------------------------------------------------------------------------

std::string tls_note(TlsIntent before, TlsIntent after) {
    if (after == before)
        return "same protection";
    if (after > before && before <= TlsIntent::encrypted && after >= TlsIntent::verify_ca)
        return "stronger: the server is now verified";
    if (after > before && before == TlsIntent::verify_ca)
        return "stronger: the server's host name is now checked too";
    if (after > before)
        return after == TlsIntent::encrypted ? "stronger: TLS is now required"
                                             : "stronger: TLS is now used when the server offers it";
    if (after == TlsIntent::none)
        return "weaker: TLS is off, credentials and data travel in plaintext";
    if (before >= TlsIntent::verify_ca && after <= TlsIntent::encrypted)
        return "weaker: the server is no longer verified";
    if (before == TlsIntent::verify_full)
        return "weaker: the server's host name is no longer checked";
    return "weaker: TLS is no longer required, the session may fall back to plaintext";
}

bool has_letter(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](unsigned char c) { return std::isalpha(c); });
}

std::string value_note(const Field& before, const Field& after, std::size_t distance) {
    if (auto note = invisible_note(*before.shown, *after.shown); !note.empty())
        return note;
    if (distance == 0)
        return "differs only in letter case";
    std::size_t longest = std::max(before.shown->size(), after.shown->size());
    bool typo_like = distance <= std::max<std::size_t>(2, longest / 3);
    if (after.spelled && typo_like && has_letter(*before.shown) && has_letter(*after.shown))
        return fmt::format("edit distance {}", distance);
    return "";
}

FieldChange change_of(const Field* before, const Field* after) {
    const Field& known = before ? *before : *after;
    FieldChange change{known.name,
                       before ? before->shown : std::nullopt,
                       after ? after->shown : std::nullopt,
                       known.identity,
                       known.secret,
                       0,
                       ""};
    if (change.secret || !change.before || !change.after || known.name == k_tls_field)
        return change;
    change.distance = edit_distance(*change.before, *change.after);
    change.note = value_note(*before, *after, change.distance);
    return change;
}

const Field* find_field(const std::vector<Field>& fields, std::string_view name) {
    auto found = std::find_if(fields.begin(), fields.end(), [&](const Field& field) { return field.name == name; });
    return found == fields.end() ? nullptr : &*found;
}

// The names of both configs' fields, the old config's order first.
std::vector<std::string> field_names(const std::vector<Field>& before, const std::vector<Field>& after) {
    std::vector<std::string> names;
    for (const auto* fields : {&before, &after}) {
        for (const auto& field : *fields) {
            if (std::find(names.begin(), names.end(), field.name) == names.end())
                names.push_back(field.name);
        }
    }
    return names;
}

// --- rendering ----------------------------------------------------------------------------------

bool needs_quotes(std::string_view value) {
    std::u32string points = decode(value);
    return points.empty() || points.front() == ' ' || points.back() == ' ' ||
           std::any_of(points.begin(), points.end(), [](char32_t c) { return c != ' ' && invisible(c); });
}

// The value quoted, with every invisible character written out, so a reviewer sees it.
std::string visible(std::string_view value) {
    std::string out = "\"";
    for (std::size_t at = 0; at < value.size();) {
        auto [point, next] = decode_at(value, at);
        if (point == '"' || point == '\\')
            out += fmt::format("\\{}", static_cast<char>(point));
        else if (point == '\t')
            out += "\\t";
        else if (point == '\r')
            out += "\\r";
        else if (point == '\n')
            out += "\\n";
        else if (point >= 0xDC80 && point <= 0xDCFF)
            out += fmt::format("\\x{:02X}", static_cast<unsigned>(point - 0xDC00));
        else if (point != ' ' && invisible(point))
            out += fmt::format("\\u{:04X}", static_cast<unsigned>(point));
        else
            out += value.substr(at, next - at);
        at = next;
    }
    return out + "\"";
}

std::string change_line(const FieldChange& change) {
    std::string mark = change.identity ? "*" : " ";
    if (change.secret) {
        std::string_view what = !change.before ? "added" : !change.after ? "removed" : "changed";
        return fmt::format("{} {}: {}", mark, change.field, what);
    }
    bool quoted = (change.before && needs_quotes(*change.before)) || (change.after && needs_quotes(*change.after));
    auto shown = [&](const std::optional<std::string>& value) {
        return !value ? std::string("(not set)") : quoted ? visible(*value) : *value;
    };
    return fmt::format("{} {}: {} → {}{}", mark, change.field, shown(change.before), shown(change.after),
                       change.note.empty() ? "" : " (" + change.note + ")");
}

std::string header(const ConfigDiff& diff) {
    if (diff.same())
        return fmt::format("{} reads both the same way: no field differs", diff.driver);
    auto identity = std::count_if(diff.changes.begin(), diff.changes.end(), [](const auto& c) { return c.identity; });
    std::size_t count = diff.changes.size();
    std::string text = fmt::format("{} reads both; {} field{} differ{}", diff.driver, count, count == 1 ? "" : "s",
                                   count == 1 ? "s" : "");
    if (identity > 0)
        text += fmt::format(" ({} identity field{}, marked *)", identity, identity == 1 ? "" : "s");
    return text;
}

json optional_json(const std::optional<std::string>& value, const Redactor& redactor) {
    return value ? json(redactor.apply(*value)) : json(nullptr);
}

json lines_json(const std::vector<std::string>& lines, const Redactor& redactor) {
    json out = json::array();
    for (const auto& line : lines)
        out.push_back(redactor.apply(line));
    return out;
}

} // namespace

std::optional<std::string> guess_driver(std::string_view text) {
    for (const Driver* driver : all_drivers()) {
        if (driver->recognises(text))
            return std::string(driver->name());
    }
    return std::nullopt;
}

ConfigDiff diff_configs(const Driver& driver, const ParsedCandidate& before, const ParsedCandidate& after) {
    ConfigDiff diff;
    diff.driver = std::string(driver.name());
    diff.warnings_before = before.warnings;
    diff.warnings_after = after.warnings;
    if (before.protocol != after.protocol)
        diff.changes.push_back({"protocol", before.protocol, after.protocol, true, false, 0, ""});
    auto old_fields = fields_of(before, driver.field_keys(before.protocol));
    auto new_fields = fields_of(after, driver.field_keys(after.protocol));
    for (const auto& name : field_names(old_fields, new_fields)) {
        const Field* was = find_field(old_fields, name);
        const Field* now = find_field(new_fields, name);
        if ((was ? was->effective : std::nullopt) == (now ? now->effective : std::nullopt))
            continue;
        FieldChange change = change_of(was, now);
        if (name == k_tls_field && was && now)
            change.note = tls_note(before.tls, after.tls);
        diff.changes.push_back(std::move(change));
    }
    std::stable_partition(diff.changes.begin(), diff.changes.end(), [](const auto& c) { return c.identity; });
    return diff;
}

std::string diff_text(const ConfigDiff& diff, const Redactor& redactor) {
    std::string out = redactor.apply(header(diff)) + "\n";
    for (const auto& change : diff.changes)
        out += redactor.apply(change_line(change)) + "\n";
    for (const auto& warning : diff.warnings_after) {
        if (std::find(diff.warnings_before.begin(), diff.warnings_before.end(), warning) == diff.warnings_before.end())
            out += redactor.apply("new warning: " + warning) + "\n";
    }
    return out;
}

std::string diff_json(const ConfigDiff& diff, const Redactor& redactor) {
    json changes = json::array();
    for (const auto& change : diff.changes) {
        changes.push_back({{"field", redactor.apply(change.field)},
                           {"before", optional_json(change.before, redactor)},
                           {"after", optional_json(change.after, redactor)},
                           {"identity", change.identity},
                           {"secret", change.secret},
                           {"distance", change.distance},
                           {"note", redactor.apply(change.note)}});
    }
    json out = {{"format", "stagegate-diff/1"},
                {"driver", diff.driver},
                {"same", diff.same()},
                {"changes", changes},
                {"warnings_before", lines_json(diff.warnings_before, redactor)},
                {"warnings_after", lines_json(diff.warnings_after, redactor)}};
    return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace stagegate
