#include "util/input_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace stagegate {

namespace {

InputFileError error_of(int error) {
    switch (error) {
    case ENOENT:
        return {true, "no such file"};
    case ENOTDIR:
        return {true, "a part of the path is a file, not a folder"};
    case ELOOP:
        return {false, "a loop of symbolic links (a link that leads back to itself): point the link at the file"};
    case EACCES:
    case EPERM:
        return {false, "permission denied: stagegate may not enter a folder on the path or read the file; fix the "
                       "permissions"};
    case ENAMETOOLONG:
        return {false, "the path is too long"};
    default:
        return {false, std::strerror(error)};
    }
}

// What a file that is not a regular one is, said so that the user sees why it was refused.
std::expected<void, InputFileError> regular(const struct stat& info, std::size_t limit) {
    if (S_ISDIR(info.st_mode))
        return std::unexpected(InputFileError{false, "a folder, not a file: name a file in it"});
    if (S_ISFIFO(info.st_mode))
        return std::unexpected(InputFileError{false, "a named pipe (FIFO), not a regular file: name a regular file"});
    if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode))
        return std::unexpected(InputFileError{false, "a device, not a regular file: name a regular file"});
    if (S_ISSOCK(info.st_mode))
        return std::unexpected(InputFileError{false, "a socket, not a regular file: name a regular file"});
    if (!S_ISREG(info.st_mode))
        return std::unexpected(InputFileError{false, "not a regular file: name a regular file"});
    if (static_cast<std::uintmax_t>(info.st_size) > limit)
        return std::unexpected(
            InputFileError{false, fmt::format("{} bytes is more than the {} MiB stagegate reads of a file",
                                              info.st_size, limit / (1024 * 1024))});
    return {};
}

// An open descriptor, closed when it goes out of scope.
class Descriptor {
  public:
    explicit Descriptor(int fd) : m_fd(fd) {}
    Descriptor(Descriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    Descriptor& operator=(Descriptor&&) = delete;
    ~Descriptor() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int get() const { return m_fd; }

  private:
    int m_fd;
};

// Opens `file` for reading once stat says it is a regular file (so a device is never opened),
// with O_NONBLOCK (so a FIFO swapped in meanwhile cannot block), and checks the opened file again.
std::expected<Descriptor, InputFileError> open_regular(const std::filesystem::path& file, std::size_t limit) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0)
        return std::unexpected(error_of(errno));
    if (auto ok = regular(info, limit); !ok)
        return std::unexpected(ok.error());
    Descriptor fd(::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0)
        return std::unexpected(error_of(errno));
    if (::fstat(fd.get(), &info) != 0)
        return std::unexpected(error_of(errno));
    if (auto ok = regular(info, limit); !ok)
        return std::unexpected(ok.error());
    return fd;
}

} // namespace

std::expected<void, InputFileError> check_input_file(const std::filesystem::path& file, std::size_t limit) {
    auto fd = open_regular(file, limit);
    if (!fd)
        return std::unexpected(fd.error());
    return {};
}

std::expected<std::string, InputFileError> read_input_file(const std::filesystem::path& file, std::size_t limit) {
    auto fd = open_regular(file, limit);
    if (!fd)
        return std::unexpected(fd.error());
    std::string text;
    char buffer[64 * 1024];
    for (;;) {
        ssize_t count = ::read(fd->get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return std::unexpected(error_of(errno));
        if (count == 0)
            return text;
        if (text.size() + static_cast<std::size_t>(count) > limit) // it grew since fstat
            return std::unexpected(InputFileError{
                false, fmt::format("it holds more than the {} MiB stagegate reads of a file", limit / (1024 * 1024))});
        text.append(buffer, static_cast<std::size_t>(count));
    }
}

bool is_inside(const std::filesystem::path& file, const std::filesystem::path& folder) {
    std::error_code ec;
    auto real_file = std::filesystem::canonical(file, ec);
    if (ec)
        return false;
    auto real_folder = std::filesystem::canonical(folder, ec);
    if (ec)
        return false;
    auto [folder_end, file_at] =
        std::mismatch(real_folder.begin(), real_folder.end(), real_file.begin(), real_file.end());
    return folder_end == real_folder.end();
}

} // namespace stagegate
