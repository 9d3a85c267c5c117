#include "provision/reaper.hpp"

#include "provision/run_dir.hpp"

#include <algorithm>
#include <csignal>

namespace stagegate {

namespace fs = std::filesystem;

Reaper::Reaper(const RunDir& run_dir, ProcessLauncher& launcher) : m_run_dir(run_dir), m_launcher(launcher) {}

Reaper::~Reaper() {
    std::lock_guard lock(m_mutex);
    for (auto& grave : m_graves)
        finish(grave);
}

void Reaper::bury(std::unique_ptr<Process> server, fs::path dir) {
    std::lock_guard lock(m_mutex);
    m_graves.push_back(Grave{std::move(server), nullptr, std::move(dir)});
    collect_locked();
}

void Reaper::collect() {
    std::lock_guard lock(m_mutex);
    collect_locked();
}

void Reaper::collect_locked() {
    for (auto& grave : m_graves) {
        if (grave.server && grave.server->poll_exit()) {
            m_run_dir.forget_server(grave.server->pid());
            grave.server.reset();
            SpawnSpec remove;
            remove.argv = {"/bin/rm", "-rf", grave.dir.string()};
            remove.die_with_parent = true;
            auto remover = m_launcher.spawn(remove);
            if (remover)
                grave.remover = std::move(*remover);
            else
                finish(grave);
        }
        if (!grave.server && grave.remover && grave.remover->poll_exit())
            grave.remover.reset();
    }
    std::erase_if(m_graves, [](const Grave& grave) { return !grave.server && !grave.remover; });
}

void Reaper::finish(Grave& grave) {
    if (grave.server) {
        // Fast shutdown was requested; immediate shutdown if it lingers, then no more asking
        // (destroying the Process kills its group).
        if (!grave.server->wait(Deadline::in(Millis(5000)))) {
            grave.server->signal(SIGQUIT);
            grave.server->wait(Deadline::in(Millis(2000)));
        }
        m_run_dir.forget_server(grave.server->pid());
        grave.server.reset();
    }
    if (grave.remover) {
        grave.remover->wait(Deadline::in(Millis(10000)));
        grave.remover.reset();
    }
    std::error_code ec;
    fs::remove_all(grave.dir, ec);
}

} // namespace stagegate
