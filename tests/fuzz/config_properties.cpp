// Fuzz target: one value read out of a Java .properties file by the spring loader (placeholders)
// and the plain properties loader. Input: the key on the first line, the file's contents after it.
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stagegate::fuzz::read_config({"spring", "properties"}, "application.properties", data, size);
    return 0;
}
