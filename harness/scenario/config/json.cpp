// .NET's appsettings.json, as its JSON configuration provider reads it: comments allowed, dot
// paths into objects and arrays. Lines of values are not known.
#include "scenario/config/common.hpp"
#include "scenario/config/readers.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <span>

namespace stagegate::config {

namespace {

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

} // namespace

Read read_json_key(const std::filesystem::path& file, const std::string& key, const Environment&) {
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

} // namespace stagegate::config
