#include "util/output.hpp"

#include "util/text.hpp"

#include <algorithm>

namespace stagegate {

Redactor& process_secrets() {
    static Redactor secrets;
    return secrets;
}

std::string cut_secrets(std::string_view text) {
    return process_secrets().apply(text);
}

void print_line(std::FILE* stream, std::string_view text, std::string_view before, std::string_view after) {
    std::string line = std::string(before) + printable_line(cut_secrets(text)) + std::string(after) + "\n";
    std::fputs(line.c_str(), stream);
}

void print_lines(std::FILE* stream, std::string_view text) {
    while (!text.empty()) {
        auto end = std::min(text.find('\n'), text.size());
        print_line(stream, text.substr(0, end));
        text.remove_prefix(std::min(end + 1, text.size()));
    }
}

} // namespace stagegate
