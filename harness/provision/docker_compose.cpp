#include "provision/docker_compose.hpp"

namespace stagegate {

DockerCompose::DockerCompose(const RunDir& run_dir, ProcessLauncher& launcher)
    : m_run_dir(run_dir), m_launcher(launcher) {}

DockerCompose::~DockerCompose() = default;

std::expected<std::unique_ptr<Instance>, std::string> DockerCompose::provision(const Database&, const Deadline&) {
    return std::unexpected(std::string("provider: docker is being written"));
}

} // namespace stagegate
