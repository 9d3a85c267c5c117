// How applications' own loaders read one value out of their config files. Each reader keeps to
// what its loader really does and no more: nothing is trimmed, decoded or guessed beyond that,
// so a value that would break the application reaches the driver unchanged and breaks there too.
#include "scenario/config_file.hpp"

#include "scenario/dotenv.hpp"
#include "scenario/interpolate.hpp"
#include "scenario/yaml_document.hpp"
#include "util/input_file.hpp"
#include "util/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <functional>
#include <span>
#include <sstream>
#include <unordered_map>

namespace stagegate {

namespace {

// Nested maps deeper than this are no config file; the bound also ends alias loops.
constexpr int k_max_depth = 64;
// Spring placeholders one value may take, and how deep they may nest.
constexpr int k_max_placeholders = 10000;
constexpr int k_max_placeholder_depth = 64;
// Suggestions look at this many paths at most, and this many bytes of them, so a huge file
// cannot make a typo slow.
constexpr std::size_t k_max_paths = 20000;
constexpr std::size_t k_max_path_bytes = 4 * 1024 * 1024;
// ... and compare at most this many character pairs (key by path) in all: the paths' count alone
// does not bound the work when the key or the paths are long.
constexpr std::size_t k_max_spelling_work = 5'000'000;

using Failed = std::unexpected<std::string>;

std::string where(const std::filesystem::path& file, int line) {
    return line > 0 ? fmt::format("{}:{}", file.string(), line) : file.string();
}

// Returns the 1-based line of byte `offset` in `text`.
int line_at(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// Returns the whole file without a UTF-8 byte-order mark: a regular file of at most 4 MiB.
std::expected<std::string, std::string> read_text(const std::filesystem::path& file) {
    auto text = read_input_file(file);
    if (!text)
        return Failed(fmt::format("{}: cannot read the file: {}", file.string(), text.error().reason));
    if (text->starts_with("\xEF\xBB\xBF"))
        text->erase(0, 3);
    return std::move(*text);
}

// Splits a dot path; `\.` keeps a dot inside a segment and `\\` is a backslash.
std::vector<std::string> split_path(std::string_view key) {
    std::vector<std::string> segments(1);
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '\\' && i + 1 < key.size() && (key[i + 1] == '.' || key[i + 1] == '\\'))
            segments.back() += key[++i];
        else if (key[i] == '.')
            segments.emplace_back();
        else
            segments.back() += key[i];
    }
    return segments;
}

std::string child_path(const std::string& parent, std::string_view child) {
    return parent.empty() ? std::string(child) : parent + "." + std::string(child);
}

std::optional<std::size_t> list_index(std::string_view segment) {
    std::size_t index = 0;
    auto [end, error] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
    if (segment.empty() || error != std::errc() || end != segment.data() + segment.size())
        return std::nullopt;
    return index;
}

std::string listed(const std::vector<std::string>& names) {
    if (names.empty())
        return {};
    if (names.size() == 1)
        return fmt::format("did you mean {}?", names.front());
    std::span<const std::string> head(names.data(), names.size() - 1);
    return fmt::format("did you mean {} or {}?", join(head, ", "), names.back());
}

// Up to three paths directly under `parent` in `known`, in file order.
std::vector<std::string> children(const std::string& parent, std::span<const std::string> known) {
    std::vector<std::string> found;
    std::string prefix = parent + ".";
    for (const auto& path : known) {
        bool direct = path.starts_with(prefix) && path.find('.', prefix.size()) == std::string::npos;
        if (found.size() < 3 && direct && std::find(found.begin(), found.end(), path) == found.end())
            found.push_back(path);
    }
    return found;
}

// The closest spellings of `key`, only those as close as the best: in long dot paths many keys
// are within closest()'s reach, and siblings of the right key are no help.
std::vector<std::string> best_spellings(const std::string& key, std::span<const std::string> known) {
    std::size_t compared = 0;
    for (std::size_t work = 0; compared < known.size(); ++compared) {
        work += (key.size() + 1) * (known[compared].size() + 1);
        if (work > k_max_spelling_work)
            break;
    }
    auto names = closest(key, known.first(compared));
    if (names.empty())
        return names;
    auto best = edit_distance(key, names.front());
    std::erase_if(names, [&](const std::string& name) { return edit_distance(key, name) > best; });
    return names;
}

// The keys under `key` when there are any (asking for a mapping, or a prefix of flat keys,
// usually means one of its values), otherwise its closest spellings.
std::string suggestion(const std::string& key, std::span<const std::string> known) {
    if (auto below = children(key, known); !below.empty())
        return listed(below);
    return listed(best_spellings(key, known));
}

Failed no_key(const std::filesystem::path& file, const std::string& key, const std::string& hint) {
    return Failed(fmt::format("{} has no key {}{}", file.string(), key, hint.empty() ? "" : "; " + hint));
}

// --- Spring's ${...} placeholders ------------------------------------------------------------

// Looks a name up among the keys of the file being read.
using FileKeys = std::function<std::optional<std::string>(const std::string&)>;

// Resolves ${NAME} and ${NAME:default} as Spring Boot does in application.properties and
// application.yml: the environment first, then the file's own keys, and a resolved value is
// resolved again (so a cycle is an error). The default is resolved only when it is used, as in
// Spring 6.2. A ${ without its } stays as written, as in Spring.
class SpringPlaceholders {
  public:
    SpringPlaceholders(const Environment& env, FileKeys keys) : m_env(env), m_keys(std::move(keys)) {}

