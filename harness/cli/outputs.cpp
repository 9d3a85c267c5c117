#include "cli/outputs.hpp"

#include "scenario/discover.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace stagegate::cli {

namespace {

// Where a target really is: its resolved path, and its device and inode when it exists.
struct Place {
    std::filesystem::path path;
    std::optional<std::pair<dev_t, ino_t>> file;
};

Place place_of(const std::string& target) {
    struct stat info {};
    if (target == "-") {
        Place place{"/dev/stdout", std::nullopt};
        if (::fstat(STDOUT_FILENO, &info) == 0)
            place.file = std::pair(info.st_dev, info.st_ino);
        return place;
    }
    std::error_code ec;
    auto absolute = std::filesystem::absolute(target, ec);
    auto resolved = std::filesystem::weakly_canonical(ec ? std::filesystem::path(target) : absolute, ec);
    Place place{ec ? absolute.lexically_normal() : resolved, std::nullopt};
    if (::stat(target.c_str(), &info) == 0)
        place.file = std::pair(info.st_dev, info.st_ino);
    return place;
}

bool same(const Place& a, const Place& b) {
    if (a.file && b.file)
        return *a.file == *b.file;
    return a.path == b.path;
}

std::string shown(const std::string& target) {
    return target == "-" ? std::string("standard output") : target;
}

} // namespace

std::optional<std::string> output_clash(const std::vector<OutputFile>& outputs,
                                        const std::vector<std::string>& inputs) {
    std::vector<std::pair<const OutputFile*, Place>> places;
    for (const auto& output : outputs) {
        if (!output.target.empty())
            places.emplace_back(&output, place_of(output.target));
    }
    for (std::size_t i = 0; i < places.size(); ++i) {
        for (std::size_t j = i + 1; j < places.size(); ++j) {
            if (same(places[i].second, places[j].second))
                return fmt::format("{} and {} both name {}; give each report its own place", places[i].first->flag,
                                   places[j].first->flag, shown(places[i].first->target));
        }
    }
    auto scenarios = discover_scenarios(inputs);
    if (!scenarios)
        return std::nullopt; // loading says what is wrong with the inputs
    for (const auto& [output, where] : places) {
        for (const auto& scenario : *scenarios) {
            if (output->target != "-" && same(where, place_of(scenario.string())))
                return fmt::format("{} names {}, a scenario file of this run: the report would overwrite it; write "
                                   "the report elsewhere",
                                   output->flag, output->target);
        }
    }
    return std::nullopt;
}

} // namespace stagegate::cli
