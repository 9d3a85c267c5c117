# Every find_package of the project lives here. All come from Debian 12 packages
# (scripts/setup installs them); nothing is vendored or downloaded at build time.
find_package(PostgreSQL REQUIRED)          # libpq-dev; CMake's FindPostgreSQL
find_package(fmt REQUIRED)                 # libfmt-dev
find_package(nlohmann_json 3.10 REQUIRED)  # nlohmann-json3-dev
find_package(CLI11 REQUIRED)               # libcli11-dev
find_package(yaml-cpp REQUIRED)            # libyaml-cpp-dev

# yaml-cpp 0.7 exports `yaml-cpp`; 0.8 renames it `yaml-cpp::yaml-cpp`.
add_library(stagegate_yaml INTERFACE)
if(TARGET yaml-cpp::yaml-cpp)
  target_link_libraries(stagegate_yaml INTERFACE yaml-cpp::yaml-cpp)
else()
  target_link_libraries(stagegate_yaml INTERFACE yaml-cpp)
endif()

if(STAGEGATE_TESTS)
  find_package(doctest REQUIRED)           # doctest-dev; brings doctest_discover_tests
endif()