    std::expected<std::string, std::string> resolve(std::string_view text) {
        std::string out;
        std::size_t at = 0;
        while (true) {
            auto start = text.find("${", at);
            auto end = start == std::string_view::npos ? start : closing_brace(text, start + 2);
            if (end == std::string_view::npos) {
                out += text.substr(at);
                return out;
            }
            out += text.substr(at, start - at);
            auto value = placeholder(text.substr(start + 2, end - start - 2));
            if (!value)
                return value;
            out += *value;
            if (out.size() > k_max_interpolated_bytes)
                return Failed(fmt::format("the value grows beyond {} MiB once its placeholders are resolved: keys "
                                          "refer to each other too many times over",
                                          k_max_interpolated_bytes / (1024 * 1024)));
            at = end + 1;
        }
    }

  private:
    // Spring counts any `{` as nesting, not only `${`.
    static std::size_t closing_brace(std::string_view text, std::size_t from) {
        int depth = 0;
        for (std::size_t i = from; i < text.size(); ++i) {
            if (text[i] == '{')
                ++depth;
            else if (text[i] == '}' && depth-- == 0)
                return i;
        }
        return std::string_view::npos;
    }

    static std::size_t default_separator(std::string_view inside) {
        int depth = 0;
        for (std::size_t i = 0; i < inside.size(); ++i) {
            if (inside[i] == '{')
                ++depth;
            else if (inside[i] == '}')
                --depth;
            else if (inside[i] == ':' && depth == 0)
                return i;
        }
        return std::string_view::npos;
    }

    // Resolves one placeholder. Each counts against a budget, and nesting against a depth: keys
    // that each refer to the next one twice would otherwise take time exponential in their number.
    std::expected<std::string, std::string> placeholder(std::string_view inside) {
        if (++m_resolved > k_max_placeholders)
            return Failed(fmt::format("resolving the value takes more than {} placeholders: keys refer to each other "
                                      "too many times over; simplify them",
                                      k_max_placeholders));
        if (m_depth >= k_max_placeholder_depth)
            return Failed(fmt::format("placeholders nest more than {} deep (a key refers to a key that refers to "
                                      "...): simplify them",
                                      k_max_placeholder_depth));
        ++m_depth;
        auto value = placeholder_value(inside);
        --m_depth;
        return value;
    }

    std::expected<std::string, std::string> placeholder_value(std::string_view inside) {
        auto colon = default_separator(inside);
        auto name = resolve(inside.substr(0, colon));
        if (!name)
            return name;
        if (std::find(m_visiting.begin(), m_visiting.end(), *name) != m_visiting.end())
            return Failed(fmt::format("placeholder ${{{}}} refers back to itself", *name));
        if (auto found = lookup(*name)) {
            m_visiting.push_back(*name);
            auto resolved = resolve(*found);
            m_visiting.pop_back();
            return resolved;
        }
        if (colon != std::string_view::npos)
            return resolve(inside.substr(colon + 1));
        return Failed(fmt::format("placeholder ${{{0}}} is neither an environment variable nor a key of the file: "
                                  "export it, or write ${{{0}:default}}",
                                  *name));
    }

    std::optional<std::string> lookup(const std::string& name) const {
        if (auto value = from_environment(name))
            return value;
        return m_keys(name);
    }

    // Spring's SystemEnvironmentPropertySource: the name as written, with '.' and/or '-' as '_',
    // then all of that upper-cased (so spring.datasource.host finds SPRING_DATASOURCE_HOST).
    std::optional<std::string> from_environment(const std::string& name) const {
        std::string upper = name;
        std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
        for (const std::string& base : {name, upper}) {
            std::string dots = base;
            std::string dashes = base;
            std::string both = base;
            std::replace(dots.begin(), dots.end(), '.', '_');
            std::replace(dashes.begin(), dashes.end(), '-', '_');
            std::replace(both.begin(), both.end(), '.', '_');
            std::replace(both.begin(), both.end(), '-', '_');
            for (const std::string& candidate : {base, dots, dashes, both}) {
                if (auto value = m_env(candidate))
                    return value;
            }
        }
        return std::nullopt;
    }

