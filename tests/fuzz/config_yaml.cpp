// Fuzz target: one value read out of a YAML config file (Rails ERB, Spring placeholders, merge
// keys). Input: the key on the first line, the file's contents after it.
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stagegate::fuzz::read_config(stagegate::ConfigFormat::yaml, "application.yml", data, size);
    return 0;
}
