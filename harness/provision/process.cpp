#include "provision/process.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace stagegate {

std::expected<UnixUser, std::string> lookup_user(const std::string& name) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
        return std::unexpected(fmt::format("there is no system account \"{}\"", name));
    UnixUser user{name, entry.pw_uid, entry.pw_gid, {}};
    int count = 64;
    user.groups.resize(static_cast<std::size_t>(count));
    if (getgrouplist(name.c_str(), entry.pw_gid, user.groups.data(), &count) < 0) {
        user.groups.resize(static_cast<std::size_t>(count));
        getgrouplist(name.c_str(), entry.pw_gid, user.groups.data(), &count);
    }
    user.groups.resize(static_cast<std::size_t>(count));
    return user;
}

namespace {

int decode_status(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

class SystemProcess final : public Process {
  public:
    explicit SystemProcess(pid_t pid) : m_pid(pid) {}
    ~SystemProcess() override {
        if (!m_status) {
            ::kill(-m_pid, SIGKILL);
            ::kill(m_pid, SIGKILL); // in case it left its group
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }
    pid_t pid() const override { return m_pid; }

    std::optional<int> poll_exit() override {
        if (m_status)
            return m_status;
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != m_pid)
            return std::nullopt;
        // Ended, not yet reaped: its pid (the group's id) cannot be reused yet, so whatever it
        // left running in its group (a copy whose shell died) is killed without risk.
        ::kill(-m_pid, SIGKILL);
        int status = 0;
        if (::waitpid(m_pid, &status, 0) == m_pid)
            m_status = decode_status(status);
        return m_status;
    }

    std::optional<int> wait(const Deadline& deadline) override {
        // A pidfd becomes readable the moment the child exits: no polling delay.
        int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0));
        while (!poll_exit()) {
            if (deadline.expired())
                break;
            auto slice = std::min<long>(deadline.remaining().count(), 20);
            if (pidfd >= 0) {
                pollfd pfd{pidfd, POLLIN, 0};
                ::poll(&pfd, 1, static_cast<int>(std::max<long>(slice, 1)));
            } else {
                std::this_thread::sleep_for(Millis(1));
            }
        }
        if (pidfd >= 0)
            ::close(pidfd);
        return m_status;
    }

    void signal(int number) override {
        if (!poll_exit())
            ::kill(m_pid, number);
    }

    void signal_group(int number) override {
        if (!poll_exit())
            ::kill(-m_pid, number);
    }

  private:
    pid_t m_pid;
    std::optional<int> m_status;
};

// Everything the child needs, prepared before fork: after fork only async-signal-safe calls.
struct ChildPlan {
    std::vector<std::string> strings;
    std::vector<char*> argv;
    std::vector<std::string> env_strings;
    std::vector<char*> envp;
    std::string output;
    const UnixUser* user = nullptr;
    bool die_with_parent = false;
    int death_signal = SIGKILL;
    pid_t parent = 0;
    int report_fd = -1;
};

[[noreturn]] void child_fail(int fd, int error) {
    ssize_t ignored = ::write(fd, &error, sizeof error);
    (void)ignored;
    ::_exit(127);
}

[[noreturn]] void run_child(const ChildPlan& plan) {
    ::setpgid(0, 0); // own process group: a terminal's Ctrl-C reaches stagegate, which stops servers in order
    int null_fd = ::open("/dev/null", O_RDWR);
    int out_fd = plan.output.empty() ? null_fd : ::open(plan.output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null_fd < 0 || out_fd < 0)
        child_fail(plan.report_fd, errno);
    if (plan.user && !plan.output.empty() && ::fchown(out_fd, plan.user->uid, plan.user->gid) != 0)
        child_fail(plan.report_fd, errno);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    if (plan.user) {
        if (::setgroups(plan.user->groups.size(), plan.user->groups.data()) != 0 || ::setgid(plan.user->gid) != 0 ||
            ::setuid(plan.user->uid) != 0)
            child_fail(plan.report_fd, errno);
    }
    // After setuid: a change of credentials clears the parent-death signal, so set it last.
    if (plan.die_with_parent) {
        ::prctl(PR_SET_PDEATHSIG, plan.death_signal);
        if (::getppid() != plan.parent)
            ::_exit(1);
    }
    // Keep report_fd (close-on-exec) so that an exec failure still reaches the parent.
    unsigned report = static_cast<unsigned>(plan.report_fd);
    if (report > 3)
        ::close_range(3, report - 1, 0);
    ::close_range(report + 1, ~0U, 0);
    ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
    child_fail(plan.report_fd, errno);
}

