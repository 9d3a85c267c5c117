// Fuzz target: ${NAME} and ${NAME:-default} interpolation of scenario values.
#include "fuzz_input.hpp"

#include "scenario/interpolate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace stagegate;
    (void)interpolate(std::string(fuzz::as_text(data, size)), fuzz::fixed_environment());
    return 0;
}
