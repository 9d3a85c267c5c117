// Fuzz target: `stagegate diff` on two strings: OLD on the first line, NEW after it. Both are read
// by the driver guessed from them (libpq when neither tells), compared field by field and
// rendered as text and JSON.
#include "fuzz_input.hpp"

#include "scenario/config_diff.hpp"
#include "util/redactor.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace {

// No secret of either string appears in the rendered diff (checked for those long and plain
// enough that finding them is no accident).
void check_secrets_kept(const std::string& rendered, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        bool plain = std::all_of(secret.begin(), secret.end(), [](unsigned char c) { return std::isalnum(c); });
        if (plain && secret.size() >= 8 && rendered.find(secret) != std::string::npos)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace stagegate;
    auto [before_text, after_text] = fuzz::first_line(fuzz::as_text(data, size));
    auto guess = guess_driver(before_text);
    if (!guess)
        guess = guess_driver(after_text);
    const Driver* driver = find_driver(guess.value_or("libpq"));
    if (driver == nullptr)
        std::abort(); // guess_driver names only built-in drivers
    auto before = driver->parse(before_text);
    auto after = driver->parse(after_text);
    if (!before || !after)
        return 0;
    Redactor redactor;
    std::vector<std::string> secrets = before->secrets;
    secrets.insert(secrets.end(), after->secrets.begin(), after->secrets.end());
    for (const auto& secret : secrets)
        redactor.add(secret);
    ConfigDiff diff = diff_configs(*driver, *before, *after);
    check_secrets_kept(diff_text(diff, redactor), secrets);
    check_secrets_kept(diff_json(diff, redactor), secrets);
    return 0;
}
