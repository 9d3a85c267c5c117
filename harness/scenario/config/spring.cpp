// Spring Boot's application.properties and application.yml: the file read as java.util.Properties
// or SnakeYAML reads it (merge keys, flat `spring.datasource.url:` keys beside nested ones), then
// ${NAME} and ${NAME:default} resolved from the environment and the file's own keys. The key is
// matched exactly: Spring's relaxed binding (spring.datasource.url from SPRING_DATASOURCE_URL or
// spring.dataSource.url) is beyond a reader of one file. ERB is text to Spring.
#include "scenario/config/common.hpp"
#include "scenario/config/java_properties.hpp"
#include "scenario/config/readers.hpp"
#include "scenario/config/spring_placeholders.hpp"
#include "scenario/config/yaml_tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace stagegate::config {

namespace {

bool is_properties_file(const std::filesystem::path& file) {
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return extension == ".properties";
}

Read resolved(const std::filesystem::path& file, const std::string& key, const std::string& raw, int line,
              const Environment& env, FileKeys keys) {
    auto value = resolve_spring_placeholders(raw, env, std::move(keys));
    if (!value)
        return Failed(fmt::format("{}: {}: {}", where(file, line), key, value.error()));
    return ConfigValue{*value, line};
}

Read properties_key(const std::filesystem::path& file, const std::string& key, const Environment& env) {
    auto properties = read_properties(file);
    if (!properties)
        return Failed(properties.error());
    auto found = find_property(*properties, file, key);
    if (!found)
        return Failed(found.error());
    FileKeys keys = [&](const std::string& name) -> std::optional<std::string> {
        const Property* other = last_property(*properties, name);
        return other ? std::optional(other->value) : std::nullopt;
    };
    return resolved(file, key, found->value, found->line, env, keys);
}

Read yaml_key(const std::filesystem::path& file, const std::string& key, const Environment& env) {
    auto text = read_text(file);
    if (!text)
        return Failed(text.error());
    auto read = read_yaml_key(*text, file, key,
                              "which document wins depends on the active profile, which stagegate cannot know");
    if (!read)
        return Failed(read.error());
    FileKeys keys = [&](const std::string& name) -> std::optional<std::string> {
        auto hit = find_yaml(read->documents.front(), dotted(name));
        if (hit && hit->node.IsScalar())
            return hit->node.Scalar();
        return std::nullopt;
    };
    return resolved(file, key, read->text, read->found.line, env, keys);
}

} // namespace

Read read_spring_key(const std::filesystem::path& file, const std::string& key, const Environment& env) {
    return is_properties_file(file) ? properties_key(file, key, env) : yaml_key(file, key, env);
}

} // namespace stagegate::config
