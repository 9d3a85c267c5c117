// Fuzz target: one value read out of a JSON config file (comments allowed). Input: the key on the
// first line, the file's contents after it.
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stagegate::fuzz::read_config({"json"}, "appsettings.json", data, size);
    return 0;
}
