#pragma once
// The reports `run` writes to a file (or standard output) once the run is over, one row each in
// the table of report_files.cpp: adding a format (TAP, SARIF) is a writer and a row.

#include "run/outcome.hpp"

#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace stagegate {

struct ReportFile {
    std::string_view flag;      // the option of `run` that names the file: "--json"
    std::string_view help;      // that option's help
    std::string_view type_name; // that option's value in the help: "FILE|-"
    // Returns the whole report of an outcome without secrets (redact()).
    std::string (*render)(const RunOutcome& outcome);
};

// Every report file format, in the order the help lists them.
std::span<const ReportFile> report_files();

// Writes `text` to `target`: "-" is standard output; a file is written to a temporary
// sibling and renamed into place, so readers never see half a report.
std::expected<void, std::string> write_report(const std::string& text, const std::string& target);

} // namespace stagegate
