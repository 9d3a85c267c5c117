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

#include <thread>

#include "floor_common.hpp"

using namespace floor_common;

namespace {

fs::path find_bindir() {
    if (const char* dir = std::getenv("STAGEGATE_PG_BINDIR"); dir && *dir)
        return dir;
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
    if (found.empty())
        die("no PostgreSQL under /usr/lib/postgresql");
    return found;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--free-port") {
        std::printf("%d\n", free_port());
        return 0;
    }
    if (argc < 4)
        die("usage: floor_provision <template-data-dir> <work-dir> <K> [--breakdown]");
    fs::path templ = argv[1];
    fs::path work = argv[2];
    int k = std::atoi(argv[3]);
    bool breakdown = argc > 4 && std::string(argv[4]) == "--breakdown";
    if (k == 0)
        return 0; // process start-up only: the K=0 side of the difference
    fs::path postgres = find_bindir() / "postgres";
    Account account = floor_common::account("postgres");
    std::vector<double> copy_ms, ready_ms, stop_ms, remove_ms;

    for (int i = 0; i < k; ++i) {
        auto t0 = Clock::now();
        fs::path dir = work / ("floor-" + std::to_string(::getpid()) + "-" + std::to_string(i));
        if (::mkdir(dir.c_str(), 0700) != 0)
            die("mkdir " + dir.string() + ": " + std::strerror(errno));
        if (account.drop && ::chown(dir.c_str(), account.uid, account.gid) != 0)
            die("chown " + dir.string());
        fs::path data = dir / "data";
        pid_t cp = spawn({"/bin/cp", "-a", templ.string(), data.string()}, nullptr, "", SIGQUIT);
        int status = wait_for(cp);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("cp -a failed");
        auto t1 = Clock::now();

        int port = free_port();
        std::vector<std::string> args{postgres.string(),    "-D", data.string(), "-p",
                                      std::to_string(port), "-k", dir.string()};
        for (const char* setting :
             {"listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off", "full_page_writes=off",
              "logging_collector=off", "log_destination=stderr", "unix_socket_permissions=0700"})
            args.insert(args.end(), {"-c", setting});
        pid_t server = spawn(args, &account, (dir / "server.log").string(), SIGQUIT);
        std::string conninfo =
            "hostaddr=127.0.0.1 port=" + std::to_string(port) + " dbname=postgres user=postgres connect_timeout=2";
        while (PQping(conninfo.c_str()) != PQPING_OK) {
            int st = 0;
            if (::waitpid(server, &st, WNOHANG) == server)
                die("postgres exited; see " + (dir / "server.log").string());
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
        if (ec)
            die("remove " + dir.string() + ": " + ec.message());
        auto t4 = Clock::now();
        copy_ms.push_back(ms(t1 - t0));
        ready_ms.push_back(ms(t2 - t1));
        stop_ms.push_back(ms(t3 - t2));
        remove_ms.push_back(ms(t4 - t3));
    }
    if (breakdown)
        std::fprintf(
            stderr,
            "{\"copy_ms\": %.2f, \"start_until_ready_ms\": %.2f, \"sigint_stop_ms\": %.2f, \"remove_ms\": %.2f}\n",
            median(copy_ms), median(ready_ms), median(stop_ms), median(remove_ms));
    return 0;
}
