// Fuzz target: JDBC URL translation for each driver. Input: the URL on the first line, then
// optionally the user (Spring's username key) and the password on the next two lines.
#include "fuzz_input.hpp"

#include "scenario/jdbc.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace {

// A password given apart from the URL never appears in a message or a mapping line (the header's
// promise). Checked only for passwords long and plain enough that finding them is no accident.
void check_password_kept(std::string_view url, const std::optional<std::string>& user,
                         const std::optional<std::string>& password, const std::vector<std::string>& lines) {
    if (!password || password->size() < 8 || url.find(*password) != std::string_view::npos ||
        (user && user->find(*password) != std::string::npos) ||
        !std::all_of(password->begin(), password->end(), [](unsigned char c) { return std::isalnum(c); }))
        return;
    for (const auto& line : lines) {
        if (line.find(*password) != std::string::npos)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace stagegate;
    auto text = fuzz::as_text(data, size);
    auto [url, rest] = fuzz::first_line(text);
    auto [user_line, after_user] = fuzz::first_line(rest);
    std::optional<std::string> user;
    std::optional<std::string> password;
    if (url.size() < text.size())
        user = std::string(user_line);
    if (user_line.size() < rest.size())
        password = std::string(fuzz::first_line(after_user).first);
    for (std::string_view driver : {"libpq", "mysqlcppconn", "soci"}) {
        auto translated = translate_jdbc(url, driver, user, password);
        check_password_kept(url, user, password, translated ? translated->mapping : std::vector{translated.error()});
    }
    return 0;
}
