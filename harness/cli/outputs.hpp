#pragma once

#include <optional>
#include <string>
#include <vector>

namespace stagegate::cli {

// A file a command writes, as the user named it: the flag and its value ("-" for stdout).
struct OutputFile {
    std::string flag;
    std::string target;
};

// Returns a one-line error when two outputs name the same place, or an output names one of the
// scenario files `inputs` names (files or folders of them), so that nothing is overwritten by
// its neighbour. Places are compared as they really are: links and `..` resolved, the same
// file under two names (a hard link, /dev/stdout for "-") by device and inode. Nothing when
// every output has its own place; empty targets are ignored.
std::optional<std::string> output_clash(const std::vector<OutputFile>& outputs, const std::vector<std::string>& inputs);

} // namespace stagegate::cli
