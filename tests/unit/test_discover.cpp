#include <doctest/doctest.h>

#include "scenario/discover.hpp"
#include "support.hpp"

#include <sys/stat.h>

using namespace stagegate;
using namespace stagegate::test;

namespace fs = std::filesystem;

namespace {

// Discovers `paths`, which must succeed.
std::vector<fs::path> found(const std::vector<std::string>& paths) {
    auto files = discover_scenarios(paths);
    REQUIRE_MESSAGE(files.has_value(), files.error());
    return *files;
}

// Discovers `paths` and returns the reason it must fail with.
std::string reason_of(const std::vector<std::string>& paths) {
    auto files = discover_scenarios(paths);
    REQUIRE_FALSE(files.has_value());
    return files.error();
}

} // namespace

TEST_SUITE("discover") {
    TEST_CASE("a file is taken as given whatever its extension") {
        auto dir = fresh_dir("discover-file");
        auto file = write_file(dir / "check.txt", "scenario: s\n");
        CHECK(found({file.string()}) == std::vector<fs::path>{file});
    }

    TEST_CASE("a folder is searched recursively for yaml and yml files in sorted order") {
        auto dir = fresh_dir("discover-folder");
        write_file(dir / "b.yaml", "");
        write_file(dir / "a.yml", "");
        write_file(dir / "notes.md", "");
        write_file(dir / "sub/c.yaml", "");
        write_file(dir / "sub/deeper/a.yaml", "");
        write_file(dir / "sub/c.yaml.bak", "");
        fs::create_directories(dir / "folder.yaml");
        CHECK(found({dir.string()}) ==
              std::vector<fs::path>{dir / "a.yml", dir / "b.yaml", dir / "sub/c.yaml", dir / "sub/deeper/a.yaml"});
    }

    TEST_CASE("paths keep their command-line order") {
        auto dir = fresh_dir("discover-order");
        auto z = write_file(dir / "z.yaml", "");
        write_file(dir / "folder/a.yaml", "");
        CHECK(found({z.string(), (dir / "folder").string()}) == std::vector<fs::path>{z, dir / "folder/a.yaml"});
    }

    TEST_CASE("a file named twice is listed once") {
        auto dir = fresh_dir("discover-duplicates");
        auto a = write_file(dir / "a.yaml", "");
        auto b = write_file(dir / "b.yaml", "");
        auto files = found({a.string(), dir.string(), (dir / "." / "a.yaml").string(), b.string()});
        CHECK(files == std::vector<fs::path>{a, b});
    }

    TEST_CASE("a path that does not exist is an error") {
        auto missing = (fresh_dir("discover-missing") / "nope.yaml").string();
        CHECK(reason_of({missing}) == missing + ": no such file or folder; pass scenario files or folders of *.yaml");
    }

    TEST_CASE("finding nothing is an error") {
        auto dir = fresh_dir("discover-empty");
        write_file(dir / "readme.md", "");
        CHECK(reason_of({dir.string()}) == "no scenario files (*.yaml, *.yml) found in the given paths");
        CHECK(reason_of({}) == "no scenario files (*.yaml, *.yml) found in the given paths");
    }
}

TEST_SUITE("discover_special") {
    TEST_CASE("a named FIFO or link loop is passed on for loading to refuse, not reported missing") {
        auto dir = fresh_dir("discover-special");
        REQUIRE(::mkfifo((dir / "fifo.yaml").c_str(), 0600) == 0);
        fs::create_symlink("loop.yaml", dir / "loop.yaml");
        CHECK(found({(dir / "fifo.yaml").string(), (dir / "loop.yaml").string()}) ==
              std::vector<fs::path>{dir / "fifo.yaml", dir / "loop.yaml"});
        CHECK(reason_of({(dir / "none.yaml").string()}) ==
              (dir / "none.yaml").string() + ": no such file or folder; pass scenario files or folders of *.yaml");
    }

    TEST_CASE("a folder lists its FIFOs and passes over dangling links") {
        auto dir = fresh_dir("discover-folder-special");
        REQUIRE(::mkfifo((dir / "fifo.yaml").c_str(), 0600) == 0);
        fs::create_symlink("loop.yaml", dir / "loop.yaml");
        fs::create_symlink("gone.yaml", dir / ".#lock.yaml");
        write_file(dir / "ok.yaml", "x");
        CHECK(found({dir.string()}) == std::vector<fs::path>{dir / "fifo.yaml", dir / "ok.yaml"});
    }
}
