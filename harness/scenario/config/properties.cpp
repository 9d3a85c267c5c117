// Plain Java .properties as java.util.Properties reads them (a JDBC driver's or a plain Java
// application's settings): the last assignment wins, and ${...} is text, since only Spring
// resolves placeholders (the `spring` loader).
#include "scenario/config/java_properties.hpp"
#include "scenario/config/readers.hpp"

namespace stagegate::config {

Read read_properties_key(const std::filesystem::path& file, const std::string& key, const Environment&) {
    auto properties = read_properties(file);
    if (!properties)
        return std::unexpected(properties.error());
    auto found = find_property(*properties, file, key);
    if (!found)
        return std::unexpected(found.error());
    return ConfigValue{found->value, found->line};
}

} // namespace stagegate::config
