#pragma once

#include <expected>
#include <string>

#include <yaml-cpp/yaml.h>

namespace stagegate {

// A problem with a YAML text, 1-based, and what to do about it.
struct YamlProblem {
    int line = 1;
    int column = 1;
    std::string message;
};

// Parses `text` as exactly one YAML document, refusing what yaml-cpp would read silently wrong
// or explain badly: a NUL byte, a second document (after ---), a quoted value whose closing
// quote is missing at the end of the file, nesting too deep to read, and any syntax error
// ("not valid YAML: ..."). An empty text is an empty (null) node.
std::expected<YAML::Node, YamlProblem> load_one_document(const std::string& text);

// Returns yaml-cpp's reason for `error` in words for a one-line message (its "bad file" for
// nesting too deep becomes a reason and what to do).
std::string yaml_reason(const YAML::Exception& error);

} // namespace stagegate