    const Environment& m_env;
    FileKeys m_keys;
    std::vector<std::string> m_visiting;
    int m_resolved = 0; // placeholders resolved so far
    int m_depth = 0;    // placeholders being resolved now, one inside the other
};

// --- Rails' ERB pass over database.yml -------------------------------------------------------

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

// --- YAML ------------------------------------------------------------------------------------

struct YamlEntry {
    std::string key;
    YAML::Node value;
    int line = 0; // the key's line
};

int line_of(const YAML::Node& node) {
    auto mark = node.Mark();
    return mark.is_null() ? 0 : mark.line + 1;
}

// Appends the entries of `map` that `index` does not hold yet: its explicit keys first (the last
// of a repeated key, as Psych and SnakeYAML keep), then those of the maps it merges, earlier maps
// first. A map is expanded once per lookup (`expanded`): reached again through another merge it
// adds nothing new, since earlier maps win, and a map that merges itself (an alias of its own
// anchor) ends there. So the work is linear in the file, whatever the merges.
void add_entries(const YAML::Node& map, std::vector<YamlEntry>& entries,
                 std::unordered_map<std::string, std::size_t>& index, std::vector<YAML::Node>& expanded, int depth) {
    if (depth > k_max_depth ||
        std::any_of(expanded.begin(), expanded.end(), [&](const YAML::Node& seen) { return seen.is(map); }))
        return;
    expanded.push_back(map);
    std::vector<YamlEntry> own;
    std::unordered_map<std::string, std::size_t> own_index;
    std::vector<YAML::Node> merges;
    for (const auto& pair : map) {
        if (!pair.first.IsScalar())
            continue;
        const std::string& key = pair.first.Scalar();
        // A quoted "<<" (tag "!") is an ordinary key.
        if (key == "<<" && pair.first.Tag() != "!") {
            merges.push_back(pair.second);
            continue;
        }
        YamlEntry entry{key, pair.second, line_of(pair.first)};
        if (auto [at, added] = own_index.emplace(key, own.size()); added)
            own.push_back(std::move(entry));
        else
            own[at->second] = std::move(entry);
    }
    for (auto& entry : own) {
        if (index.emplace(entry.key, entries.size()).second)
            entries.push_back(std::move(entry));
    }
    for (const auto& merge : merges) {
        if (merge.IsMap()) {
            add_entries(merge, entries, index, expanded, depth + 1);
        } else if (merge.IsSequence()) {
            for (const auto& item : merge) {
                if (item.IsMap())
                    add_entries(item, entries, index, expanded, depth + 1);
            }
        }
    }
}

// A mapping's entries with YAML 1.1 merge keys applied, which yaml-cpp leaves as a plain `<<`
// key: explicit keys first, then those of `<<: *default` or `<<: [*a, *b]` (earlier maps first)
// that no explicit key overrides.
std::vector<YamlEntry> yaml_entries(const YAML::Node& map) {
    std::vector<YamlEntry> entries;
    std::unordered_map<std::string, std::size_t> index;
    std::vector<YAML::Node> expanded;
    add_entries(map, entries, index, expanded, 0);
    return entries;
}

struct YamlFound {
    YAML::Node node;
    int line = 0;
};

std::optional<YamlFound> find_yaml(const YAML::Node& node, std::span<const std::string> path, int line, int depth) {
    if (path.empty())
        return YamlFound{node, node.IsScalar() && line_of(node) > 0 ? line_of(node) : line};
    if (depth > k_max_depth)
        return std::nullopt;
    if (node.IsSequence()) {
        auto index = list_index(path.front());
        if (!index || *index >= node.size())
            return std::nullopt;
        YAML::Node item = node[*index];
        return find_yaml(item, path.subspan(1), line_of(item), depth + 1);
    }
    if (!node.IsMap())
        return std::nullopt;
    auto entries = yaml_entries(node);
    // Spring files mix nested keys with flat ones (`spring.datasource.url: ...`), so a key may
    // hold several segments joined by dots: try the shortest first.
    std::string name;
    for (std::size_t count = 1; count <= path.size(); ++count) {
        name += (count > 1 ? "." : "") + path[count - 1];
        for (const auto& entry : entries) {
            if (entry.key != name)
                continue;
            if (auto found = find_yaml(entry.value, path.subspan(count), entry.line, depth + 1))
                return found;
        }
    }
    return std::nullopt;
}

// Collects the dot paths below `node` for suggestions: at most k_max_paths of them and
// k_max_path_bytes in all, and never through a node that holds itself (an alias of an anchor
// around it), so a small file cannot make a missing key slow or huge.
class YamlPaths {
  public:
    explicit YamlPaths(std::vector<std::string>& out) : m_out(out) {}

