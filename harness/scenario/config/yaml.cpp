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
    auto documents = load_yaml_documents(*text, file);
    if (!documents)
        return Failed(documents.error());
    auto found = find_yaml_key(*documents, file, key,
                               "YAML libraries differ on which document they read (PyYAML refuses the file)");
    if (!found)
        return Failed(found.error());
    auto value = yaml_scalar(file, key, *found);
    if (!value)
        return Failed(value.error());
    return ConfigValue{*value, found->line};
}

} // namespace stagegate::config
