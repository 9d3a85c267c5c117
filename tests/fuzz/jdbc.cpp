// Fuzz target: JDBC URL translation for each driver. Input: the URL on the first line, then
// optionally the user (Spring's username key) and the password on the next two lines.
#include "fuzz_input.hpp"

#include "scenario/jdbc.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace {

std::vector<std::string> lines_of(std::string_view url, std::string_view driver, const std::optional<std::string>& user,
                                  const std::optional<std::string>& password) {
    auto translated = stagegate::translate_jdbc(url, driver, user, password);
    return translated ? translated->mapping : std::vector{translated.error()};
}

bool in_any(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

// A password given apart from the URL never appears in a message or a mapping line (the header's
// promise). Checked only for passwords long and plain enough that finding them is no accident,
// and that are not words of the lines themselves: "password" is in "password (from the password
// key)" whatever the password is, which the lines of a stand-in password show.
void check_password_kept(std::string_view url, std::string_view driver, const std::optional<std::string>& user,
                         const std::optional<std::string>& password, const std::vector<std::string>& lines) {
    if (!password || password->size() < 8 || url.find(*password) != std::string_view::npos ||
        (user && user->find(*password) != std::string::npos) ||
        !std::all_of(password->begin(), password->end(), [](unsigned char c) { return std::isalnum(c); }))
        return;
    if (!in_any(lines, *password))
        return;
    std::string stand_in(password->size(), 'Q');
    if (in_any(lines_of(url, driver, user, stand_in), *password))
        return; // the lines' own words
    std::abort();
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
    for (std::string_view driver : {"libpq", "mysqlcppconn", "soci"})
        check_password_kept(url, driver, user, password, lines_of(url, driver, user, password));
    return 0;
}
