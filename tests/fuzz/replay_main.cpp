// Runs every file of the corpus folders named on the command line through the fuzz target it is
// linked with, so the normal build replays the committed corpus on every test run. A crash ends
// the process (a failed test); an empty or missing corpus fails too, so a replay never passes
// having run nothing.
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> corpus_files(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
        if (it->is_regular_file())
            files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string contents(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        fmt::print(stderr, "usage: {} CORPUS_FOLDER...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; ++i) {
        auto files = corpus_files(argv[i]);
        if (files.empty()) {
            fmt::print(stderr, "{}: no corpus files: the replay would test nothing\n", argv[i]);
            return 1;
        }
        for (const auto& file : files) {
            fmt::print(stderr, "{}\n", file.string()); // the last one named is the one that crashed
            std::string input = contents(file);
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
        }
        fmt::print("{}: {} inputs replayed\n", argv[i], files.size());
    }
    return 0;
}
