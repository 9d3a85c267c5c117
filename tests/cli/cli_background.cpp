#include "cli_background.hpp"

#include "support.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace stagegate::test {

namespace fs = std::filesystem;

namespace {

int decode(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

BackgroundStagegate::BackgroundStagegate(const std::vector<std::string>& args,
                                         const std::map<std::string, std::string>& env, const std::string& cwd) {
    fs::path dir = fresh_dir("background");
    m_out = dir / "stdout";
    m_err = dir / "stderr";
    std::string out_path = m_out.string();
    std::string err_path = m_err.string();
    std::string where = cwd.empty() ? source_dir().string() : cwd;
    std::vector<std::string> all{binary_path().string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : all)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    m_pid = ::fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
        int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out_fd < 0 || err_fd < 0)
            ::_exit(126);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        if (::chdir(where.c_str()) != 0)
            ::_exit(126);
        for (const auto& [key, value] : env)
            ::setenv(key.c_str(), value.c_str(), 1);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
}

BackgroundStagegate::~BackgroundStagegate() {
    if (m_pid > 0 && !m_exit) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
}

void BackgroundStagegate::signal(int number) {
    if (!m_exit)
        ::kill(m_pid, number);
}

std::optional<int> BackgroundStagegate::wait(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!m_exit) {
        int status = 0;
        pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid) {
            m_exit = decode(status);
            break;
        }
        if (done < 0 && errno != EINTR)
            break;
        if (std::chrono::steady_clock::now() >= deadline)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return m_exit;
}

std::string BackgroundStagegate::out() const {
    return read_file(m_out);
}

std::string BackgroundStagegate::err() const {
    return read_file(m_err);
}

bool wait_until(const std::function<bool()>& condition, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
        if (condition())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

fs::path fresh_runtime_root(const std::string& name) {
    fs::path root = fresh_dir(name);
    for (fs::path dir = root; dir != dir.root_path() && dir != fs::temp_directory_path(); dir = dir.parent_path()) {
        REQUIRE(::chmod(dir.c_str(), 0755) == 0);
        if (dir == scratch_dir())
            break;
    }
    return root;
}

std::vector<std::string> processes_under(const fs::path& dir) {
    std::string prefix = dir.lexically_normal().string();
    if (!prefix.ends_with('/'))
        prefix += '/';
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        if (std::atoi(name.c_str()) == ::getpid())
            continue;
        std::string cmdline = read_file(entry.path() / "cmdline");
        for (char& c : cmdline) {
            if (c == '\0')
                c = ' ';
        }
        std::error_code link_ec;
        std::string cwd = fs::read_symlink(entry.path() / "cwd", link_ec).string();
        if (link_ec)
            cwd.clear();
        if (cmdline.find(prefix) != std::string::npos || (cwd + "/").starts_with(prefix))
            found.push_back(name + ": " + cmdline + " (cwd " + cwd + ")");
    }
    return found;
}

std::vector<fs::path> run_dirs(const fs::path& root) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        std::error_code type_ec;
        if (entry.is_directory(type_ec) && entry.path().filename().string().starts_with("run-"))
            found.push_back(entry.path());
    }
    return found;
}

std::optional<fs::path> file_in_run(const fs::path& root, const std::string& name) {
    for (const auto& run : run_dirs(root)) {
        std::error_code ec;
        if (fs::exists(run / name, ec))
            return run / name;
    }
    return std::nullopt;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty())
            lines.push_back(line);
    }
    return lines;
}

std::unique_ptr<BackgroundStagegate> start_long_query(const std::filesystem::path& root, const std::string& name,
                                                      const std::string& scenario, const std::string& log,
                                                      const std::string& marker) {
    auto file = write_file(fresh_dir(name) / "scenario.yaml", scenario);
    auto run = std::make_unique<BackgroundStagegate>(
        std::vector<std::string>{"run", file.string()},
        std::map<std::string, std::string>{{"STAGEGATE_RUNTIME_DIR", root.string()}});
    bool started = wait_until(
        [&] {
            auto path = file_in_run(root, log);
            return path && read_file(*path).find(marker) != std::string::npos;
        },
        60000);
    INFO("stdout:\n" << run->out() << "\nstderr:\n" << run->err());
    REQUIRE_MESSAGE(started, "the candidate's query never started");
    REQUIRE_MESSAGE(!run->wait(0), "stagegate ended before it was signalled");
    return run;
}

void check_nothing_left(const std::filesystem::path& root) {
    auto runs = run_dirs(root);
    CHECK_MESSAGE(runs.empty(), "a run folder remains: " << (runs.empty() ? std::string() : runs.front().string()));
    auto left = processes_under(root);
    CHECK_MESSAGE(left.empty(), left.size() << " processes remain, e.g. " << (left.empty() ? "" : left.front()));
}

} // namespace stagegate::test
