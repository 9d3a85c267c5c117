#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "scenario/config_file.hpp"
#include "scenario/loader.hpp"

namespace stagegate::fuzz {

// The input as text (bytes kept as they are, NULs included).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Splits `text` at its first newline: the line before it and everything after. Without a
// newline, the whole text is the first part and the second is empty.
std::pair<std::string_view, std::string_view> first_line(std::string_view text);

// A fixed environment with a few ordinary and secret-looking variables (DB_HOST, DB_PASSWORD,
// EMPTY, ...), so ${...} references in inputs can resolve as well as fail.
const Environment& fixed_environment();

// A file holding `contents` in the temporary directory, named `name` after a prefix of this
// process's own, and removed when the object goes (a crash leaves it: it holds the input).
class ScratchFile {
  public:
    ScratchFile(const std::string& name, std::string_view contents);
    ~ScratchFile();
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

// Reads the key on the input's first line out of the rest, written to a scratch file named
// `name`, with each of `loaders` in turn. Exceptions are caught as the callers of
// read_config_value catch them.
void read_config(std::initializer_list<std::string_view> loaders, const std::string& name, const std::uint8_t* data,
                 std::size_t size);

// Parses the input as a candidate string with the driver named `driver` and reads the result the
// way reports do (parameters, endpoints, warnings, the failure's message).
void parse_candidate(std::string_view driver, const std::uint8_t* data, std::size_t size);

} // namespace stagegate::fuzz
