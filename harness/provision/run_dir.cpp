#include "provision/run_dir.hpp"

#include "provision/process.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_prefix = "run-";
constexpr std::string_view k_lock = "lock";
constexpr std::string_view k_mark = k_run_mark_file;
constexpr std::string_view k_servers = "servers";
constexpr std::string_view k_compose = "compose";

bool is_ours(pid_t pid, const std::string& marker) {
    std::string cmdline = read_proc_file(pid, "cmdline");
    return !cmdline.empty() && cmdline.find(marker) != std::string::npos;
}

// Whether `pid` belongs to the run at `run`: its command line names the folder, or it carries the
// run's mark in its environment (what the run's children start inherits it: initdb's
// `postgres --single` gets its data folder through PGDATA, not its command line).
bool belongs_to_run(pid_t pid, const fs::path& run) {
    if (is_ours(pid, run.string() + "/"))
        return true;
    auto [name, value] = RunDir::child_mark_of(run);
    std::string environ = read_proc_file(pid, "environ");
    std::string entry = name + "=" + value;
    return environ.starts_with(entry + '\0') || environ.find('\0' + entry + '\0') != std::string::npos;
}

// Stops every server recorded below `run`: waits briefly for the parent-death signal to have
// done it, then kills what is left (only processes whose command line names our marker).
void stop_recorded_servers(const fs::path& run) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(run / k_servers, ec)) {
        pid_t pid = static_cast<pid_t>(std::atoi(entry.path().filename().c_str()));
        std::ifstream in(entry.path());
        std::string marker;
        std::getline(in, marker);
        if (pid <= 0 || marker.empty())
            continue;
        for (int i = 0; i < 250 && is_ours(pid, marker); ++i) {
            if (i == 150) {
                ::kill(-pid, SIGKILL); // with its process group (a server's back ends)
                ::kill(pid, SIGKILL);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
}

// Ends every other process of the run (belongs_to_run): helpers such as a template copy whose
// parent died or initdb's `postgres --single`, which would otherwise keep writing into a folder
// being removed. SIGTERM first, for a second; SIGKILL for what lingers. initdb's back ends
// (`postgres --boot`, `--single`) make shared memory of their own and may not remove it when
// told to end: what they had mapped is removed once they are gone.
void kill_stragglers(const fs::path& run) {
    std::error_code ec;
    const pid_t self = ::getpid();
    SharedMemory mapped;
    for (int round = 0; round < 150; ++round) {
        bool found = false;
        for (const auto& entry : fs::directory_iterator("/proc", ec)) {
            pid_t pid = static_cast<pid_t>(std::atoi(entry.path().filename().c_str()));
            if (pid <= 0 || pid == self || !belongs_to_run(pid, run))
                continue;
            note_shared_memory(pid, mapped);
            ::kill(pid, round < 100 ? SIGTERM : SIGKILL);
            found = true;
        }
        if (!found)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    remove_shared_memory(mapped);
}

// Runs the `down -v` of every compose project recorded below `run` (after the stragglers are gone,
// so an `up` still running cannot race it; before the folder goes, as `down` names its files).
void bring_down_compose_projects(const fs::path& run) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(run / k_compose, ec)) {
        std::ifstream in(entry.path(), std::ios::binary);
        SpawnSpec spec;
        for (std::string arg; std::getline(in, arg, '\0');)
            spec.argv.push_back(arg);
        if (spec.argv.empty() || !fs::path(spec.argv[0]).is_absolute())
            continue;
        auto status = run_to_completion(system_launcher(), spec, Deadline::in(std::chrono::milliseconds(60000)));
        (void)status; // best effort: nothing is left to report to
    }
}

// Removes `dir` and everything below it, tolerating entries that vanish (or appear) meanwhile:
// a process that dies as the folder goes removes its own files. Retries a few rounds.
void remove_tree(const fs::path& dir) {
    for (int round = 0; round < 20; ++round) {
        std::error_code ec;
        fs::remove_all(dir, ec);
        if (!fs::exists(fs::symlink_status(dir, ec)))
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * round));
    }
}

// Removes a run folder: its lock and mark go last, so a removal cut short leaves a folder the next
// sweep still knows as a dead run's.
void remove_run_folder(const fs::path& run) {
    std::error_code ec;
    for (int round = 0; round < 3; ++round) {
        for (const auto& entry : fs::directory_iterator(run, ec)) {
            auto name = entry.path().filename().string();
            if (name != k_lock && name != k_mark)
                remove_tree(entry.path());
        }
    }
    fs::remove(run / k_lock, ec);
    fs::remove(run / k_mark, ec);
    remove_tree(run);
}