    void collect(const YAML::Node& node, const std::string& prefix) {
        if (m_ancestors.size() > static_cast<std::size_t>(k_max_depth) ||
            std::any_of(m_ancestors.begin(), m_ancestors.end(),
                        [&](const YAML::Node& above) { return above.is(node); }))
            return;
        m_ancestors.push_back(node);
        if (node.IsMap()) {
            for (const auto& entry : yaml_entries(node)) {
                std::string path = child_path(prefix, entry.key);
                if (!add(path))
                    break;
                collect(entry.value, path);
            }
        } else if (node.IsSequence()) {
            for (std::size_t i = 0; i < node.size(); ++i) {
                std::string path = child_path(prefix, std::to_string(i));
                if (!add(path))
                    break;
                collect(node[i], path);
            }
        }
        m_ancestors.pop_back();
    }

  private:
    bool add(const std::string& path) {
        if (m_out.size() >= k_max_paths || m_bytes + path.size() > k_max_path_bytes)
            return false;
        m_bytes += path.size();
        m_out.push_back(path);
        return true;
    }

    std::vector<std::string>& m_out;
    std::vector<YAML::Node> m_ancestors;
    std::size_t m_bytes = 0;
};

void yaml_paths(const YAML::Node& node, const std::string& prefix, std::vector<std::string>& out) {
    YamlPaths(out).collect(node, prefix);
}

// Spring names list items key[0]; the paths here say key.0.
std::string dotted(std::string name) {
    static const re2::RE2 k_brackets(R"(\[([0-9]+)\])");
    re2::RE2::GlobalReplace(&name, k_brackets, ".\\1");
    return name;
}

std::expected<ConfigValue, std::string> yaml_scalar(const std::filesystem::path& file, const std::string& key,
                                                    const YamlFound& found, const YAML::Node& document,
                                                    const ErbOutput& erb, const Environment& env) {
    std::string at = where(file, found.line);
    if (found.node.IsMap() || found.node.IsSequence()) {
        std::vector<std::string> below;
        yaml_paths(found.node, key, below);
        std::string hint = listed(children(key, below));
        return Failed(fmt::format("{}: {} is a {}, not a value{}", at, key, found.node.IsMap() ? "mapping" : "list",
                                  hint.empty() ? "" : "; " + hint));
    }
    if (!found.node.IsScalar())
        return Failed(fmt::format("{}: {} is empty (null)", at, key));
    FileKeys keys = [&](const std::string& name) -> std::optional<std::string> {
        auto hit = find_yaml(document, split_path(dotted(name)), 0, 0);
        if (hit && hit->node.IsScalar())
            return hit->node.Scalar();
        return std::nullopt;
    };
    auto value = SpringPlaceholders(env, keys).resolve(found.node.Scalar());
    if (!value)
        return Failed(fmt::format("{}: {}: {}", at, key, value.error()));
    if (auto unset = unset_erb(*value, erb))
        return Failed(fmt::format("{}: {}: {}", where(file, unset->line), key, unset->reason));
    return ConfigValue{*value, found.line};
}

// Records where the parser last was, and nothing else.
class LastMark : public YAML::EventHandler {
  public:
    int line() const { return m_line; }
    void OnDocumentStart(const YAML::Mark& mark) override { at(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { at(mark); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { at(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override { at(mark); }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        at(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        at(mark);
    }
    void OnMapEnd() override {}

  private:
    void at(const YAML::Mark& mark) { m_line = mark.is_null() ? 0 : mark.line + 1; }
    int m_line = 0;
};

// yaml-cpp 0.7's LoadAll never returns on some broken streams (a ',' alone on a line,
// jbeder/yaml-cpp#1319): its parser reports an empty document there without reading on, forever,
// and memory grows with each. A stream has at most one document more than it has "---" and "..."
// markers, so a dry run that reads more has met that loop. Throws what the parser throws.
std::expected<void, std::string> check_documents_end(const std::string& text, const std::filesystem::path& file) {
    std::size_t markers = 0;
    for (std::string_view marker : {"---", "..."}) {
        for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + marker.size()))
            ++markers;
    }
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    LastMark last;
    for (std::size_t documents = 0; parser.HandleNextDocument(last); ++documents) {
        if (documents > markers)
            return Failed(fmt::format("{}: not valid YAML: the parser cannot read on from this line (a stray ',' or "
                                      "the like): fix it",
                                      where(file, last.line())));
    }
    return {};
}

// YAML as Rails (ERB first, merge keys) and Spring (${...} placeholders) read it. A file of
// several documents is read only when the key is in the first alone: Spring applies later
// documents by profile, which stagegate cannot know.
std::expected<ConfigValue, std::string> yaml_value(const std::filesystem::path& file, const std::string& key,
                                                   const Environment& env) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    auto erb = evaluate_erb(*text, file, env);
    if (!erb)
        return Failed(erb.error());
    std::vector<YAML::Node> documents;
    try {
        if (auto ends = check_documents_end(erb->text, file); !ends)
            return Failed(ends.error());
        documents = YAML::LoadAll(erb->text);
    } catch (const YAML::Exception& error) {
        return Failed(
            fmt::format("{}: {}", where(file, error.mark.is_null() ? 0 : error.mark.line + 1), yaml_reason(error)));
    }
    auto path = split_path(key);
    for (std::size_t i = 1; i < documents.size(); ++i) {
        if (auto later = find_yaml(documents[i], path, 0, 0))
            return Failed(fmt::format("{}: {} is set in YAML document {} of {}; which document wins depends on the "
                                      "active profile, which stagegate cannot know: keep the value in one document",
                                      where(file, later->line), key, i + 1, documents.size()));
    }
    std::optional<YamlFound> found;
    if (!documents.empty())
        found = find_yaml(documents.front(), path, 0, 0);
    if (!found) {
        std::vector<std::string> known;
        for (const auto& document : documents)
            yaml_paths(document, "", known);
        return no_key(file, key, suggestion(key, known));
    }
    return yaml_scalar(file, key, *found, documents.front(), *erb, env);
}

// --- JSON ------------------------------------------------------------------------------------

// nlohmann's message without its prefix, position (given as file:line instead) and the last
// token it read, which may be part of a secret.
std::string json_reason(const nlohmann::json::parse_error& error) {
    std::string reason = error.what();
    if (auto column = reason.find(", column "); column != std::string::npos) {
        if (auto colon = reason.find(": ", column); colon != std::string::npos)
            reason.erase(0, colon + 2);
    }
    if (auto last = reason.find("; last read: '"); last != std::string::npos) {
        auto expected = reason.find("'; expected", last);
        reason.erase(last, expected == std::string::npos ? std::string::npos : expected + 1 - last);
    }
    return reason;
}

const nlohmann::json* find_json(const nlohmann::json& node, std::span<const std::string> path, int depth) {
    if (path.empty())
        return &node;
    if (depth > k_max_depth)
        return nullptr;
    if (node.is_array()) {
        auto index = list_index(path.front());
        if (!index || *index >= node.size())
            return nullptr;
        return find_json(node[*index], path.subspan(1), depth + 1);
    }
    if (!node.is_object())
        return nullptr;
    std::string name;
    for (std::size_t count = 1; count <= path.size(); ++count) {
        name += (count > 1 ? "." : "") + path[count - 1];
        auto member = node.find(name);
        if (member == node.end())
            continue;
        if (auto found = find_json(*member, path.subspan(count), depth + 1))
            return found;
    }
    return nullptr;
}

void json_paths(const nlohmann::json& node, const std::string& prefix, std::vector<std::string>& out, int depth) {
    if (depth > k_max_depth || !node.is_structured())
        return;
    // items() names array elements by their index.
    for (const auto& item : node.items()) {
        if (out.size() >= k_max_paths)
            return;
        std::string path = child_path(prefix, item.key());
        out.push_back(path);
        json_paths(item.value(), path, out, depth + 1);
    }
}

// JSON as .NET's appsettings.json allows it: comments too. Lines of values are not known.
std::expected<ConfigValue, std::string> json_value(const std::filesystem::path& file, const std::string& key) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(*text, nullptr, true, true);
    } catch (const nlohmann::json::parse_error& error) {
        int line = line_at(*text, error.byte > 0 ? error.byte - 1 : 0);
        return Failed(fmt::format("{}: {}", where(file, line), json_reason(error)));
    }
    std::vector<std::string> known;
    json_paths(root, "", known, 0);
    const nlohmann::json* found = find_json(root, split_path(key), 0);
    if (!found)
        return no_key(file, key, suggestion(key, known));
    if (found->is_structured()) {
        std::string hint = listed(children(key, known));
        return Failed(fmt::format("{}: {} is {}, not a value{}", file.string(), key,
                                  found->is_object() ? "an object" : "an array", hint.empty() ? "" : "; " + hint));
    }
    if (found->is_null())
        return Failed(fmt::format("{}: {} is empty (null)", file.string(), key));
    return ConfigValue{found->is_string() ? found->get<std::string>() : found->dump(), 0};
}

// --- Java .properties ------------------------------------------------------------------------

struct Property {
    std::string key;
    std::string value;
    int line = 0;
};

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\f';
}

