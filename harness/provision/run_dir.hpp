#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stagegate {

// The file stagegate writes first into every folder it makes below the runtime root, and its one
// line: a folder without it is not stagegate's and is never removed.
inline constexpr std::string_view k_run_mark_file = "stagegate-run";
inline constexpr std::string_view k_run_mark_text = "stagegate run folder: removed by stagegate when its run ends\n";

// The one directory a stagegate run owns: every throwaway server's data, sockets and logs live
// below it. Created under a per-user root (memory-backed /dev/shm when present), locked with
// flock for as long as the run lives, and guarded by a watchdog process that kills the run's
// servers, brings its compose projects down and removes the directory if stagegate dies without
// cleaning up (even by SIGKILL).
// Creating one first sweeps the directories of dead runs, and only those: a run directory is
// stale when it carries stagegate's mark (a file written first at creation) and nobody holds its
// lock (or the lock is gone: removal goes from the inside out, lock and mark last). A root that
// stagegate did not create itself is never changed.
class RunDir {
  public:
    // Creates the run directory below `root` (empty = default_root()). Call before starting
    // threads: the watchdog is forked from here.
    static std::expected<RunDir, std::string> create(const std::filesystem::path& root = {});

    // Returns the variable every child of the run at `run` carries in its environment (and passes on
    // to what it starts), by which the watchdog and the sweep recognise the run's processes.
    static std::pair<std::string, std::string> child_mark_of(const std::filesystem::path& run);
    std::pair<std::string, std::string> child_mark() const { return child_mark_of(m_path); }

    // Returns $STAGEGATE_RUNTIME_DIR, else /dev/shm/stagegate-<uid>, else $TMPDIR/stagegate-<uid>.
    static std::filesystem::path default_root();

    // Removes the directories of dead runs below `root`; returns how many were removed.
    static int sweep_stale(const std::filesystem::path& root);

    RunDir(RunDir&& other) noexcept;
    RunDir& operator=(RunDir&&) = delete;
    RunDir(const RunDir&) = delete;
    ~RunDir();

    // Returns the run directory.
    const std::filesystem::path& path() const { return m_path; }

    // Creates `name` below the run directory, owned by `uid`:`gid` when running as root.
    std::expected<std::filesystem::path, std::string> make_dir(const std::string& name, uid_t uid, gid_t gid) const;

    // Records a server the watchdog must stop if stagegate dies; `marker` is a path that appears
    // on the server's command line, so a reused pid is never mistaken for ours. Any other process
    // of the run is recognised by its command line naming the run folder or by child_mark().
    void record_server(pid_t pid, const std::filesystem::path& marker) const;

    // Forgets a server that stagegate stopped itself.
    void forget_server(pid_t pid) const;

    // Records a compose project before it starts: until it is forgotten, removing the run (at its
    // end, from the watchdog after stagegate died, or from a later stale sweep) runs `down`, the
    // project's complete `down -v` command line (argv[0] absolute), bounded to 60 s.
    void record_compose_project(const std::string& project, const std::vector<std::string>& down) const;

    // Forgets a compose project whose `down -v` stagegate ran itself.
    void forget_compose_project(const std::string& project) const;

  private:
    RunDir(std::filesystem::path path, int lock_fd, int watchdog_fd, pid_t watchdog);

    std::filesystem::path m_path;
    int m_lock_fd = -1;
    int m_watchdog_fd = -1;
    pid_t m_watchdog = -1;
};

} // namespace stagegate
