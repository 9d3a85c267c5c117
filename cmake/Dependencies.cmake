# Every find_package of the project lives here. All come from Debian 12 packages
# (scripts/setup installs them); nothing is vendored or downloaded at build time.
find_package(PostgreSQL REQUIRED)          # libpq-dev; CMake's FindPostgreSQL
find_package(fmt REQUIRED)                 # libfmt-dev
find_package(nlohmann_json 3.10 REQUIRED)  # nlohmann-json3-dev
find_package(CLI11 REQUIRED)               # libcli11-dev
find_package(yaml-cpp REQUIRED)            # libyaml-cpp-dev
find_package(OpenSSL REQUIRED)             # libssl-dev

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

# MySQL Connector/C++ 1.1 (libmysqlcppconn-dev) and SOCI 4.0 (libsoci-dev) ship neither CMake
# configs nor pkg-config files: headers and libraries are found by hand. Connector/C++'s headers
# use Boost smart pointers and Debian's SOCI config turns Boost on, so libboost-dev is needed too.
find_package(Boost REQUIRED)               # libboost-dev (headers only)
find_path(MYSQLCPPCONN_INCLUDE_DIR mysql_driver.h REQUIRED)
find_library(MYSQLCPPCONN_LIBRARY mysqlcppconn REQUIRED)
add_library(stagegate_mysqlcppconn INTERFACE)
target_include_directories(stagegate_mysqlcppconn SYSTEM INTERFACE "${MYSQLCPPCONN_INCLUDE_DIR}")
target_link_libraries(stagegate_mysqlcppconn INTERFACE "${MYSQLCPPCONN_LIBRARY}" Boost::headers)

# SOCI's backend headers include <libpq-fe.h>, <mysql.h> and <sqlite3.h>; the backends are
# linked as shared libraries and registered through their factories (soci::postgresql, ...).
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)             # libre2-dev: expect_match patterns
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)   # libmariadb-dev
find_package(SQLite3 REQUIRED)                                    # libsqlite3-dev
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
add_library(stagegate_soci INTERFACE)
target_include_directories(stagegate_soci SYSTEM INTERFACE "${SOCI_INCLUDE_DIR}")
foreach(component core postgresql mysql sqlite3)
  find_library(SOCI_${component}_LIBRARY soci_${component} REQUIRED)
endforeach()
target_link_libraries(stagegate_soci INTERFACE
  "${SOCI_postgresql_LIBRARY}" "${SOCI_mysql_LIBRARY}" "${SOCI_sqlite3_LIBRARY}" "${SOCI_core_LIBRARY}"
  PostgreSQL::PostgreSQL PkgConfig::MARIADB SQLite::SQLite3 Boost::headers ${CMAKE_DL_LIBS})
