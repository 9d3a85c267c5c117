#pragma once

#include <expected>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace stagegate {

// Expands command-line paths into scenario files: files as given, folders searched recursively
// for *.yaml and *.yml, in a stable sorted order without duplicates. Fails on a path that does
// not exist or when nothing was found.
std::expected<std::vector<std::filesystem::path>, std::string> discover_scenarios(std::span<const std::string> paths);

} // namespace stagegate
