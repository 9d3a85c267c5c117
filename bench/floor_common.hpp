// What the two provisioning floors (floor_provision.cpp for PostgreSQL, floor_provision_mariadb.cpp)
// share: errors, a free port, the server account, fork + exec as that account with a parent-death
// signal, waiting, and medians. Header-only: each floor is one g++ command in bench/run*.
#pragma once

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace floor_common {

[[noreturn]] inline void die(const std::string& what) {
    std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
    std::exit(1);
}

inline int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        die("cannot find a free port on 127.0.0.1");
    ::close(fd);
    return ntohs(address.sin_port);
}

struct Account {
    bool drop = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

// The server's account when running as root (the servers refuse root); nothing to drop otherwise.
inline Account account(const char* name) {
    Account account;
    if (::geteuid() != 0)
        return account;
    passwd* entry = ::getpwnam(name);
    if (!entry)
        die(std::string("no ") + name + " account");
    account.drop = true;
    account.uid = entry->pw_uid;
    account.gid = entry->pw_gid;
    int count = 64;
    account.groups.resize(count);
    if (::getgrouplist(name, entry->pw_gid, account.groups.data(), &count) < 0) {
        account.groups.resize(count);
        ::getgrouplist(name, entry->pw_gid, account.groups.data(), &count);
    }
    account.groups.resize(count);
    return account;
}

// fork + exec; as_user drops to the server's account first, and the child gets `death_signal`
// when this program dies. Output goes to `log` (or /dev/null).
inline pid_t spawn(std::vector<std::string> args, const Account* as_user, const std::string& log, int death_signal) {
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0)
        die(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        int null_fd = ::open("/dev/null", O_RDWR);
        int out_fd = log.empty() ? null_fd : ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (as_user && !log.empty() && ::fchown(out_fd, as_user->uid, as_user->gid) != 0)
            ::_exit(126);
        ::dup2(null_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(out_fd, 2);
        if (as_user && as_user->drop) {
            if (::setgroups(as_user->groups.size(), as_user->groups.data()) != 0 || ::setgid(as_user->gid) != 0 ||
                ::setuid(as_user->uid) != 0)
                ::_exit(126);
        }
        ::prctl(PR_SET_PDEATHSIG, death_signal); // never outlive this program
        if (::getppid() != parent)
            ::_exit(1);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

inline int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

inline double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

inline double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

} // namespace floor_common
