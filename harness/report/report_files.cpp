#include "report/report_files.hpp"

#include "report/json.hpp"
#include "report/junit.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace stagegate {

namespace {

constexpr std::array k_report_files{
    ReportFile{"--json", "Write the JSON report (stagegate-report/1) to FILE, or - for stdout", "FILE|-", json_report},
    ReportFile{"--junit", "Write a JUnit XML report to FILE, or - for stdout", "FILE|-", junit_report},
};

} // namespace

std::span<const ReportFile> report_files() {
    return k_report_files;
}

std::expected<void, std::string> write_report(const std::string& text, const std::string& target) {
    if (target == "-") {
        if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
            return std::unexpected(std::string("cannot write the report to standard output"));
        return {};
    }
    std::filesystem::path path(target);
    std::filesystem::path temporary = path;
    temporary += fmt::format(".tmp-{}", ::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush())
            return std::unexpected(fmt::format("cannot write {}", temporary.string()));
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        std::filesystem::remove(temporary, ec);
        return std::unexpected(fmt::format("cannot write {}: {}", target, ec.message()));
    }
    return {};
}

} // namespace stagegate
