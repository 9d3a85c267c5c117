#include "stagegate/driver.hpp"

#include "libpq/libpq_driver.hpp"
#include "mysql/mysqlcppconn.hpp"
#include "soci/soci_driver.hpp"

#include <algorithm>
#include <array>

namespace stagegate {

namespace {
// A plain table: adding a client means adding a row here.
const std::array<const Driver*, 3> k_drivers{&libpq::driver(), &mysql::driver(), &soci_client::driver()};
} // namespace

const Driver* find_driver(std::string_view name) {
    for (const Driver* driver : k_drivers) {
        if (driver->name() == name)
            return driver;
    }
    return nullptr;
}

std::span<const Driver* const> all_drivers() {
    return k_drivers;
}

bool speaks(const Driver& driver, std::string_view protocol) {
    auto protocols = driver.protocols();
    return std::find(protocols.begin(), protocols.end(), protocol) != protocols.end();
}

std::string driver_names_speaking(std::string_view protocol, std::string_view separator) {
    std::string names;
    for (const Driver* driver : k_drivers) {
        if (speaks(*driver, protocol))
            names += (names.empty() ? "" : std::string(separator)) + std::string(driver->name());
    }
    return names;
}

std::string driver_names_with(Capability capability, std::string_view separator) {
    std::string names;
    for (const Driver* driver : k_drivers) {
        if (driver->has(capability))
            names += (names.empty() ? "" : std::string(separator)) + std::string(driver->name());
    }
    return names;
}

std::string driver_names() {
    std::string names;
    for (const Driver* driver : k_drivers)
        names += (names.empty() ? "" : ", ") + std::string(driver->name());
    return names;
}

} // namespace stagegate