std::string_view without_leading_blanks(std::string_view line) {
    while (!line.empty() && is_blank(line.front()))
        line.remove_prefix(1);
    return line;
}

// Natural lines as java.util.Properties splits them: \n, \r\n and a lone \r each end one.
std::vector<std::string_view> natural_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n' && text[i] != '\r')
            continue;
        lines.push_back(text.substr(start, i - start));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
            ++i;
        start = i + 1;
    }
    if (start < text.size())
        lines.push_back(text.substr(start));
    return lines;
}

// An odd number of trailing backslashes continues the line.
bool continues(std::string_view line) {
    std::size_t count = 0;
    while (count < line.size() && line[line.size() - 1 - count] == '\\')
        ++count;
    return count % 2 == 1;
}

void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

std::optional<std::uint32_t> hex4(std::string_view text, std::size_t at) {
    std::uint32_t unit = 0;
    if (at + 4 > text.size())
        return std::nullopt;
    auto [end, error] = std::from_chars(text.data() + at, text.data() + at + 4, unit, 16);
    if (error != std::errc() || end != text.data() + at + 4)
        return std::nullopt;
    return unit;
}

// Reads the \uXXXX at `at` (just after "\u"), with its low surrogate when it is a high one.
std::expected<std::uint32_t, std::string> unicode_escape(std::string_view raw, std::size_t& at) {
    auto unit = hex4(raw, at);
    if (!unit)
        return Failed(std::string("malformed \\uxxxx encoding"));
    at += 4;
    if (*unit < 0xD800 || *unit > 0xDFFF)
        return *unit;
    auto low = raw.substr(at, 2) == "\\u" ? hex4(raw, at + 2) : std::nullopt;
    if (*unit > 0xDBFF || !low || *low < 0xDC00 || *low > 0xDFFF)
        return Failed(fmt::format("\\u{:04X} is half of a UTF-16 surrogate pair without its other half", *unit));
    at += 6;
    return 0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00);
}