void remove_run(const fs::path& run) {
    stop_recorded_servers(run);
    kill_stragglers(run);
    bring_down_compose_projects(run);
    kill_stragglers(run); // anything that started meanwhile
    remove_run_folder(run);
}

[[noreturn]] void watchdog_main(int read_fd, int lock_fd, const fs::path& run) {
    ::setsid();
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE})
        ::signal(sig, SIG_IGN);
    int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    for (int fd = 3; fd < 1024; ++fd) {
        if (fd != read_fd && fd != lock_fd)
            ::close(fd);
    }
    char byte;
    ssize_t got;
    do {
        got = ::read(read_fd, &byte, 1);
    } while (got > 0 || (got < 0 && errno == EINTR));
    // The write end closed: stagegate ended, cleanly or not. Whatever is left is ours to remove.
    remove_run(run);
    ::_exit(0);
}

std::string random_suffix() {
    std::random_device device;
    return fmt::format("{:08x}", device());
}

// Whether `dir` holds stagegate's mark: a regular file (never a FIFO that would block the read)
// with exactly the mark's text.
bool has_mark(const fs::path& dir) {
    int fd = ::open((dir / k_mark).c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat info {};
    std::string text(k_run_mark_text.size() + 1, '\0');
    ssize_t got = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) ? ::read(fd, text.data(), text.size()) : -1;
    ::close(fd);
    return got == static_cast<ssize_t>(k_run_mark_text.size()) && text.starts_with(k_run_mark_text);
}

bool write_mark(const fs::path& dir) {
    std::ofstream out(dir / k_mark, std::ios::binary);
    out << k_run_mark_text;
    return static_cast<bool>(out.flush());
}

// A root stagegate makes is its own: traversable by the unprivileged server account, listable only
// by us. A root that exists (STAGEGATE_RUNTIME_DIR=/tmp) is used as it is, never changed.
std::expected<void, std::string> ensure_root(const fs::path& root, bool chosen) {
    std::error_code ec;
    bool made = fs::create_directories(root, ec);
    struct stat info {};
    if (::lstat(root.c_str(), &info) != 0)
        return std::unexpected(fmt::format("cannot create {}: {}", root.string(), std::strerror(errno)));
    if (!S_ISDIR(info.st_mode))
        return std::unexpected(
            fmt::format("{} is not a directory; remove it or set STAGEGATE_RUNTIME_DIR", root.string()));
    if (made) {
        ::chmod(root.c_str(), 0711);
        return {};
    }
    // Where the default root sits (/dev/shm) anybody can make it first: only ours will do.
    if (!chosen && info.st_uid != ::geteuid())
        return std::unexpected(fmt::format("{} is not a directory owned by this user; remove it or set "
                                           "STAGEGATE_RUNTIME_DIR",
                                           root.string()));
    if (::access(root.c_str(), W_OK | X_OK) != 0)
        return std::unexpected(fmt::format("cannot write to {}: {}", root.string(), std::strerror(errno)));
    return {};
}

} // namespace

fs::path RunDir::default_root() {
    if (const char* dir = std::getenv("STAGEGATE_RUNTIME_DIR"); dir && *dir)
        return dir;
    std::string name = fmt::format("stagegate-{}", ::geteuid());
    if (::access("/dev/shm", W_OK | X_OK) == 0)
        return fs::path("/dev/shm") / name;
    std::error_code ec;
    return fs::temp_directory_path(ec) / name;
}

int RunDir::sweep_stale(const fs::path& root) {
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        std::string name = entry.path().filename().string();
        // A folder still being made is renamed within microseconds; one a minute old was left by
        // a run that died in between.
        if (!entry.is_directory(ec) || entry.is_symlink(ec) || !has_mark(entry.path()))
            continue; // not made by stagegate: never touched
        bool abandoned = name.starts_with(".making-") && fs::last_write_time(entry.path(), ec) <
                                                             fs::file_time_type::clock::now() - std::chrono::minutes(1);
        if (abandoned) {
            remove_tree(entry.path());
            continue;
        }
        if (!name.starts_with(k_prefix))
            continue;
        int fd = ::open((entry.path() / k_lock).c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0 && errno != ENOENT)
            continue;
        // No lock file left: a removal that was cut short (the lock goes last but one).
        if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            remove_run(entry.path());
            ++removed;
        }
        if (fd >= 0)
            ::close(fd);
    }
    return removed;
}

