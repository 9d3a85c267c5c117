#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "scenario/loader.hpp"

namespace stagegate::test {

// Returns this test process's scratch folder (created on first use). It is removed when every
// test passed and kept, with its path printed, when one failed.
std::filesystem::path scratch_dir();

// Returns a fresh sub-folder of the scratch folder.
std::filesystem::path fresh_dir(const std::string& name);

// Returns the repository's top folder.
std::filesystem::path source_dir();

// Returns the path of the built stagegate binary.
std::filesystem::path binary_path();

// Writes `text` to `path` (creating folders) and returns the path.
std::filesystem::path write_file(const std::filesystem::path& path, const std::string& text);

// Returns the contents of `path`.
std::string read_file(const std::filesystem::path& path);

// Returns the text of the golden file `path` to compare `actual` with. When the file is missing,
// or STAGEGATE_UPDATE_GOLDEN=1, writes `actual` there and fails the test, so a new golden is
// reviewed before any run passes with it.
std::string golden_text(const std::filesystem::path& path, const std::string& actual);

// Sets environment variable `name` to `value` (unsets it for null) while it lives, then puts
// back what was there.
class ScopedEnv {
  public:
    ScopedEnv(std::string name, const char* value);
    ~ScopedEnv();
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    std::string m_name;
    std::optional<std::string> m_before;
};

// Returns an Environment that knows exactly `values`.
Environment fixed_env(std::map<std::string, std::string> values);

} // namespace stagegate::test
