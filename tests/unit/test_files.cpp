#include <doctest/doctest.h>

#include "support.hpp"
#include "util/files.hpp"

#include <sys/stat.h>

using namespace stagegate;
using namespace stagegate::test;
namespace fs = std::filesystem;

TEST_SUITE("files") {
    TEST_CASE("write_file_atomically replaces the file whole, with its mode, and leaves no temporary file") {
        auto dir = fresh_dir("files-atomic");
        auto file = dir / "pg_hba.conf";
        REQUIRE(write_file_atomically(file, 0644, "first\n").has_value());
        REQUIRE(write_file_atomically(file, 0600, "second\n").has_value());
        CHECK(read_file(file) == "second\n");
        struct stat info {};
        REQUIRE(::stat(file.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
        CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    }

    TEST_CASE("a writer that fails, or a missing folder, is one reason and no file") {
        auto dir = fresh_dir("files-fail");
        auto failed = write_file_atomically(dir / "x", 0644, std::nullopt, [](std::FILE*) { return false; });
        REQUIRE_FALSE(failed.has_value());
        CHECK(failed.error() == "cannot write " + (dir / "x").string());
        CHECK(fs::is_empty(dir));
        auto missing = write_file_atomically(dir / "nope" / "x", 0644, "text");
        REQUIRE_FALSE(missing.has_value());
        CHECK(missing.error() == "cannot write " + (dir / "nope" / "x").string() + ": No such file or directory");
    }
}
