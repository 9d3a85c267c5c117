// Fuzz target: the libpq driver's parse, through the Driver interface, as every candidate string
// is read.
#include "fuzz_input.hpp"

#include "stagegate/driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stagegate::fuzz::parse_candidate("libpq", data, size);
    return 0;
}
