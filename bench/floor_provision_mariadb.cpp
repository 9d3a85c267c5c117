// The floor for provisioning a throwaway MariaDB: K times, copy a mariadb-install-db'd template
// with `cp -a`, exec `mariadbd --no-defaults` directly as the mysql account (fork +
// setgroups/setgid/setuid), try a root login with libmariadb every 2 ms until one succeeds, then
// SIGKILL + waitpid + remove the directory. Nothing else: no scenario, no setup, no reporting.
// With K=0 it measures only its own process start, so (time(K=10) - time(K=0)) / 10 is the cost
// of one instance.
//
//   floor_provision_mariadb <template-data-dir> <work-dir> <K> <root-password> [--breakdown]
//
// The server gets the arguments stagegate gives it (LocalMariadb::server_arguments in
// harness/provision/local_mariadb.cpp) and is stopped the way stagegate stops it (SIGKILL: the
// data is thrown away). --breakdown prints the median of each phase to stderr as JSON.
#include <mysql.h>

#include <thread>

#include "floor_common.hpp"

using namespace floor_common;

namespace {

fs::path find_server() {
    if (const char* path = std::getenv("STAGEGATE_MARIADBD"); path && *path)
        return path;
    for (const char* candidate : {"/usr/sbin/mariadbd", "/usr/bin/mariadbd"})
        if (::access(candidate, X_OK) == 0)
            return candidate;
    die("no mariadbd");
}

// One root login over TCP; true when the server accepted it.
bool try_login(int port, const char* password) {
    MYSQL* handle = mysql_init(nullptr);
    if (!handle)
        die("mysql_init failed");
    unsigned int timeout = 2;
    mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    bool ok = mysql_real_connect(handle, "127.0.0.1", "root", password, nullptr, port, nullptr, 0) != nullptr;
    unsigned int code = ok ? 0 : mysql_errno(handle);
    mysql_close(handle);
    if (code == 1045)
        die("the template's root password was refused");
    return ok;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 5)
        die("usage: floor_provision_mariadb <template-data-dir> <work-dir> <K> <root-password> [--breakdown]");
    fs::path templ = argv[1];
    fs::path work = argv[2];
    int k = std::atoi(argv[3]);
    const char* password = argv[4];
    bool breakdown = argc > 5 && std::string(argv[5]) == "--breakdown";
    if (k == 0)
        return 0; // process start-up only: the K=0 side of the difference
    if (mysql_library_init(0, nullptr, nullptr) != 0)
        die("mysql_library_init failed");
    fs::path server = find_server();
    Account account = floor_common::account("mysql");
    std::vector<double> copy_ms, ready_ms, stop_ms, remove_ms;

    for (int i = 0; i < k; ++i) {
        auto t0 = Clock::now();
        fs::path dir = work / ("mfloor-" + std::to_string(::getpid()) + "-" + std::to_string(i));
        if (::mkdir(dir.c_str(), 0700) != 0)
            die("mkdir " + dir.string() + ": " + std::strerror(errno));
        if (account.drop && ::chown(dir.c_str(), account.uid, account.gid) != 0)
            die("chown " + dir.string());
        fs::path data = dir / "data";
        pid_t cp = spawn({"/bin/cp", "-a", templ.string(), data.string()}, nullptr, "", SIGKILL);
        int status = wait_for(cp);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("cp -a failed");
        auto t1 = Clock::now();

        int port = free_port();
        // The same arguments as LocalMariadb::server_arguments.
        std::vector<std::string> args{server.string(),
                                      "--no-defaults",
                                      "--datadir=" + data.string(),
                                      "--port=" + std::to_string(port),
                                      "--socket=" + (dir / "mysqld.sock").string(),
                                      "--pid-file=" + (dir / "mariadbd.pid").string(),
                                      "--bind-address=127.0.0.1",
                                      "--skip-name-resolve",
                                      "--innodb-log-file-size=8M",
                                      "--innodb-buffer-pool-size=32M",
                                      "--innodb-flush-log-at-trx-commit=0",
                                      "--innodb-doublewrite=0",
                                      "--skip-log-bin"};
        pid_t pid = spawn(args, &account, (dir / "server.log").string(), SIGKILL);
        while (!try_login(port, password)) {
            int st = 0;
            if (::waitpid(pid, &st, WNOHANG) == pid)
                die("mariadbd exited; see " + (dir / "server.log").string());
            if (Clock::now() - t1 > std::chrono::seconds(30)) {
                ::kill(pid, SIGKILL);
                wait_for(pid);
                die("mariadbd not ready after 30 s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        auto t2 = Clock::now();

        ::kill(pid, SIGKILL); // as stagegate: the data is thrown away
        wait_for(pid);
        auto t3 = Clock::now();
        std::error_code ec;
        fs::remove_all(dir, ec);
        if (ec)
            die("remove " + dir.string() + ": " + ec.message());
        auto t4 = Clock::now();
        copy_ms.push_back(ms(t1 - t0));
        ready_ms.push_back(ms(t2 - t1));
        stop_ms.push_back(ms(t3 - t2));
        remove_ms.push_back(ms(t4 - t3));
    }
    mysql_library_end();
    if (breakdown)
        std::fprintf(
            stderr,
            "{\"copy_ms\": %.2f, \"start_until_login_ms\": %.2f, \"sigkill_stop_ms\": %.2f, \"remove_ms\": %.2f}\n",
            median(copy_ms), median(ready_ms), median(stop_ms), median(remove_ms));
    return 0;
}
