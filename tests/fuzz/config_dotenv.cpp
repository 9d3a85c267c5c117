// Fuzz target: one value read out of a .env file (quotes, escapes, ${VAR} expansion). Input: the
// key on the first line, the file's contents after it.
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stagegate::fuzz::read_config({"env"}, ".env", data, size);
    return 0;
}
