// Config files that fuzzing (tests/fuzz) found stagegate mishandling; each input is also in the
// fuzz corpus, so the fuzz replay keeps it too.
#include <doctest/doctest.h>

#include "scenario/config_file.hpp"
#include "support.hpp"

using namespace stagegate;
using namespace stagegate::test;

TEST_SUITE("config_file") {
    TEST_CASE("a YAML file with a comma alone on a line fails instead of looping in yaml-cpp") {
        auto file = write_file(fresh_dir("config-fuzzed") / "application.yml", "spring:\n  url: a\n---\n,\n");
        auto value = read_config_value(file, *find_config_loader("spring"), "spring.url", fixed_env({}));
        REQUIRE_FALSE(value.has_value());
        CHECK(value.error() == file.string() + ":4: not valid YAML: the parser cannot read on from this line (a stray "
                                               "',' or the like): fix it");
    }
}

TEST_SUITE("config_file") {
    TEST_CASE("suggestions for a long key compare a bounded amount of text, in file order") {
        // The key and each path below are 1,001 characters long, so each comparison costs about a
        // million character pairs: the budget of 5 million ends before the fifth path, and the
        // closest spelling, last in the file, is not looked at.
        const std::string segment(500, 'k');
        std::string text = segment + ":\n";
        for (char last : {'a', 'b', 'c', 'd', 'e'})
            text += "  " + segment.substr(2) + "x" + last + ": v\n";
        text += "  " + segment.substr(1) + "z: v\n";
        auto file = write_file(fresh_dir("config-fuzzed") / "application.yml", text);
        auto value = read_config_value(file, *find_config_loader("spring"), segment + "." + segment, fixed_env({}));
        REQUIRE_FALSE(value.has_value());
        CHECK(value.error().find(segment.substr(2) + "xa") != std::string::npos);
        CHECK(value.error().find(segment.substr(1) + "z") == std::string::npos);
    }
}
