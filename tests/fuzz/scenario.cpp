// Fuzz target: a scenario file's text through the loader, as `lint` and `run` read it. Files the
// scenario names (setup SQL, from: config files) resolve against tests/fuzz/home.
#include "fuzz_input.hpp"

#include "scenario/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace stagegate;
    static const std::filesystem::path file = std::filesystem::path(STAGEGATE_FUZZ_HOME) / "scenario.yaml";
    auto scenario = load_scenario_text(std::string(fuzz::as_text(data, size)), file, fuzz::fixed_environment());
    if (!scenario)
        (void)scenario.error().to_string();
    return 0;
}