// java.util.Properties' loadConvert: \t \n \r \f, \uXXXX (written out as UTF-8), and any
// other escaped character stands for itself.
std::expected<std::string, std::string> unescape_java(std::string_view raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size();) {
        char c = raw[i++];
        if (c != '\\' || i == raw.size()) {
            out += c;
            continue;
        }
        c = raw[i++];
        if (c == 'u') {
            auto code = unicode_escape(raw, i);
            if (!code)
                return Failed(code.error());
            append_utf8(out, *code);
            continue;
        }
        out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'f' ? '\f' : c;
    }
    return out;
}

// Splits a logical line at the first unescaped '=', ':' or blank, as java.util.Properties does;
// blanks and one '=' or ':' after the key are skipped, the value keeps its trailing blanks.
std::pair<std::string_view, std::string_view> split_property(std::string_view line) {
    std::size_t key_end = 0;
    std::size_t value_start = line.size();
    bool separator = false;
    bool escaped = false;
    for (; key_end < line.size(); ++key_end) {
        char c = line[key_end];
        if (!escaped && (c == '=' || c == ':' || is_blank(c))) {
            separator = c == '=' || c == ':';
            value_start = key_end + 1;
            break;
        }
        escaped = c == '\\' && !escaped;
    }
    for (; value_start < line.size(); ++value_start) {
        char c = line[value_start];
        if (is_blank(c))
            continue;
        if (separator || (c != '=' && c != ':'))
            break;
        separator = true;
    }
    return {line.substr(0, key_end), line.substr(std::min(value_start, line.size()))};
}

std::expected<std::vector<Property>, std::string> read_properties(const std::string& text,
                                                                  const std::filesystem::path& file) {
    auto lines = natural_lines(text);
    std::vector<Property> properties;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto first = without_leading_blanks(lines[i]);
        if (first.empty() || first.front() == '#' || first.front() == '!')
            continue;
        int number = static_cast<int>(i) + 1;
        // A continued line loses its leading blanks, and is never a comment.
        std::string logical(first);
        while (continues(logical) && i + 1 < lines.size()) {
            logical.pop_back();
            logical += without_leading_blanks(lines[++i]);
        }
        if (continues(logical))
            logical.pop_back();
        auto [raw_key, raw_value] = split_property(logical);
        auto key = unescape_java(raw_key);
        auto value = key ? unescape_java(raw_value) : key;
        if (!value)
            return Failed(fmt::format("{}: {}", where(file, number), value.error()));
        properties.push_back({*key, *value, number});
    }
    return properties;
}

