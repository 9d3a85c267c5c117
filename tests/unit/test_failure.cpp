#include <doctest/doctest.h>

#include "stagegate/failure.hpp"

using namespace stagegate;

TEST_SUITE("failure") {
    TEST_CASE("every category round-trips through its report name") {
        for (Category category : all_categories()) {
            auto name = to_string(category);
            REQUIRE(category_from_string(name).has_value());
            CHECK(*category_from_string(name) == category);
        }
        CHECK(all_categories().size() == 11);
    }

    TEST_CASE("report names are the ones of the v1 contract") {
        CHECK(to_string(Category::no_database) == "no-database");
        CHECK(to_string(Category::expectation) == "expectation");
        CHECK_FALSE(category_from_string("no_database").has_value());
        CHECK_FALSE(category_from_string("").has_value());
    }
}
