#pragma once
// YAML as the framework loaders read it (yaml-cpp underneath): YAML 1.1 merge keys, which Psych,
// SnakeYAML and PyYAML all apply; dot paths into mappings and lists; flat keys holding dots.

#include <yaml-cpp/yaml.h>

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::config {

struct YamlFound {
    YAML::Node node;
    int line = 0; // the line of the value (or of its key), 0 when unknown
};

// Reads every document of `text`, or fails with "file:line: reason". Never loops: yaml-cpp 0.7's
// LoadAll does on some broken streams, which a bounded dry run finds first.
std::expected<std::vector<YAML::Node>, std::string> load_yaml_documents(const std::string& text,
                                                                        const std::filesystem::path& file);

// Finds the dot path `key` in the first document. A key set in a later document is refused,
// `later` saying why the application's choice of document cannot be known; a missing key fails
// with the closest paths of the file.
std::expected<YamlFound, std::string> find_yaml_key(const std::vector<YAML::Node>& documents,
                                                    const std::filesystem::path& file, const std::string& key,
                                                    std::string_view later);

// Finds the dot path `key` below `node`, or nothing.
std::optional<YamlFound> find_yaml(const YAML::Node& node, const std::string& key);

// The scalar's text, or a failure saying the key holds a mapping, a list or null.
std::expected<std::string, std::string> yaml_scalar(const std::filesystem::path& file, const std::string& key,
                                                    const YamlFound& found);

// One key read out of YAML text: the documents, where the key is, and its scalar text.
struct YamlRead {
    std::vector<YAML::Node> documents;
    YamlFound found;
    std::string text;
};

// Loads `text` (the contents of `file`), finds `key` in its first document and reads its
// scalar: load_yaml_documents, find_yaml_key (`later` as there) and yaml_scalar in one.
std::expected<YamlRead, std::string> read_yaml_key(const std::string& text, const std::filesystem::path& file,
                                                   const std::string& key, std::string_view later);

} // namespace stagegate::config
