#include "scenario/discover.hpp"

#include "util/input_file.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace stagegate {

namespace {

bool is_scenario_file(const std::filesystem::path& path) {
    auto ext = path.extension();
    return ext == ".yaml" || ext == ".yml";
}

// The *.yaml and *.yml files under `folder`, sorted. Entries that are neither a folder nor
// anything else that exists (a dangling link, such as an editor's lock file) are passed over;
// anything else (a FIFO, a device) is listed, so that loading it says why it cannot be read.
std::expected<std::vector<std::filesystem::path>, std::string> scenarios_in(const std::string& folder) {
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code status_error;
        auto status = it->status(status_error);
        if (!status_error && std::filesystem::exists(status) && !std::filesystem::is_directory(status) &&
            is_scenario_file(it->path()))
            found.push_back(it->path());
    }
    if (ec)
        return std::unexpected(fmt::format("{}: cannot read the folder: {}", folder, ec.message()));
    std::sort(found.begin(), found.end());
    return found;
}

} // namespace

std::expected<std::vector<std::filesystem::path>, std::string> discover_scenarios(std::span<const std::string> paths) {
    std::vector<std::filesystem::path> files;
    for (const auto& text : paths) {
        std::filesystem::path path(text);
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            auto found = scenarios_in(text);
            if (!found)
                return std::unexpected(found.error());
            files.insert(files.end(), found->begin(), found->end());
            continue;
        }
        // Anything else named is loaded, and loading says why a FIFO, a link loop or a file
        // behind a folder that cannot be entered is refused.
        if (auto checked = check_input_file(path); !checked && checked.error().missing)
            return std::unexpected(
                fmt::format("{}: no such file or folder; pass scenario files or folders of *.yaml", text));
        files.push_back(path);
    }
    std::vector<std::filesystem::path> unique;
    for (auto& file : files) {
        auto normal = file.lexically_normal();
        if (std::find(unique.begin(), unique.end(), normal) == unique.end())
            unique.push_back(normal);
    }
    if (unique.empty())
        return std::unexpected(std::string("no scenario files (*.yaml, *.yml) found in the given paths"));
    return unique;
}

} // namespace stagegate
