#include <doctest/doctest.h>

#include "provision/docker_compose.hpp"
#include "provision/process.hpp"
#include "support.hpp"

#include <unistd.h>

using namespace stagegate;
namespace fs = std::filesystem;

namespace {

// Returns docker-compose from PATH; fails the test, saying what is missing, when there is none.
fs::path docker_compose() {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t start = 0; start <= dirs.size();) {
        auto end = dirs.find(':', start);
        fs::path candidate = fs::path(dirs.substr(start, end - start)) / "docker-compose";
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    FAIL("docker-compose is not on PATH: install Debian's docker-compose package (scripts/setup does not)");
    return {};
}

// Runs `docker-compose <args>` and returns its exit status and output.
std::pair<int, std::string> run_compose(std::vector<std::string> args) {
    auto out = stagegate::test::fresh_dir("compose-config") / "out.txt";
    SpawnSpec spec;
    spec.argv = {docker_compose().string()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.output = out;
    auto status = run_to_completion(system_launcher(), spec, Deadline::in(Millis(60000)));
    REQUIRE(status.has_value());
    return {*status, stagegate::test::read_file(out)};
}

} // namespace

TEST_SUITE("compose_file") {
    TEST_CASE("docker-compose config accepts docker-compose.yml and names the three services") {
        auto file = stagegate::test::source_dir() / "docker-compose.yml";
        auto [status, output] = run_compose({"-f", file.string(), "config", "--services"});
        INFO(output);
        CHECK(status == 0);
        CHECK(output.find("postgres\n") != std::string::npos);
        CHECK(output.find("mysql\n") != std::string::npos);
        CHECK(output.find("mariadb\n") != std::string::npos);
    }

    TEST_CASE("docker-compose config merges stagegate's override: command and aliases") {
        auto file = stagegate::test::source_dir() / "docker-compose.yml";
        for (Engine engine : {Engine::postgres, Engine::mysql, Engine::mariadb}) {
            Database database;
            database.engine = engine;
            database.settings = {{"max_connections", "$7"}};
            database.answers_as = {HostName{"app-db.staging.internal", 5432, {}}};
            auto override_file = stagegate::test::write_file(
                stagegate::test::fresh_dir("compose-override") / "compose-1.yml", compose_override(database));
            auto [status, output] =
                run_compose({"-f", file.string(), "-f", override_file.string(), "-p", "stagegate-1-ab-1", "config"});
            INFO(output);
            CHECK(status == 0);
            CHECK(output.find("app-db.staging.internal") != std::string::npos);
            // compose prints a literal `$` escaped again: the value reached it uninterpolated.
            CHECK(output.find("max_connections=$$7") != std::string::npos);
            CHECK(output.find(engine == Engine::postgres ? "5432/tcp" : "3306/tcp") != std::string::npos);
        }
    }
}