class SystemLauncher final : public ProcessLauncher {
  public:
    std::expected<std::unique_ptr<Process>, std::string> spawn(const SpawnSpec& spec) override {
        ChildPlan plan;
        plan.strings = spec.argv;
        for (auto& arg : plan.strings)
            plan.argv.push_back(arg.data());
        plan.argv.push_back(nullptr);
        plan.output = spec.output.string();
        plan.env_strings = child_environment(spec);
        for (auto& entry : plan.env_strings)
            plan.envp.push_back(entry.data());
        plan.envp.push_back(nullptr);
        plan.user = spec.as_user ? &*spec.as_user : nullptr;
        plan.die_with_parent = spec.die_with_parent;
        plan.death_signal = spec.parent_death_signal;
        plan.parent = ::getpid();
        int report[2];
        if (::pipe2(report, O_CLOEXEC) != 0)
            return std::unexpected(fmt::format("pipe: {}", std::strerror(errno)));
        plan.report_fd = report[1];
        pid_t pid = ::fork();
        if (pid < 0) {
            ::close(report[0]);
            ::close(report[1]);
            return std::unexpected(fmt::format("fork: {}", std::strerror(errno)));
        }
        if (pid == 0) {
            ::close(report[0]);
            ::fcntl(report[1], F_SETFD, FD_CLOEXEC);
            run_child(plan);
        }
        ::setpgid(pid, pid); // the child does so too: whichever runs first, the group exists before any kill(-pid)
        ::close(report[1]);
        int error = 0;
        ssize_t got;
        do {
            got = ::read(report[0], &error, sizeof error);
        } while (got < 0 && errno == EINTR);
        ::close(report[0]);
        auto process = std::make_unique<SystemProcess>(pid);
        if (got == sizeof error) {
            process->wait(Deadline::in(Millis(5000)));
            return std::unexpected(fmt::format("cannot start {}: {}", spec.argv.at(0), std::strerror(error)));
        }
        return process;
    }
};

} // namespace

std::string read_proc_file(pid_t pid, const char* what) {
    // read(2), not an ifstream: a process that exits mid-read fails the read with ESRCH, which
    // libstdc++'s filebuf turns into an exception (fatal in a destructor that gets here).
    int fd = ::open(fmt::format("/proc/{}/{}", pid, what).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {};
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<std::size_t>(got));
    ::close(fd);
    return text;
}

void note_shared_memory(pid_t pid, SharedMemory& found) {
    // maps lines: range perms offset device inode path; a SysV segment's inode is its id.
    std::istringstream maps(read_proc_file(pid, "maps"));
    for (std::string line; std::getline(maps, line);) {
        std::istringstream fields(line);
        std::string range, perms, offset, device, inode, path;
        fields >> range >> perms >> offset >> device >> inode >> path;
        if (path.starts_with("/dev/shm/PostgreSQL."))
            found.files.insert(path);
        else if (path.starts_with("/SYSV"))
            found.segments.insert(std::atoi(inode.c_str()));
    }
}

int note_group_shared_memory(pid_t group, SharedMemory& found) {
    int live = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        pid_t pid = static_cast<pid_t>(std::atoi(entry.path().filename().c_str()));
        if (pid <= 0 || ::getpgid(pid) != group)
            continue;
        if (!read_proc_file(pid, "maps").empty()) // a zombie has no memory left
            ++live;
        note_shared_memory(pid, found);
    }
    return live;
}

void remove_shared_memory(const SharedMemory& found) {
    for (const auto& file : found.files)
        ::unlink(file.c_str());
    for (int id : found.segments) {
        shmid_ds info{};
        if (::shmctl(id, IPC_STAT, &info) == 0 && info.shm_nattch == 0)
            ::shmctl(id, IPC_RMID, nullptr);
    }
}

std::vector<std::string> child_environment(const SpawnSpec& spec) {
    auto own = [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        return value ? std::optional<std::string>(value) : std::nullopt;
    };
    std::vector<std::pair<std::string, std::string>> variables{
        {"PATH", own("PATH").value_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")},
        {"LANG", "C"},
        {"LC_ALL", "C"}};
    std::vector<std::string> passed = spec.inherit;
    passed.insert(passed.begin(), "TZ");
    for (const auto& name : passed)
        if (auto value = own(name))
            variables.emplace_back(name, *value);
    for (const auto& [name, value] : spec.environment) {
        std::erase_if(variables, [&](const auto& variable) { return variable.first == name; });
        variables.emplace_back(name, value);
    }
    std::vector<std::string> entries;
    for (const auto& [name, value] : variables)
        entries.push_back(name + "=" + value);
    return entries;
}

ProcessLauncher& system_launcher() {
    static SystemLauncher launcher;
    return launcher;
}

std::expected<int, std::string> run_to_completion(ProcessLauncher& launcher, const SpawnSpec& spec,
                                                  const Deadline& deadline) {
    auto process = launcher.spawn(spec);
    if (!process)
        return std::unexpected(process.error());
    while (true) {
        if (auto status = (*process)->wait(deadline.capped(Millis(20))))
            return *status;
        if (deadline.stopped() || deadline.expired()) {
            // With what it started (initdb's `postgres --single`): asked first, killed (the
            // group) if it lingers, and its shared memory removed after it.
            // Not through wait(): once the leader ends, its Process kills the rest of the group,
            // which would cut a back end's own clean-up short.
            SharedMemory mapped;
            pid_t group = (*process)->pid();
            note_group_shared_memory(group, mapped);
            (*process)->signal_group(SIGTERM);
            for (int i = 0; i < 100 && note_group_shared_memory(group, mapped) > 0; ++i)
                std::this_thread::sleep_for(Millis(20));
            process->reset(); // kills what lingers in the group, reaps the leader
            for (int i = 0; i < 100 && ::kill(-group, 0) == 0; ++i)
                std::this_thread::sleep_for(Millis(5)); // the rest of the group is on its way out
            remove_shared_memory(mapped);
        }
        if (deadline.stopped())
            return std::unexpected(fmt::format("{} was interrupted", spec.argv.at(0)));
        if (deadline.expired())
            return std::unexpected(fmt::format("{} did not finish in time and was killed", spec.argv.at(0)));
    }
}

} // namespace stagegate