// Java .properties as java.util.Properties and Spring Boot read them: the last assignment wins,
// ${...} placeholders are resolved as Spring does. The key is matched exactly: Spring's relaxed
// binding (spring.datasource.url from SPRING_DATASOURCE_URL or spring.dataSource.url) is beyond
// a reader of one file. Bytes are kept as they are, so the file is read as UTF-8.
std::expected<ConfigValue, std::string> properties_value(const std::filesystem::path& file, const std::string& key,
                                                         const Environment& env) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    auto properties = read_properties(*text, file);
    if (!properties)
        return Failed(properties.error());
    auto last = [&](const std::string& name) -> const Property* {
        auto found = std::find_if(properties->rbegin(), properties->rend(),
                                  [&](const Property& property) { return property.key == name; });
        return found == properties->rend() ? nullptr : &*found;
    };
    const Property* found = last(key);
    if (!found) {
        std::vector<std::string> known;
        for (const auto& property : *properties)
            known.push_back(property.key);
        return no_key(file, key, suggestion(key, known));
    }
    FileKeys keys = [&](const std::string& name) -> std::optional<std::string> {
        const Property* other = last(name);
        return other ? std::optional(other->value) : std::nullopt;
    };
    auto value = SpringPlaceholders(env, keys).resolve(found->value);
    if (!value)
        return Failed(fmt::format("{}: {}: {}", where(file, found->line), key, value.error()));
    return ConfigValue{*value, found->line};
}

// --- INI and MySQL option files --------------------------------------------------------------

struct IniOption {
    std::string section;
    std::string name;
    std::string value;
    int line = 0;
};

std::string ini_path(const IniOption& option) {
    return option.section.empty() ? option.name : option.section + "." + option.name;
}

// MySQL reads '-' and '_' in option names as the same character.
std::string same_dashes(std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

bool names_option(const std::string& key, const IniOption& option) {
    if (option.section.empty())
        return same_dashes(key) == same_dashes(option.name);
    return key.size() > option.section.size() && key.starts_with(option.section) && key[option.section.size()] == '.' &&
           same_dashes(key.substr(option.section.size() + 1)) == same_dashes(option.name);
}

// MySQL's remove_end_comment: a '#' outside quotes ends the line, wherever it stands.
std::string_view without_end_comment(std::string_view line) {
    char quote = 0;
    bool escape = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if ((c == '\'' || c == '"') && !escape) {
            if (!quote)
                quote = c;
            else if (quote == c)
                quote = 0;
        } else if (!quote && c == '#') {
            return line.substr(0, i);
        }
        escape = quote && c == '\\' && !escape;
    }
    return line;
}

// MySQL's option value: blanks around it dropped, one pair of matching quotes around it
// dropped, then \n \t \r \b \s \" \' \\ read as escapes (an unknown one keeps its backslash).
std::string mysql_value(std::string_view value) {
    value = trim(value);
    if (value.size() > 1 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
        value = value.substr(1, value.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\' || i + 1 == value.size()) {
            out += value[i];
            continue;
        }
        switch (char next = value[++i]) {
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case 'r':
            out += '\r';
            break;
        case 'b':
            out += '\b';
            break;
        case 's':
            out += ' ';
            break;
        case '"':
        case '\'':
        case '\\':
            out += next;
            break;
        default:
            out += '\\';
            out += next;
            break;
        }
    }
    return out;
}

// One line of an option file: a comment or blank (nothing), a directive (an error), a section
// header (updates `section`) or an option.
std::expected<std::optional<IniOption>, std::string> ini_line(std::string_view line, std::string& section) {
    auto rest = trim(line);
    if (rest.empty() || rest.front() == '#' || rest.front() == ';')
        return std::nullopt;
    if (rest.front() == '!') {
        auto directive = rest.substr(0, rest.find_first_of(" \t"));
        if (directive == "!include" || directive == "!includedir")
            return Failed(fmt::format("{} is not followed by stagegate: put the options in this file", directive));
        return Failed(fmt::format("{} is not an option-file directive", directive));
    }
    if (rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos)
            return Failed(std::string("a section header without its closing ]"));
        section = std::string(trim(rest.substr(1, close - 1)));
        return std::nullopt;
    }
    rest = without_end_comment(rest);
    auto equals = rest.find('=');
    std::string name(trim(rest.substr(0, equals)));
    if (name.empty())
        return Failed(std::string("an option without a name"));
    std::string value = equals == std::string_view::npos ? "" : mysql_value(rest.substr(equals + 1));
    return IniOption{section, name, value, 0};
}

