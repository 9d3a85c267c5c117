#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stagegate/deadline.hpp"

namespace stagegate {

// An unprivileged account that servers run as when stagegate runs as root.
struct UnixUser {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

// Returns the account `name`, or a one-line reason it cannot be used.
std::expected<UnixUser, std::string> lookup_user(const std::string& name);

struct SpawnSpec {
    std::vector<std::string> argv;                                // argv[0] is an absolute path
    std::optional<UnixUser> as_user;                              // drop to this account before exec
    std::filesystem::path output;                                 // stdout and stderr appended here; empty = /dev/null
    bool die_with_parent = false;                                 // the kernel signals the child when stagegate dies
    int parent_death_signal = 9;                                  // SIGKILL unless the server has a cleaner one
    std::vector<std::pair<std::string, std::string>> environment; // set in the child only, over stagegate's
};

// A child process. Destroying a running Process kills it (SIGKILL) and reaps it.
class Process {
  public:
    virtual ~Process() = default;
    // Returns the process id.
    virtual pid_t pid() const = 0;
    // Returns the exit status once the process ended (reaping it), or nothing while it runs.
    virtual std::optional<int> poll_exit() = 0;
    // Waits until the process ends or the deadline passes; returns the exit status if it ended.
    virtual std::optional<int> wait(const Deadline& deadline) = 0;
    // Sends `signal` if the process still runs.
    virtual void signal(int signal) = 0;
    // Kills the process and everything in its process group (it leads its own group).
    virtual void kill_group() = 0;
};

// Starts processes. A boundary to the outside world: unit tests hand in a fake.
class ProcessLauncher {
  public:
    virtual ~ProcessLauncher() = default;
    // Starts `spec`; fails with a one-line reason (e.g. exec failed: No such file or directory).
    virtual std::expected<std::unique_ptr<Process>, std::string> spawn(const SpawnSpec& spec) = 0;
};

// Returns the launcher that forks and execs for real.
ProcessLauncher& system_launcher();

// Runs `spec` to completion within the deadline; returns its exit status, or a reason (the
// process is killed when the deadline passes or the run is interrupted).
std::expected<int, std::string> run_to_completion(ProcessLauncher& launcher, const SpawnSpec& spec,
                                                  const Deadline& deadline);

} // namespace stagegate