std::expected<RunDir, std::string> RunDir::create(const fs::path& requested_root) {
    const char* variable = std::getenv("STAGEGATE_RUNTIME_DIR");
    bool chosen = !requested_root.empty() || (variable && *variable);
    fs::path root = requested_root.empty() ? default_root() : requested_root;
    if (auto ok = ensure_root(root, chosen); !ok)
        return std::unexpected(ok.error());
    sweep_stale(root);
    std::string name = fmt::format("{}-{}", ::getpid(), random_suffix());
    fs::path run = root / (std::string(k_prefix) + name);
    // Made under a name the sweep ignores and renamed once locked: another run sweeping at the
    // same moment can never take it for a dead run's folder between its creation and its lock.
    fs::path making = root / (".making-" + name);
    std::error_code ec;
    if (!fs::create_directory(making, ec))
        return std::unexpected(fmt::format("cannot create {}: {}", making.string(), ec.message()));
    if (!write_mark(making) || !fs::create_directory(making / k_servers, ec)) {
        std::string why = ec ? ec.message() : std::string("cannot write its mark");
        remove_tree(making);
        return std::unexpected(fmt::format("cannot create {}: {}", making.string(), why));
    }
    ::chmod(making.c_str(), 0711);
    int lock_fd = ::open((making / k_lock).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0 || ::rename(making.c_str(), run.c_str()) != 0) {
        std::string why = std::strerror(errno);
        remove_tree(making);
        return std::unexpected(fmt::format("cannot lock {}: {}", run.string(), why));
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        remove_run_folder(run);
        return std::unexpected(fmt::format("pipe: {}", std::strerror(errno)));
    }
    pid_t watchdog = ::fork();
    if (watchdog == 0) {
        ::close(pipe_fds[1]);
        watchdog_main(pipe_fds[0], lock_fd, run);
    }
    ::close(pipe_fds[0]);
    if (watchdog < 0) {
        ::close(pipe_fds[1]);
        remove_run_folder(run);
        return std::unexpected(fmt::format("fork: {}", std::strerror(errno)));
    }
    return RunDir(run, lock_fd, pipe_fds[1], watchdog);
}

RunDir::RunDir(fs::path path, int lock_fd, int watchdog_fd, pid_t watchdog)
    : m_path(std::move(path)), m_lock_fd(lock_fd), m_watchdog_fd(watchdog_fd), m_watchdog(watchdog) {}

RunDir::RunDir(RunDir&& other) noexcept
    : m_path(std::move(other.m_path)), m_lock_fd(std::exchange(other.m_lock_fd, -1)),
      m_watchdog_fd(std::exchange(other.m_watchdog_fd, -1)), m_watchdog(std::exchange(other.m_watchdog, -1)) {}

RunDir::~RunDir() {
    if (m_lock_fd < 0)
        return;
    remove_run(m_path);
    ::close(m_watchdog_fd);
    int status = 0;
    ::waitpid(m_watchdog, &status, 0);
    ::close(m_lock_fd);
}

std::expected<fs::path, std::string> RunDir::make_dir(const std::string& name, uid_t uid, gid_t gid) const {
    fs::path dir = m_path / name;
    std::error_code ec;
    if (!fs::create_directory(dir, ec))
        return std::unexpected(fmt::format("cannot create {}: {}", dir.string(), ec ? ec.message() : "it exists"));
    ::chmod(dir.c_str(), 0700);
    if (::geteuid() == 0 && ::chown(dir.c_str(), uid, gid) != 0)
        return std::unexpected(fmt::format("cannot hand {} to uid {}: {}", dir.string(), uid, std::strerror(errno)));
    return dir;
}

std::pair<std::string, std::string> RunDir::child_mark_of(const fs::path& run) {
    return {"STAGEGATE_RUN", run.string()};
}

void RunDir::record_server(pid_t pid, const fs::path& marker) const {
    std::ofstream(m_path / k_servers / std::to_string(pid)) << marker.string() << '\n';
}

void RunDir::forget_server(pid_t pid) const {
    std::error_code ec;
    fs::remove(m_path / k_servers / std::to_string(pid), ec);
}

void RunDir::record_compose_project(const std::string& project, const std::vector<std::string>& down) const {
    std::error_code ec;
    fs::create_directories(m_path / k_compose, ec);
    std::ofstream out(m_path / k_compose / project, std::ios::binary);
    for (const auto& arg : down)
        out << arg << '\0';
}

void RunDir::forget_compose_project(const std::string& project) const {
    std::error_code ec;
    fs::remove(m_path / k_compose / project, ec);
}

} // namespace stagegate
