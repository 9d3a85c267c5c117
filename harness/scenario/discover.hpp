#pragma once

#include <expected>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace stagegate {

// Expands command-line paths into scenario files: files as given, folders searched recursively
// for *.yaml and *.yml, in a stable sorted order without duplicates. A named path that exists
// but is no folder is listed whatever it is (a FIFO, a link loop), for the loader to refuse with
// its reason. Fails on a path that does not exist, a folder that cannot be read, or when
// nothing was found.
std::expected<std::vector<std::filesystem::path>, std::string> discover_scenarios(std::span<const std::string> paths);

} // namespace stagegate
