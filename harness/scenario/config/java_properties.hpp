#pragma once
// Java .properties files as java.util.Properties.load reads them; the `properties` and `spring`
// loaders both stand on it.

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace stagegate::config {

struct Property {
    std::string key;
    std::string value;
    int line = 0; // the line the property starts on
};

// Every assignment of the file in order: natural lines (\n, \r\n, \r), continuations, comments
// (# and !), the first unescaped '=', ':' or blank as separator, \t \n \r \f and \uXXXX escapes
// (written out as UTF-8). Fails with "file:line: reason" for a malformed \u escape.
std::expected<std::vector<Property>, std::string> read_properties(const std::filesystem::path& file);

// The last assignment of `key` (the one java.util.Properties keeps), or nullptr.
const Property* last_property(const std::vector<Property>& properties, const std::string& key);

// The last assignment of `key`, or a "has no key ...; did you mean ...?" failure.
std::expected<Property, std::string> find_property(const std::vector<Property>& properties,
                                                   const std::filesystem::path& file, const std::string& key);

} // namespace stagegate::config
