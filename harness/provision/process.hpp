#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
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

// What to start. The child never sees stagegate's environment (CI secrets live there): it gets
// child_environment(spec), a minimal one.
struct SpawnSpec {
    std::vector<std::string> argv;                                // argv[0] is an absolute path
    std::optional<UnixUser> as_user;                              // drop to this account before exec
    std::filesystem::path output;                                 // stdout and stderr appended here; empty = /dev/null
    bool die_with_parent = false;                                 // the kernel signals the child when stagegate dies
    int parent_death_signal = 9;                                  // SIGKILL unless the server has a cleaner one
    std::vector<std::pair<std::string, std::string>> environment; // set in the child, over the minimal ones
    std::vector<std::string> inherit; // names of stagegate's variables the child needs too (DOCKER_HOST)
};

// Returns the child's whole environment: PATH (stagegate's, else the system's), LANG=C, LC_ALL=C,
// TZ when stagegate has one, the `inherit` variables stagegate has, then `environment`.
std::vector<std::string> child_environment(const SpawnSpec& spec);

// A child process: it leads its own process group, which holds what it starts in turn (initdb's
// `postgres --single`, a server's back ends). Destroying a running Process kills that whole group
// (SIGKILL) and reaps the child.
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
    // Sends `signal` to the process and everything in its process group, if the process still runs.
    virtual void signal_group(int signal) = 0;
    // Kills the process and everything in its process group.
    void kill_group() { signal_group(9); }
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

// Returns the whole of /proc/<pid>/<what> (cmdline, environ, maps, stat), or "" when it is gone.
std::string read_proc_file(pid_t pid, const char* what);

// Shared memory that processes had mapped: POSIX objects of PostgreSQL in /dev/shm, SysV segments.
// A PostgreSQL process that is killed (or that ends on a signal in initdb's bootstrap) cannot
// remove what it made; noting it before the signal lets stagegate remove it afterwards.
struct SharedMemory {
    std::set<std::string> files;
    std::set<int> segments;
};

// Adds what `pid` has mapped to `found`.
void note_shared_memory(pid_t pid, SharedMemory& found);

// Adds what every process in the process group `group` has mapped to `found`; returns how many
// of them still live (zombies aside).
int note_group_shared_memory(pid_t group, SharedMemory& found);

// Removes `found`: the files, and each segment nobody has attached any more.
void remove_shared_memory(const SharedMemory& found);

// Runs `spec` to completion within the deadline; returns its exit status, or a reason (the
// process and its process group are killed when the deadline passes or the run is interrupted).
std::expected<int, std::string> run_to_completion(ProcessLauncher& launcher, const SpawnSpec& spec,
                                                  const Deadline& deadline);

} // namespace stagegate
