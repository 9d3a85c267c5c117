// Fuzz target: one value read out of a YAML config file by the rails (ERB), spring (placeholders)
// and plain yaml loaders (merge keys). Input: the key on the first line, the file's contents after it.
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stagegate::fuzz::read_config({"rails", "spring", "yaml"}, "application.yml", data, size);
    return 0;
}
