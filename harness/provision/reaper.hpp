#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "provision/process.hpp"

namespace stagegate {

class RunDir;

// Finishes the teardown of throwaway servers off the critical path: a server handed over has
// already been told to stop; the Reaper notices its exit, removes its folder with a background
// `rm -rf`, and forgets it in the run dir. Destroying the Reaper waits for all of it (escalating
// to SIGQUIT and SIGKILL for a server that does not stop), so nothing outlives the provider.
// Thread-safe.
class Reaper {
  public:
    Reaper(const RunDir& run_dir, ProcessLauncher& launcher);
    ~Reaper();
    Reaper(const Reaper&) = delete;
    Reaper& operator=(const Reaper&) = delete;

    // Takes a server that was sent its stop signal, and the folder to remove once it exited.
    void bury(std::unique_ptr<Process> server, std::filesystem::path dir);
    // Advances every teardown without blocking.
    void collect();

  private:
    struct Grave {
        std::unique_ptr<Process> server;
        std::unique_ptr<Process> remover;
        std::filesystem::path dir;
    };
    void finish(Grave& grave);
    void collect_locked();

    const RunDir& m_run_dir;
    ProcessLauncher& m_launcher;
    std::mutex m_mutex;
    std::vector<Grave> m_graves;
};

} // namespace stagegate
