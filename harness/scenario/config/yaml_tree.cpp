#include "scenario/config/yaml_tree.hpp"

#include "scenario/config/common.hpp"
#include "scenario/yaml_document.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <iterator>
#include <span>
#include <sstream>
#include <unordered_map>

namespace stagegate::config {

namespace {

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

} // namespace

std::expected<std::vector<YAML::Node>, std::string> load_yaml_documents(const std::string& text,
                                                                        const std::filesystem::path& file) {
    try {
        if (auto ends = check_documents_end(text, file); !ends)
            return Failed(ends.error());
        return YAML::LoadAll(text);
    } catch (const YAML::Exception& error) {
        return Failed(
            fmt::format("{}: {}", where(file, error.mark.is_null() ? 0 : error.mark.line + 1), yaml_reason(error)));
    }
}

std::optional<YamlFound> find_yaml(const YAML::Node& node, const std::string& key) {
    return find_yaml(node, split_path(key), 0, 0);
}

std::expected<YamlFound, std::string> find_yaml_key(const std::vector<YAML::Node>& documents,
                                                    const std::filesystem::path& file, const std::string& key,
                                                    std::string_view later) {
    auto path = split_path(key);
    for (std::size_t i = 1; i < documents.size(); ++i) {
        if (auto found = find_yaml(documents[i], path, 0, 0))
            return Failed(fmt::format("{}: {} is set in YAML document {} of {}; {}: keep the value in one document",
                                      where(file, found->line), key, i + 1, documents.size(), later));
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
    return *found;
}

std::expected<std::string, std::string> yaml_scalar(const std::filesystem::path& file, const std::string& key,
                                                    const YamlFound& found) {
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
    return found.node.Scalar();
}

std::expected<YamlRead, std::string> read_yaml_key(const std::string& text, const std::filesystem::path& file,
                                                   const std::string& key, std::string_view later) {
    auto documents = load_yaml_documents(text, file);
    if (!documents)
        return Failed(documents.error());
    auto found = find_yaml_key(*documents, file, key, later);
    if (!found)
        return Failed(found.error());
    auto scalar = yaml_scalar(file, key, *found);
    if (!scalar)
        return Failed(scalar.error());
    return YamlRead{std::move(*documents), std::move(*found), std::move(*scalar)};
}

} // namespace stagegate::config
