#include "scenario/discover.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace stagegate {

namespace {
bool is_scenario_file(const std::filesystem::path& path) {
    auto ext = path.extension();
    return ext == ".yaml" || ext == ".yml";
}
} // namespace

std::expected<std::vector<std::filesystem::path>, std::string> discover_scenarios(std::span<const std::string> paths) {
    std::vector<std::filesystem::path> files;
    for (const auto& text : paths) {
        std::filesystem::path path(text);
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            std::vector<std::filesystem::path> found;
            for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
                 !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
                if (it->is_regular_file() && is_scenario_file(it->path()))
                    found.push_back(it->path());
            }
            if (ec)
                return std::unexpected(fmt::format("{}: cannot read the folder: {}", text, ec.message()));
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (std::filesystem::is_regular_file(path, ec)) {
            files.push_back(path);
        } else {
            return std::unexpected(
                fmt::format("{}: no such file or folder; pass scenario files or folders of *.yaml", text));
        }
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
