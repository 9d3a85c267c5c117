// Plain YAML key paths, as a YAML 1.1 library hands them to an application (Helm values, a Go
// or Python service's config): merge keys applied, nothing evaluated. ERB tags and ${...} are
// text here; the `rails` and `spring` loaders evaluate them.
#include "scenario/config/common.hpp"
#include "scenario/config/readers.hpp"
#include "scenario/config/yaml_tree.hpp"

namespace stagegate::config {

Read read_yaml_key(const std::filesystem::path& file, const std::string& key, const Environment&) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    auto read =
        read_yaml_key(*text, file, key, "YAML libraries differ on which document they read (PyYAML refuses the file)");
    if (!read)
        return Failed(read.error());
    return ConfigValue{std::move(read->text), read->found.line};
}

} // namespace stagegate::config
