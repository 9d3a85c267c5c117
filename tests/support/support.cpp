#include "support.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace stagegate::test {

namespace fs = std::filesystem;

fs::path scratch_dir() {
    static const fs::path dir = [] {
        // Memory-backed when possible: the throwaway servers tests start there copy faster.
        fs::path base = ::access("/dev/shm", W_OK | X_OK) == 0 ? fs::path("/dev/shm") : fs::temp_directory_path();
        fs::path path = base / fmt::format("stagegate-test-{}", ::getpid());
        fs::create_directories(path);
        return path;
    }();
    return dir;
}

fs::path fresh_dir(const std::string& name) {
    static int counter = 0;
    fs::path dir = scratch_dir() / fmt::format("{}-{}", name, ++counter);
    fs::create_directories(dir);
    return dir;
}

fs::path source_dir() {
    return STAGEGATE_SOURCE_DIR;
}

fs::path binary_path() {
    return STAGEGATE_BINARY;
}

fs::path write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Environment fixed_env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        auto found = values.find(name);
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
}

std::string golden_text(const fs::path& path, const std::string& actual) {
    const char* update = std::getenv("STAGEGATE_UPDATE_GOLDEN");
    if ((update != nullptr && std::string_view(update) == "1") || !fs::exists(path)) {
        write_file(path, actual);
        FAIL("wrote " << path.string() << ": review it, then run again without STAGEGATE_UPDATE_GOLDEN");
    }
    return read_file(path);
}

ScopedEnv::ScopedEnv(std::string name, const char* value) : m_name(std::move(name)) {
    if (const char* before = std::getenv(m_name.c_str()))
        m_before = before;
    if (value != nullptr)
        ::setenv(m_name.c_str(), value, 1);
    else
        ::unsetenv(m_name.c_str());
}

ScopedEnv::~ScopedEnv() {
    if (m_before)
        ::setenv(m_name.c_str(), m_before->c_str(), 1);
    else
        ::unsetenv(m_name.c_str());
}

} // namespace stagegate::test
