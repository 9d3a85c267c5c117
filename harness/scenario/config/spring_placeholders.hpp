#pragma once
// Spring Boot's ${...} placeholders, shared by the Spring loader's .properties and YAML readers.

#include "scenario/loader.hpp"

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace stagegate::config {

// Looks a name up among the keys of the file being read.
using FileKeys = std::function<std::optional<std::string>(const std::string&)>;

// Resolves ${NAME} and ${NAME:default} in `text` as Spring Boot does in application.properties
// and application.yml: the environment first (also relaxed: spring.datasource.host finds
// SPRING_DATASOURCE_HOST), then the file's own keys, and a resolved value is resolved again (so a
// cycle is an error). The default is resolved only when it is used, as in Spring 6.2. A ${
// without its } stays as written, as in Spring. Bounded in placeholders, nesting and size.
std::expected<std::string, std::string> resolve_spring_placeholders(std::string_view text, const Environment& env,
                                                                    FileKeys keys);

// Spring names list items key[0]; the loaders' dot paths say key.0.
std::string dotted(std::string name);

} // namespace stagegate::config
