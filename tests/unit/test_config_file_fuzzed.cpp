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
        auto value = read_config_value(file, ConfigFormat::yaml, "spring.url", fixed_env({}));
        REQUIRE_FALSE(value.has_value());
        CHECK(value.error() == file.string() + ":4: not valid YAML: the parser cannot read on from this line (a stray "
                                               "',' or the like): fix it");
    }
}
