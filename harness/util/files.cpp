#include "util/files.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace stagegate {

std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path, mode_t mode,
                                                       std::optional<std::pair<uid_t, gid_t>> owner,
                                                       const std::function<bool(std::FILE*)>& write) {
    std::string temporary = (path.parent_path() / fmt::format(".{}.XXXXXX", path.filename().string())).string();
    int fd = ::mkostemp(temporary.data(), O_CLOEXEC); // 0600
    if (fd < 0)
        return std::unexpected(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    auto fail = [&](std::string why) {
        ::unlink(temporary.c_str());
        return std::unexpected(std::move(why));
    };
    if (::fchmod(fd, mode) != 0 || (owner && ::fchown(fd, owner->first, owner->second) != 0)) {
        std::string why = std::strerror(errno);
        ::close(fd);
        return fail(fmt::format("cannot set the mode or owner of {}: {}", path.string(), why));
    }
    std::FILE* out = ::fdopen(fd, "w");
    if (!out) {
        std::string why = std::strerror(errno);
        ::close(fd);
        return fail(fmt::format("cannot write {}: {}", path.string(), why));
    }
    bool written = write(out);
    bool closed = std::fclose(out) == 0; // a full disk shows here, when the buffer is flushed
    if (!written)
        return fail(fmt::format("cannot write {}", path.string()));
    if (!closed)
        return fail(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        return fail(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    return {};
}

std::expected<void, std::string> write_file_atomically(const std::filesystem::path& path, mode_t mode,
                                                       std::string_view text) {
    return write_file_atomically(path, mode, std::nullopt, [text](std::FILE* out) {
        return std::fwrite(text.data(), 1, text.size(), out) == text.size();
    });
}

} // namespace stagegate
