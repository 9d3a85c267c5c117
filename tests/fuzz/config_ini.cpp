// Fuzz target: one value read out of an INI or MySQL option file. Input: the key on the first
// line, the file's contents after it.
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stagegate::fuzz::read_config({"ini"}, "my.cnf", data, size);
    return 0;
}
