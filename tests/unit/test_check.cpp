// The kinds of check (Check::Spec): each one is documented where users look it up, so a new
// kind fails here until docs/scenario-format.md and docs/json-report.md describe it.
#include <doctest/doctest.h>

#include "scenario/scenario.hpp"
#include "support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string>
#include <vector>

using namespace stagegate;
using namespace stagegate::test;

namespace {

// Returns the lines of the "## checks" section of docs/scenario-format.md, up to the next "## ".
std::vector<std::string> checks_section() {
    std::istringstream in(read_file(source_dir() / "docs" / "scenario-format.md"));
    std::vector<std::string> lines;
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("## "))
            inside = line == "## checks";
        else if (inside)
            lines.push_back(line);
    }
    return lines;
}

// Returns the line of `file` (under docs/) that starts with `lead`, or an empty string.
std::string doc_line(const std::string& file, std::string_view lead) {
    std::istringstream in(read_file(source_dir() / "docs" / file));
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(lead))
            return line;
    }
    return {};
}

// Returns the anchor a Markdown heading gets: lower case, spaces as '-', other punctuation dropped.
std::string anchor_of(std::string_view heading) {
    std::string anchor;
    for (char c : heading) {
        if (c == ' ')
            anchor += '-';
        else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
            anchor += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return anchor;
}

} // namespace

TEST_SUITE("check") {
    TEST_CASE("every kind of check has its row in the table of checks and its own section") {
        const std::vector<std::string> section = checks_section();
        REQUIRE_FALSE(section.empty());
        for_each_check_kind([&]<class Kind>(std::type_identity<Kind>) {
            std::string lead = fmt::format("| [{}](#", Kind::k_keyword);
            CAPTURE(lead);
            auto row = std::find_if(section.begin(), section.end(),
                                    [&](const std::string& line) { return line.starts_with(lead); });
            REQUIRE_MESSAGE(row != section.end(), "docs/scenario-format.md, checks: the table has no row for it");
            Check check;
            check.spec = Kind{};
            CHECK_MESSAGE(row->ends_with(fmt::format("| `{}` |", check.layer())),
                          "the row's last column is not the layer reports show");
            std::string anchor = row->substr(lead.size(), row->find(')', lead.size()) - lead.size());
            bool has_section = std::any_of(section.begin(), section.end(), [&](const std::string& line) {
                return line.starts_with("### ") && anchor_of(line.substr(4)) == anchor;
            });
            CHECK_MESSAGE(has_section, "the row links to #", anchor, ", which is no ### heading of the section");
        });
    }

    TEST_CASE("every kind of check has its layer in the JSON report's reference") {
        std::string row = doc_line("json-report.md", "| `layer` | string |");
        REQUIRE_FALSE(row.empty());
        for_each_check_kind([&]<class Kind>(std::type_identity<Kind>) {
            Check check;
            check.spec = Kind{};
            std::string entry = fmt::format("`\"{}\"` ({})", check.layer(), Kind::k_keyword);
            CHECK_MESSAGE(row.contains(entry), "docs/json-report.md, the layer field: no ", entry);
        });
    }
}
