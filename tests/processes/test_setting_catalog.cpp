// Reading the installed servers' own lists of settings (what lint and run check names against)
// writes no file and touches no data folder: each case runs the real binaries in a private mount
// namespace with an empty tmpfs over the folder that must stay untouched, and compares it after.
#include <doctest/doctest.h>

#include "provision/local_mariadb.hpp"
#include "provision/local_postgres.hpp"
#include "provision/process.hpp"
#include "provision/setting_catalog.hpp"

#include <filesystem>
#include <fstream>
#include <sched.h>
#include <string>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace stagegate;
namespace fs = std::filesystem;

namespace {

enum class Watch { untouched, touched, cannot_watch, no_names };

// Reads `engine`'s setting names in a child process whose view of `folder` is an empty tmpfs;
// says whether anything was created, removed or changed in it meanwhile (its mtime and ctime
// move with every entry made or removed, even one removed again at once).
Watch read_names_watching(Engine engine, const fs::path& folder) {
    pid_t child = ::fork();
    if (child == 0) {
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("stagegate-test", folder.c_str(), "tmpfs", 0, "mode=1777") != 0)
            ::_exit(static_cast<int>(Watch::cannot_watch));
        struct stat before {};
        ::stat(folder.c_str(), &before);
        ::sleep(1); // timestamps of a change made now differ from these
        auto names = read_setting_names(engine, system_launcher());
        struct stat after {};
        ::stat(folder.c_str(), &after);
        if (!names || names->empty())
            ::_exit(static_cast<int>(Watch::no_names));
        bool same = before.st_mtim.tv_sec == after.st_mtim.tv_sec && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec &&
                    before.st_ctim.tv_sec == after.st_ctim.tv_sec && before.st_ctim.tv_nsec == after.st_ctim.tv_nsec &&
                    fs::is_empty(folder);
        ::_exit(static_cast<int>(same ? Watch::untouched : Watch::touched));
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? static_cast<Watch>(WEXITSTATUS(status)) : Watch::cannot_watch;
}

// Returns whether this process's `/` is a mount point (it is not inside a plain chroot, where no
// mount namespace can be made private, so the watch cannot be set up).
bool root_is_a_mount_point() {
    std::ifstream mounts("/proc/self/mountinfo");
    std::string id, parent, device, root, point;
    std::string rest;
    while (mounts >> id >> parent >> device >> root >> point && std::getline(mounts, rest))
        if (point == "/")
            return true;
    return false;
}

void check_untouched(Engine engine, const fs::path& folder) {
    if (::geteuid() != 0 || !fs::is_directory(folder) || !root_is_a_mount_point()) {
        MESSAGE("skipped: needs root, " << folder.string()
                                        << " and a / that is a mount point (not a plain chroot), for a private mount "
                                           "namespace");
        return;
    }
    Watch watched = read_names_watching(engine, folder);
    REQUIRE_MESSAGE(watched != Watch::cannot_watch, "cannot mount a tmpfs over " << folder.string());
    REQUIRE_MESSAGE(watched != Watch::no_names, "the server listed no settings");
    CHECK_MESSAGE(watched == Watch::untouched, folder.string() << " was written to");
}

} // namespace

TEST_SUITE("setting_catalog") {
    TEST_CASE("reading MariaDB's settings never touches the system data folder /var/lib/mysql") {
        if (!LocalMariadb::find_server()) {
            MESSAGE("skipped: no mariadbd installed");
            return;
        }
        check_untouched(Engine::mariadb, "/var/lib/mysql");
    }

    TEST_CASE("reading MariaDB's settings writes no temporary file") {
        if (!LocalMariadb::find_server()) {
            MESSAGE("skipped: no mariadbd installed");
            return;
        }
        check_untouched(Engine::mariadb, "/tmp");
    }

    TEST_CASE("reading PostgreSQL's settings writes no temporary file") {
        if (!LocalPostgres::find_bindir()) {
            MESSAGE("skipped: no PostgreSQL installed");
            return;
        }
        check_untouched(Engine::postgres, "/tmp");
    }
}
