// Rails' config/database.yml: ERB runs over the whole file first (only ENV[...] and ENV.fetch
// tags are evaluated), then Psych reads the YAML with its merge keys. Nothing else: a `${x}` in a
// value is text to Rails, and reaches the driver as written.
#include "scenario/config/common.hpp"
#include "scenario/config/readers.hpp"
#include "scenario/config/yaml_tree.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <charconv>

namespace stagegate::config {

namespace {

constexpr std::string_view k_unset_marker = "__stagegate_unset_erb_";

struct ErbTag {
    std::string variable;
    std::optional<std::string> fallback;
    bool fetch = false;
};

// A Ruby literal as ERB prints it: a plain string, or a decimal integer (a leading 0 would be
// octal in Ruby, so it is not accepted).
std::string ruby_literal(const std::string& literal) {
    if (literal.front() == '\'' || literal.front() == '"')
        return literal.substr(1, literal.size() - 2);
    return literal;
}

// Reads the only tags stagegate evaluates: <%= ENV['X'] %>, <%= ENV.fetch('X') %>,
// <%= ENV.fetch('X', default) %> and <%= ENV.fetch('X') { default } %> (either quote).
std::optional<ErbTag> parse_erb(const std::string& tag) {
    // RE2, not std::regex: a tag is the user's text and std::regex recurses once per character.
    static const std::string k_name = R"re((?:'([^'\\]+)'|"([^"\\#]+)"))re";
    static const std::string k_literal = R"re(('[^'\\]*'|"[^"\\#]*"|0|-?[1-9][0-9]*))re";
    static const re2::RE2 k_index("<%=\\s*ENV\\[\\s*" + k_name + "\\s*\\]\\s*%>");
    static const re2::RE2 k_fetch("<%=\\s*ENV\\.fetch\\(\\s*" + k_name + "\\s*(?:,\\s*" + k_literal +
                                  "\\s*)?\\)(?:\\s*\\{\\s*" + k_literal + "\\s*\\})?\\s*%>");
    re2::StringPiece quoted;        // the name in single quotes
    re2::StringPiece double_quoted; // the name in double quotes
    auto name = [&] {
        re2::StringPiece found = quoted.data() ? quoted : double_quoted;
        return std::string(found.data(), found.size());
    };
    if (re2::RE2::FullMatch(tag, k_index, &quoted, &double_quoted))
        return ErbTag{name(), std::nullopt, false};
    re2::StringPiece argument;
    re2::StringPiece block;
    if (!re2::RE2::FullMatch(tag, k_fetch, &quoted, &double_quoted, &argument, &block))
        return std::nullopt;
    ErbTag read{name(), std::nullopt, true};
    // Ruby takes the block over the second argument when both are given.
    if (block.data())
        read.fallback = ruby_literal(std::string(block.data(), block.size()));
    else if (argument.data())
        read.fallback = ruby_literal(std::string(argument.data(), argument.size()));
    return read;
}

struct UnsetErb {
    int line = 0;
    std::string reason;
};

struct ErbOutput {
    std::string text;
    std::vector<UnsetErb> unset; // what each marker stands for, by the marker's number
};

// Rails runs ERB over the whole file before YAML reads it, so tags are replaced as text. A tag
// reading an unset variable becomes a marker that fails only if it ends up in the value asked
// for: elsewhere (another environment's section, a comment) it cannot matter.
std::expected<ErbOutput, std::string> evaluate_erb(const std::string& text, const std::filesystem::path& file,
                                                   const Environment& env) {
    ErbOutput out;
    std::size_t at = 0;
    for (auto open = text.find("<%"); open != std::string::npos; open = text.find("<%", at)) {
        out.text += text.substr(at, open - at);
        int line = line_at(text, open);
        auto close = text.find("%>", open + 2);
        if (close == std::string::npos)
            return Failed(fmt::format("{}: an ERB tag <% is not closed with %>", where(file, line)));
        std::string tag = text.substr(open, close + 2 - open);
        auto read = parse_erb(tag);
        if (!read)
            return Failed(fmt::format("{}: ERB {}: stagegate evaluates only ENV[...] and ENV.fetch(...)",
                                      where(file, line), tag.size() > 80 ? tag.substr(0, 77) + "..." : tag));
        if (auto value = env(read->variable)) {
            out.text += *value;
        } else if (read->fallback) {
            out.text += *read->fallback;
        } else {
            out.text += fmt::format("{}{}__", k_unset_marker, out.unset.size());
            out.unset.push_back({line, fmt::format("{} is not set ({})", read->variable,
                                                   read->fetch ? "ENV.fetch without a default raises KeyError"
                                                               : "ENV[...] reads nil, an empty value")});
        }
        at = close + 2;
    }
    out.text += text.substr(at);
    return out;
}

// The unset ERB variable `value` holds, or nothing.
std::optional<UnsetErb> unset_erb(const std::string& value, const ErbOutput& erb) {
    auto at = value.find(k_unset_marker);
    if (at == std::string::npos)
        return std::nullopt;
    std::size_t number = 0;
    auto digits = value.data() + at + k_unset_marker.size();
    std::from_chars(digits, value.data() + value.size(), number);
    return number < erb.unset.size() ? erb.unset[number] : UnsetErb{0, "an ERB variable is not set"};
}

} // namespace

Read read_rails_key(const std::filesystem::path& file, const std::string& key, const Environment& env) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    auto erb = evaluate_erb(*text, file, env);
    if (!erb)
        return Failed(erb.error());
    auto read = read_yaml_key(erb->text, file, key, "Rails reads the first document only");
    if (!read)
        return Failed(read.error());
    if (auto unset = unset_erb(read->text, *erb))
        return Failed(fmt::format("{}: {}: {}", where(file, unset->line), key, unset->reason));
    return ConfigValue{std::move(read->text), read->found.line};
}

} // namespace stagegate::config
