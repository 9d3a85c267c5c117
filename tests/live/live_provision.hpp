#pragma once

// Helpers of the provider tests: run folders the server accounts can reach, and the processes
// that name a path.

#include <sys/types.h>

#include <filesystem>
#include <vector>

#include "provision/run_dir.hpp"

namespace stagegate::test {

// Returns a fresh folder below the scratch folder for run folders, traversable (with its parents)
// by the unprivileged accounts the servers run as.
std::filesystem::path runtime_root();

// Creates a run folder below `root` (REQUIRE: fails the test when it cannot).
RunDir make_run_dir(const std::filesystem::path& root);

// Returns the ids of the live processes whose command line names `path` (a process that exits
// while it is read is skipped).
std::vector<pid_t> processes_naming(const std::filesystem::path& path);

} // namespace stagegate::test