std::expected<std::vector<IniOption>, std::string> read_ini(const std::string& text,
                                                            const std::filesystem::path& file) {
    std::vector<IniOption> options;
    std::string section;
    std::istringstream lines(text);
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
        ++number;
        // A CRLF line keeps its '\r' here; ini_line trims it with the other blanks, as MySQL does.
        auto read = ini_line(line, section);
        if (!read)
            return Failed(fmt::format("{}: {}", where(file, number), read.error()));
        if (*read) {
            (*read)->line = number;
            options.push_back(std::move(**read));
        }
    }
    return options;
}

// Suggestions compare names with '-' and '_' alike, and show them as the file spells them.
std::string ini_suggestion(const std::string& key, const std::vector<IniOption>& options) {
    std::vector<std::string> spelled;
    std::vector<std::string> alike;
    for (const auto& option : options) {
        spelled.push_back(ini_path(option));
        alike.push_back(same_dashes(spelled.back()));
    }
    if (auto below = children(key, spelled); !below.empty())
        return listed(below);
    std::vector<std::string> names;
    for (const auto& name : best_spellings(same_dashes(key), alike)) {
        auto at = std::find(alike.begin(), alike.end(), name) - alike.begin();
        names.push_back(spelled[static_cast<std::size_t>(at)]);
    }
    return listed(names);
}

// Option files as MySQL and MariaDB read them ([client] then password=...), which covers the
// simple INI files Python's configparser writes too. Sections are case-sensitive; the last
// assignment wins; an option before any section is addressed by its bare name.
std::expected<ConfigValue, std::string> ini_value(const std::filesystem::path& file, const std::string& key) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    auto options = read_ini(*text, file);
    if (!options)
        return Failed(options.error());
    auto found = std::find_if(options->rbegin(), options->rend(),
                              [&](const IniOption& option) { return names_option(key, option); });
    if (found == options->rend())
        return no_key(file, key, ini_suggestion(key, *options));
    return ConfigValue{found->value, found->line};
}

// --- dotenv ----------------------------------------------------------------------------------

std::expected<ConfigValue, std::string> dotenv_config_value(const std::filesystem::path& file, const std::string& key,
                                                            const Environment& env) {
    auto value = dotenv_value(file, key, env);
    if (!value)
        return Failed(value.error());
    auto entries = read_dotenv(file);
    int line = 0;
    for (const auto& entry : entries.value_or(std::vector<DotenvEntry>{})) {
        if (entry.key == key)
            line = entry.line; // the last assignment is the one dotenv_value read
    }
    return ConfigValue{*value, line};
}

} // namespace

std::string_view to_string(ConfigFormat format) {
    switch (format) {
    case ConfigFormat::dotenv:
        return "env";
    case ConfigFormat::yaml:
        return "yaml";
    case ConfigFormat::json:
        return "json";
    case ConfigFormat::properties:
        return "properties";
    case ConfigFormat::ini:
        return "ini";
    }
    return "unknown";
}

std::optional<ConfigFormat> parse_config_format(std::string_view name) {
    if (name == "env" || name == "dotenv")
        return ConfigFormat::dotenv;
    if (name == "yaml" || name == "yml")
        return ConfigFormat::yaml;
    if (name == "json")
        return ConfigFormat::json;
    if (name == "properties")
        return ConfigFormat::properties;
    if (name == "ini")
        return ConfigFormat::ini;
    return std::nullopt;
}

std::optional<ConfigFormat> format_from_name(const std::filesystem::path& file) {
    std::string name = file.filename().string();
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (extension == ".yml" || extension == ".yaml")
        return ConfigFormat::yaml;
    if (extension == ".json")
        return ConfigFormat::json;
    if (extension == ".properties")
        return ConfigFormat::properties;
    if (extension == ".ini" || extension == ".cnf" || extension == ".conf")
        return ConfigFormat::ini;
    // ".env" has no extension to std::filesystem; "app.env" does.
    if (name == ".env" || name.starts_with(".env.") || extension == ".env")
        return ConfigFormat::dotenv;
    return std::nullopt;
}

std::expected<ConfigValue, std::string> read_config_value(const std::filesystem::path& file, ConfigFormat format,
                                                          const std::string& key, const Environment& env) {
    switch (format) {
    case ConfigFormat::dotenv:
        return dotenv_config_value(file, key, env);
    case ConfigFormat::yaml:
        return yaml_value(file, key, env);
    case ConfigFormat::json:
        return json_value(file, key);
    case ConfigFormat::properties:
        return properties_value(file, key, env);
    case ConfigFormat::ini:
        return ini_value(file, key);
    }
    return Failed(fmt::format("{}: unknown config format", file.string()));
}

} // namespace stagegate
