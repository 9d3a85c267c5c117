#include "live_provision.hpp"

#include "live_checks.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

namespace stagegate::test {

namespace fs = std::filesystem;

fs::path runtime_root() {
    fs::permissions(scratch_dir(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                       fs::perms::others_read | fs::perms::others_exec);
    return fresh_dir("runtime");
}

RunDir make_run_dir(const fs::path& root) {
    auto run_dir = RunDir::create(root);
    REQUIRE_MESSAGE(run_dir.has_value(), why(run_dir));
    return std::move(*run_dir);
}

namespace {

std::string command_line(pid_t pid) {
    try {
        return read_file("/proc/" + std::to_string(pid) + "/cmdline");
    } catch (const std::exception&) {
        return {}; // the process ended while it was read
    }
}

} // namespace

std::vector<pid_t> processes_naming(const fs::path& path) {
    std::vector<pid_t> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        pid_t pid = std::atoi(entry.path().filename().c_str());
        if (pid > 0 && command_line(pid).find(path.string()) != std::string::npos)
            found.push_back(pid);
    }
    return found;
}

} // namespace stagegate::test
