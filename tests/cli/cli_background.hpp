#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace stagegate::test {

// The built stagegate started in the background (cwd: the repository's top folder unless given;
// stdout and stderr go to files), so that a test can signal it mid-run. Destroying a running
// one kills it (SIGKILL) and reaps it.
class BackgroundStagegate {
  public:
    BackgroundStagegate(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                        const std::string& cwd = {});
    ~BackgroundStagegate();
    BackgroundStagegate(const BackgroundStagegate&) = delete;
    BackgroundStagegate& operator=(const BackgroundStagegate&) = delete;

    pid_t pid() const { return m_pid; }
    // Sends `number` unless the process already ended.
    void signal(int number);
    // Waits up to `timeout_ms` for the process to end; returns its exit code (128+N when killed
    // by signal N), or nothing while it still runs.
    std::optional<int> wait(int timeout_ms);
    // What it wrote so far.
    std::string out() const;
    std::string err() const;

  private:
    pid_t m_pid = -1;
    std::optional<int> m_exit;
    std::filesystem::path m_out;
    std::filesystem::path m_err;
};

// Calls `condition` every 20 ms until it holds or `timeout_ms` passed; returns whether it held.
bool wait_until(const std::function<bool()>& condition, int timeout_ms);

// Returns a fresh folder for STAGEGATE_RUNTIME_DIR below the scratch folder, traversable (with
// its parents) by the unprivileged account the servers run as.
std::filesystem::path fresh_runtime_root(const std::string& name);

// Returns "pid: command line (cwd)" for every live process but this one whose command line names
// a path below `dir` or whose working folder lies below it (a PostgreSQL back end rewrites its
// command line but keeps its data folder as working folder).
std::vector<std::string> processes_under(const std::filesystem::path& dir);

// Starts `stagegate run` on `scenario` (written to a fresh folder named `name`) in the background
// with its run folders below `root`, and returns once `log` (a file of the run folder, e.g.
// "pg-1/server.log") contains `marker`: the candidate's long query has started. REQUIREs that
// it starts within 60 s and that stagegate still runs.
std::unique_ptr<BackgroundStagegate> start_long_query(const std::filesystem::path& root, const std::string& name,
                                                      const std::string& scenario, const std::string& log,
                                                      const std::string& marker);

// Checks (doctest CHECKs) that no run-* folder and no process naming a path below `root` is left.
void check_nothing_left(const std::filesystem::path& root);

// Returns the run-* folders (folders only) directly below `root`.
std::vector<std::filesystem::path> run_dirs(const std::filesystem::path& root);

// Returns the file `name` (e.g. "pg-1/server.log") of the first run-* folder below `root`, or nothing.
std::optional<std::filesystem::path> file_in_run(const std::filesystem::path& root, const std::string& name);

// Returns `text` split into lines, without empty ones.
std::vector<std::string> lines_of(const std::string& text);

} // namespace stagegate::test
