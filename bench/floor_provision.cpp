// The floor for provisioning a throwaway PostgreSQL: K times, copy an initdb'd template with
// `cp -a`, exec `postgres` directly as the postgres account (fork + setgroups/setgid/setuid),
// poll PQping every 2 ms until PQPING_OK, then SIGINT + waitpid + remove the directory.
// Nothing else: no superuser login, no scenario, no reporting. With K=0 it measures only its
// own process start, so (time(K=10) - time(K=0)) / 10 is the cost of one instance.
//
//   floor_provision <template-data-dir> <work-dir> <K> [--breakdown]
//   floor_provision --free-port          prints a free TCP port on 127.0.0.1
//
// The server gets the same arguments stagegate gives it (harness/provision/local_postgres.cpp).
// --breakdown prints the median of each phase (copy, start until ready, stop, remove) to stderr.
#include <libpq-fe.h>

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
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "floor_provision: %s\n", what.c_str());
    std::exit(1);
}

int free_port() {
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

Account postgres_account() {
    Account account;
    if (::geteuid() != 0) return account;
    passwd* entry = ::getpwnam("postgres");
    if (!entry) die("no postgres account");
    account.drop = true;
    account.uid = entry->pw_uid;
    account.gid = entry->pw_gid;
    int count = 64;
    account.groups.resize(count);
    if (::getgrouplist("postgres", entry->pw_gid, account.groups.data(), &count) < 0) {
        account.groups.resize(count);
        ::getgrouplist("postgres", entry->pw_gid, account.groups.data(), &count);
    }
    account.groups.resize(count);
    return account;
}

// fork + exec; as_user drops to the postgres account first. Output goes to `log` (or /dev/null).
pid_t spawn(std::vector<std::string> args, const Account* as_user, const std::string& log) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        int null_fd = ::open("/dev/null", O_RDWR);
        int out_fd = log.empty() ? null_fd : ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (as_user && !log.empty() && ::fchown(out_fd, as_user->uid, as_user->gid) != 0) ::_exit(126);
        ::dup2(null_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(out_fd, 2);
        if (as_user && as_user->drop) {
            if (::setgroups(as_user->groups.size(), as_user->groups.data()) != 0 || ::setgid(as_user->gid) != 0 ||
                ::setuid(as_user->uid) != 0)
                ::_exit(126);
        }
        ::prctl(PR_SET_PDEATHSIG, SIGQUIT); // never outlive this program
        if (::getppid() != parent) ::_exit(1);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

fs::path find_bindir() {
    if (const char* dir = std::getenv("STAGEGATE_PG_BINDIR"); dir && *dir) return dir;
    int best = 0;
    fs::path found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        int version = std::atoi(entry.path().filename().c_str());
        if (version > best && fs::exists(entry.path() / "bin" / "postgres")) {
            best = version;
            found = entry.path() / "bin";
        }
    }
    if (found.empty()) die("no PostgreSQL under /usr/lib/postgresql");
    return found;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--free-port") {
        std::printf("%d\n", free_port());
        return 0;
    }
    if (argc < 4) die("usage: floor_provision <template-data-dir> <work-dir> <K> [--breakdown]");
    fs::path templ = argv[1];
    fs::path work = argv[2];
    int k = std::atoi(argv[3]);
    bool breakdown = argc > 4 && std::string(argv[4]) == "--breakdown";
    if (k == 0) return 0; // process start-up only: the K=0 side of the difference
    fs::path postgres = find_bindir() / "postgres";
    Account account = postgres_account();
    std::vector<double> copy_ms, ready_ms, stop_ms, remove_ms;

    for (int i = 0; i < k; ++i) {
        auto t0 = Clock::now();
        fs::path dir = work / ("floor-" + std::to_string(::getpid()) + "-" + std::to_string(i));
        if (::mkdir(dir.c_str(), 0700) != 0) die("mkdir " + dir.string() + ": " + std::strerror(errno));
        if (account.drop && ::chown(dir.c_str(), account.uid, account.gid) != 0) die("chown " + dir.string());
        fs::path data = dir / "data";
        pid_t cp = spawn({"/bin/cp", "-a", templ.string(), data.string()}, nullptr, "");
        int status = wait_for(cp);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("cp -a failed");
        auto t1 = Clock::now();

        int port = free_port();
        std::vector<std::string> args{postgres.string(), "-D", data.string(), "-p", std::to_string(port), "-k",
                                      dir.string()};
        for (const char* setting : {"listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off",
                                    "full_page_writes=off", "logging_collector=off", "log_destination=stderr",
                                    "unix_socket_permissions=0700"})
            args.insert(args.end(), {"-c", setting});
        pid_t server = spawn(args, &account, (dir / "server.log").string());
        std::string conninfo = "hostaddr=127.0.0.1 port=" + std::to_string(port) +
                               " dbname=postgres user=postgres connect_timeout=2";
        while (PQping(conninfo.c_str()) != PQPING_OK) {
            int st = 0;
            if (::waitpid(server, &st, WNOHANG) == server) die("postgres exited; see " + (dir / "server.log").string());
            if (Clock::now() - t1 > std::chrono::seconds(30)) {
                ::kill(server, SIGQUIT);
                wait_for(server);
                die("postgres not ready after 30 s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        auto t2 = Clock::now();

        ::kill(server, SIGINT); // fast shutdown
        wait_for(server);
        auto t3 = Clock::now();
        std::error_code ec;
        fs::remove_all(dir, ec);
        if (ec) die("remove " + dir.string() + ": " + ec.message());
        auto t4 = Clock::now();
        copy_ms.push_back(ms(t1 - t0));
        ready_ms.push_back(ms(t2 - t1));
        stop_ms.push_back(ms(t3 - t2));
        remove_ms.push_back(ms(t4 - t3));
    }
    if (breakdown)
        std::fprintf(stderr,
                     "{\"copy_ms\": %.2f, \"start_until_ready_ms\": %.2f, \"sigint_stop_ms\": %.2f, \"remove_ms\": %.2f}\n",
                     median(copy_ms), median(ready_ms), median(stop_ms), median(remove_ms));
    return 0;
}
