#include <doctest/doctest.h>

#include "provision/docker_compose.hpp"
#include "provision/process.hpp"
#include "provision/run_dir.hpp"
#include "support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sys/stat.h>

using namespace stagegate;
namespace fs = std::filesystem;

namespace {

// One command stagegate issued: its argv, and the password variable as the child saw it.
struct Issued {
    std::vector<std::string> argv;
    std::optional<std::string> password;
};

class FakeProcess final : public Process {
  public:
    explicit FakeProcess(std::optional<int> status) : m_status(status) {}
    pid_t pid() const override { return 4242; }
    std::optional<int> poll_exit() override { return m_status; }
    std::optional<int> wait(const Deadline&) override { return m_status; }
    void signal(int) override {}
    void signal_group(int) override {}

  private:
    std::optional<int> m_status;
};

// Records every command; `answer` writes the command's output and returns its exit status
// (nothing = the command never ends).
class FakeLauncher final : public ProcessLauncher {
  public:
    std::function<std::optional<int>(const SpawnSpec&)> answer = [](const SpawnSpec&) { return 0; };
    std::vector<Issued> issued;

    std::expected<std::unique_ptr<Process>, std::string> spawn(const SpawnSpec& spec) override {
        std::optional<std::string> password;
        for (const auto& [name, value] : spec.environment) {
            if (name == k_compose_password_variable)
                password = value;
        }
        issued.push_back(Issued{spec.argv, password});
        return std::make_unique<FakeProcess>(answer(spec));
    }

    // Returns the commands whose argv holds `word` (the compose subcommand).
    std::vector<Issued> with(const std::string& word) const {
        std::vector<Issued> found;
        for (const auto& command : issued) {
            if (std::find(command.argv.begin(), command.argv.end(), word) != command.argv.end())
                found.push_back(command);
        }
        return found;
    }
};

bool has(const std::vector<std::string>& argv, const std::string& word) {
    return std::find(argv.begin(), argv.end(), word) != argv.end();
}

class FakeSession final : public Session {
  public:
    Result<QueryResult> execute(std::string_view, const Deadline&) override { return QueryResult{}; }
    Result<std::string> setting(std::string_view, const Deadline&) override { return std::string(); }
    TlsState tls() const override { return {}; }
    Result<ServerIdentity> identity(const Deadline&) override { return ServerIdentity{"16.3", "", false}; }
};

// A driver whose superuser login fails with `failure` (nothing = succeeds); records each login.
class FakeDriver final : public Driver {
  public:
    std::optional<Category> failure;
    mutable std::vector<AdminLogin> logins;

    std::string_view name() const override { return "fake"; }
    std::string client_version() const override { return "1"; }
    bool has(Capability) const override { return false; }
    std::span<const std::string_view> protocols() const override { return {}; }
    FieldKeys field_keys(std::string_view) const override { return {}; }
    Result<ParsedCandidate> parse(std::string_view) const override { return fail(Category::config, "fake"); }
    std::optional<std::string_view> recognises(std::string_view) const override { return std::nullopt; }
    std::optional<StringLayout> layout(std::string_view) const override { return std::nullopt; }
    Result<ComposedString> compose(const Composition&) const override { return fail(Category::config, "fake"); }
    Result<std::unique_ptr<Session>> connect(const ParsedCandidate&, std::span<const Route>,
                                             const Deadline&) const override {
        return fail(Category::config, "fake");
    }
    Result<std::unique_ptr<Session>> connect_admin(const AdminLogin& login, const Deadline&) const override {
        logins.push_back(login);
        if (failure)
            return fail(*failure, *failure == Category::auth ? "password authentication failed" : "refused");
        return std::unique_ptr<Session>(std::make_unique<FakeSession>());
    }
};

fs::path executable(const fs::path& path, const std::string& script = "#!/bin/sh\nexit 0\n") {
    stagegate::test::write_file(path, script);
    ::chmod(path.c_str(), 0755);
    return path;
}

// A scratch machine: a PATH with docker-compose only, a compose file, a run folder.
struct Machine {
    fs::path dir = stagegate::test::fresh_dir("docker");
    fs::path bin = dir / "bin";
    fs::path compose = executable(bin / "docker-compose");
    fs::path file = stagegate::test::write_file(dir / "project" / "docker-compose.yml", "services: {}\n");
    RunDir run = *RunDir::create(dir / "runs");
    FakeLauncher launcher;
    FakeDriver driver;

    Environment env() const { return stagegate::test::fixed_env({{"PATH", bin.string()}}); }

    Database database(Engine engine = Engine::postgres) const {
        Database database;
        database.folder = dir / "project" / "scenarios";
        database.engine = engine;
        database.provider = ProviderKind::docker;
        database.answers_as = {HostName{"db.staging.internal", 5432, {}}};
        return database;
    }

    // `port` answers 127.0.0.1:49153; everything else exits `status`.
    void answer_port_and(int status) {
        launcher.answer = [status](const SpawnSpec& spec) -> std::optional<int> {
            if (has(spec.argv, "port")) {
                stagegate::test::write_file(spec.output, "127.0.0.1:49153\n");
                return 0;
            }
            return status;
        };
    }

    std::vector<fs::path> records() const {
        std::vector<fs::path> found;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(run.path() / "compose", ec))
            found.push_back(entry.path());
        return found;
    }
};

std::string joined(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv)
        text += (text.empty() ? "" : " ") + arg;
    return text;
}

} // namespace

TEST_SUITE("docker_compose") {
    TEST_CASE("a project name is lowercase, unique per run and instance, and valid for compose") {
        CHECK(compose_project_name("/dev/shm/stagegate-0/run-1234-00ABcdef", 3) == "stagegate-1234-00abcdef-3");
        CHECK(compose_project_name("/x/run-7-a.b c", 1) == "stagegate-7-a-b-c-1");
        CHECK(compose_project_name("/x/run-7-ab", 1) != compose_project_name("/x/run-7-ab", 2));
    }

    TEST_CASE("up, port and down are issued with both files and the project name") {
        ComposeProject project{{"/usr/bin/docker", "compose"},
                               "/p/docker-compose.yml",
                               "/r/compose-1.yml",
                               "stagegate-1-ab-1",
                               Engine::postgres};
        CHECK(
            joined(project.up()) ==
            "/usr/bin/docker compose -f /p/docker-compose.yml -f /r/compose-1.yml -p stagegate-1-ab-1 up -d postgres");
        CHECK(joined(project.port()) == "/usr/bin/docker compose -f /p/docker-compose.yml -f /r/compose-1.yml -p "
                                        "stagegate-1-ab-1 port postgres 5432");
        CHECK(joined(project.down()) == "/usr/bin/docker compose -f /p/docker-compose.yml -f /r/compose-1.yml -p "
                                        "stagegate-1-ab-1 down -v --remove-orphans --timeout 0");
        project.engine = Engine::mariadb;
        CHECK(joined(project.port()).ends_with("port mariadb 3306"));
        project.engine = Engine::mysql;
        CHECK(joined(project.up()).ends_with("up -d mysql"));
    }

    TEST_CASE("the compose file is found in the scenario's folder or a parent") {
        auto dir = stagegate::test::fresh_dir("compose-file");
        auto file = stagegate::test::write_file(dir / "docker-compose.yml", "services: {}\n");
        fs::create_directories(dir / "a" / "b");
        auto none = stagegate::test::fixed_env({});
        CHECK(find_compose_file(dir, none) == file);
        CHECK(find_compose_file(dir / "a" / "b", none) == file);
    }

    TEST_CASE("STAGEGATE_COMPOSE_FILE overrides the lookup and must exist") {
        auto dir = stagegate::test::fresh_dir("compose-file");
        stagegate::test::write_file(dir / "docker-compose.yml", "services: {}\n");
        auto other = stagegate::test::write_file(dir / "elsewhere" / "stack.yml", "services: {}\n");
        CHECK(find_compose_file(dir, stagegate::test::fixed_env({{"STAGEGATE_COMPOSE_FILE", other.string()}})) ==
              other);
        auto missing = find_compose_file(
            dir, stagegate::test::fixed_env({{"STAGEGATE_COMPOSE_FILE", (dir / "nope.yml").string()}}));
        REQUIRE_FALSE(missing.has_value());
        CHECK(missing.error().find("STAGEGATE_COMPOSE_FILE=") != std::string::npos);
    }

    TEST_CASE("no compose file says what to set") {
        auto dir = stagegate::test::fresh_dir("compose-file");
        auto found = find_compose_file(dir, stagegate::test::fixed_env({}));
        REQUIRE_FALSE(found.has_value());
        CHECK(found.error().find("docker-compose.yml") != std::string::npos);
        CHECK(found.error().find("STAGEGATE_COMPOSE_FILE") != std::string::npos);
    }

    TEST_CASE("docker compose is preferred when its version command works") {
        auto bin = stagegate::test::fresh_dir("bin");
        auto docker = executable(bin / "docker");
        auto compose = executable(bin / "docker-compose");
        auto env = stagegate::test::fixed_env({{"PATH", bin.string()}});
        FakeLauncher launcher;
        auto found = find_compose_command(launcher, env, Deadline::in(Millis(5000)));
        REQUIRE(found.has_value());
        CHECK(*found == std::vector<std::string>{docker.string(), "compose"});
        REQUIRE(launcher.issued.size() == 1);
        CHECK(launcher.issued[0].argv == std::vector<std::string>{docker.string(), "compose", "version"});

        launcher.answer = [](const SpawnSpec&) { return 1; };
        found = find_compose_command(launcher, env, Deadline::in(Millis(5000)));
        REQUIRE(found.has_value());
        CHECK(*found == std::vector<std::string>{compose.string()});
    }

    TEST_CASE("STAGEGATE_COMPOSE overrides the choice and is looked up on PATH") {
        auto bin = stagegate::test::fresh_dir("bin");
        auto docker = executable(bin / "docker");
        auto compose = executable(bin / "docker-compose");
        FakeLauncher launcher;
        auto env = stagegate::test::fixed_env({{"PATH", bin.string()}, {"STAGEGATE_COMPOSE", "docker-compose"}});
        CHECK(find_compose_command(launcher, env, Deadline::in(Millis(5000))) ==
              std::vector<std::string>{compose.string()});
        env = stagegate::test::fixed_env({{"PATH", bin.string()}, {"STAGEGATE_COMPOSE", "docker  compose"}});
        CHECK(find_compose_command(launcher, env, Deadline::in(Millis(5000))) ==
              std::vector<std::string>{docker.string(), "compose"});
        CHECK(launcher.issued.empty());
        env = stagegate::test::fixed_env({{"PATH", bin.string()}, {"STAGEGATE_COMPOSE", "podman-compose"}});
        auto missing = find_compose_command(launcher, env, Deadline::in(Millis(5000)));
        REQUIRE_FALSE(missing.has_value());
        CHECK(missing.error().find("STAGEGATE_COMPOSE=podman-compose") != std::string::npos);
    }

    TEST_CASE("no compose command says what to install or set") {
        FakeLauncher launcher;
        auto empty = stagegate::test::fresh_dir("bin");
        auto found = find_compose_command(launcher, stagegate::test::fixed_env({{"PATH", empty.string()}}),
                                          Deadline::in(Millis(5000)));
        REQUIRE_FALSE(found.has_value());
        CHECK(found.error().find("STAGEGATE_COMPOSE") != std::string::npos);
    }

    TEST_CASE("the published port is read from the port command's output") {
        CHECK(published_port("127.0.0.1:49153\n") == 49153);
        CHECK(published_port("WARNING: The X variable is not set. Defaulting to a blank string.\n127.0.0.1:5\n") == 5);
        CHECK(published_port("[::1]:49154") == 49154);
        CHECK_FALSE(published_port("").has_value());
        CHECK_FALSE(published_port("no port: 127.0.0.1:99999999\n").has_value());
        CHECK_FALSE(published_port("ERROR: No container found for postgres_1\n").has_value());
    }

    TEST_CASE("the postgres override carries the settings as -c and the host names as aliases") {
        Database database;
        database.engine = Engine::postgres;
        database.settings = {{"ssl", "off"}, {"search_path", "\"$user\", public"}};
        database.answers_as = {HostName{"db-primary.staging.internal", 5432, {}},
                               HostName{"127.0.0.1", 5432, {}},
                               HostName{"localhost", 5432, {}},
                               HostName{"::1", 5432, {}},
                               HostName{"replica.staging.internal", 5433, {}},
                               HostName{"db-primary.staging.internal", 6432, {}}};
        CHECK(compose_override(database) ==
              "# Written by stagegate for one scenario (docs/providers.md); removed with the run folder.\n"
              "services:\n"
              "  postgres:\n"
              "    command:\n"
              "      - \"postgres\"\n"
              "      - \"-c\"\n"
              "      - \"fsync=off\"\n"
              "      - \"-c\"\n"
              "      - \"synchronous_commit=off\"\n"
              "      - \"-c\"\n"
              "      - \"full_page_writes=off\"\n"
              "      - \"-c\"\n"
              "      - \"ssl=off\"\n"
              "      - \"-c\"\n"
              "      - \"search_path=\\\"$$user\\\", public\"\n"
              "    networks:\n"
              "      staging:\n"
              "        aliases:\n"
              "          - \"db-primary.staging.internal\"\n"
              "          - \"replica.staging.internal\"\n");
    }

    TEST_CASE("the mysql and mariadb overrides carry the settings as --key=value") {
        Database database;
        database.engine = Engine::mysql;
        database.settings = {{"max_connections", "20"}};
        database.answers_as = {HostName{"mysql.staging.internal", 3306, {}}};
        CHECK(compose_override(database) ==
              "# Written by stagegate for one scenario (docs/providers.md); removed with the run folder.\n"
              "services:\n"
              "  mysql:\n"
              "    command:\n"
              "      - \"mysqld\"\n"
              "      - \"--innodb-flush-log-at-trx-commit=0\"\n"
              "      - \"--skip-log-bin\"\n"
              "      - \"--max_connections=20\"\n"
              "    networks:\n"
              "      staging:\n"
              "        aliases:\n"
              "          - \"mysql.staging.internal\"\n");
        database.engine = Engine::mariadb;
        database.answers_as.clear();
        CHECK(compose_override(database) ==
              "# Written by stagegate for one scenario (docs/providers.md); removed with the run folder.\n"
              "services:\n"
              "  mariadb:\n"
              "    command:\n"
              "      - \"mariadbd\"\n"
              "      - \"--innodb-flush-log-at-trx-commit=0\"\n"
              "      - \"--skip-log-bin\"\n"
              "      - \"--max_connections=20\"\n");
    }

    TEST_CASE("a provisioned instance issues up then port, logs in, and runs down -v when destroyed") {
        Machine machine;
        machine.answer_port_and(0);
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(), Deadline::in(Millis(5000)));
        REQUIRE(instance.has_value());
        std::string project = compose_project_name(machine.run.path(), 1);
        std::vector<std::string> files{
            "-f", machine.file.string(), "-f", (machine.run.path() / "compose-1.yml").string(), "-p", project};
        auto expect = [&](std::vector<std::string> tail) {
            std::vector<std::string> argv{machine.compose.string()};
            argv.insert(argv.end(), files.begin(), files.end());
            argv.insert(argv.end(), tail.begin(), tail.end());
            return argv;
        };
        REQUIRE(machine.launcher.issued.size() == 2);
        CHECK(machine.launcher.issued[0].argv == expect({"up", "-d", "postgres"}));
        CHECK(machine.launcher.issued[1].argv == expect({"port", "postgres", "5432"}));
        CHECK((*instance)->route().port == 49153);
        CHECK((*instance)->route().address == "127.0.0.1");
        CHECK((*instance)->description() == fmt::format("postgres 16.3, docker ({}), 127.0.0.1:49153", project));
        AdminLogin login = (*instance)->admin("");
        CHECK(login.user == "postgres");
        CHECK(login.database == "postgres");
        CHECK(login.port == 49153);
        REQUIRE_FALSE(machine.driver.logins.empty());
        CHECK(machine.driver.logins[0].password == login.password);
        CHECK(machine.records().size() == 1);
        CHECK(stagegate::test::read_file(machine.run.path() / "compose-1.yml").find("db.staging.internal") !=
              std::string::npos);

        instance->reset();
        REQUIRE(machine.launcher.issued.size() == 3);
        CHECK(machine.launcher.issued[2].argv == expect({"down", "-v", "--remove-orphans", "--timeout", "0"}));
        CHECK(machine.records().empty());
    }

    TEST_CASE("the password reaches up through the environment only") {
        Machine machine;
        machine.answer_port_and(0);
        ::unsetenv(std::string(k_compose_password_variable).c_str());
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(Engine::mariadb), Deadline::in(Millis(5000)));
        REQUIRE(instance.has_value());
        std::string password = (*instance)->admin("").password;
        REQUIRE(password.size() == 32);
        CHECK((*instance)->admin("").user == "root");
        instance->reset();
        REQUIRE(machine.launcher.issued.size() == 3);
        CHECK(machine.launcher.issued[0].password == password); // up
        CHECK_FALSE(machine.launcher.issued[1].password.has_value());
        CHECK_FALSE(machine.launcher.issued[2].password.has_value());
        CHECK(std::getenv(std::string(k_compose_password_variable).c_str()) == nullptr);
        for (const auto& command : machine.launcher.issued)
            CHECK(joined(command.argv).find(password) == std::string::npos);
        for (const auto& record : machine.records())
            CHECK(stagegate::test::read_file(record).find(password) == std::string::npos);
        CHECK(stagegate::test::read_file(machine.run.path() / "compose-1.yml").find(password) == std::string::npos);
    }

    TEST_CASE("a failed up is followed by down -v and reported without the password") {
        Machine machine;
        std::string seen;
        machine.launcher.answer = [&seen](const SpawnSpec& spec) -> std::optional<int> {
            if (!has(spec.argv, "up"))
                return 0;
            for (const auto& [name, value] : spec.environment) {
                if (name == k_compose_password_variable)
                    seen = value;
            }
            std::ofstream(spec.output, std::ios::app) << "ERROR: bad password " << seen << "\n";
            return 1;
        };
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(), Deadline::in(Millis(5000)));
        REQUIRE_FALSE(instance.has_value());
        REQUIRE_FALSE(seen.empty());
        CHECK(instance.error().find("up failed (1)") != std::string::npos);
        CHECK(instance.error().find("ERROR: bad password ***") != std::string::npos);
        CHECK(instance.error().find(seen) == std::string::npos);
        REQUIRE(machine.launcher.issued.size() == 2);
        CHECK(has(machine.launcher.issued[1].argv, "down"));
        CHECK(has(machine.launcher.issued[1].argv, "-v"));
        CHECK(machine.launcher.with("port").empty());
        CHECK(machine.records().empty());
    }

    TEST_CASE("an up interrupted by a signal is still followed by down -v") {
        Machine machine;
        machine.launcher.answer = [](const SpawnSpec& spec) -> std::optional<int> {
            if (has(spec.argv, "up"))
                return std::nullopt; // never ends on its own
            return 0;
        };
        std::atomic<bool> interrupted{true};
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(), Deadline::in(Millis(5000), &interrupted));
        REQUIRE_FALSE(instance.has_value());
        CHECK(instance.error().find("interrupted") != std::string::npos);
        CHECK(machine.launcher.with("down").size() == 1);
        CHECK(machine.records().empty());
    }

    TEST_CASE("no login in time is followed by down -v") {
        Machine machine;
        machine.answer_port_and(0);
        machine.driver.failure = Category::refused;
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(Engine::mysql), Deadline::in(Millis(200)));
        REQUIRE_FALSE(instance.has_value());
        CHECK(instance.error().find("no superuser login in time on 127.0.0.1:49153") != std::string::npos);
        CHECK(machine.driver.logins.size() > 1); // retried
        REQUIRE(machine.launcher.issued.size() == 3);
        CHECK(has(machine.launcher.issued[2].argv, "down"));
        CHECK(machine.records().empty());
    }

    TEST_CASE("a rejected superuser login fails at once, names the variable, and is followed by down -v") {
        Machine machine;
        machine.answer_port_and(0);
        machine.driver.failure = Category::auth;
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(), Deadline::in(Millis(5000)));
        REQUIRE_FALSE(instance.has_value());
        CHECK(machine.driver.logins.size() == 1);
        CHECK(instance.error().find("STAGEGATE_SUPERUSER_PASSWORD") != std::string::npos);
        CHECK(machine.launcher.with("down").size() == 1);
    }

    TEST_CASE("a port command without an answer is followed by down -v") {
        Machine machine;
        machine.launcher.answer = [](const SpawnSpec& spec) -> std::optional<int> {
            if (has(spec.argv, "port")) {
                stagegate::test::write_file(spec.output, "ERROR: No container found for postgres_1\n");
                return 1;
            }
            return 0;
        };
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(), Deadline::in(Millis(5000)));
        REQUIRE_FALSE(instance.has_value());
        CHECK(instance.error().find("No container found") != std::string::npos);
        CHECK(machine.launcher.with("down").size() == 1);
        CHECK(machine.driver.logins.empty());
    }

    TEST_CASE("the project is recorded for the watchdog before up runs") {
        Machine machine;
        std::vector<fs::path> at_up;
        machine.launcher.answer = [&](const SpawnSpec& spec) -> std::optional<int> {
            if (has(spec.argv, "up"))
                at_up = machine.records();
            return 1;
        };
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(), Deadline::in(Millis(5000)));
        REQUIRE(at_up.size() == 1);
        CHECK(at_up[0].filename() == compose_project_name(machine.run.path(), 1));
        // down failed (the fake says 1): the record stays, so the run's clean-up tries again.
        CHECK(machine.records().size() == 1);
    }

    TEST_CASE("every instance gets its own project and override file") {
        Machine machine;
        machine.answer_port_and(0);
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto first = provider.provision(machine.database(), Deadline::in(Millis(5000)));
        auto second = provider.provision(machine.database(Engine::mariadb), Deadline::in(Millis(5000)));
        REQUIRE(first.has_value());
        REQUIRE(second.has_value());
        CHECK(has(machine.launcher.issued[0].argv, compose_project_name(machine.run.path(), 1)));
        CHECK(has(machine.launcher.issued[2].argv, compose_project_name(machine.run.path(), 2)));
        CHECK(has(machine.launcher.issued[2].argv, (machine.run.path() / "compose-2.yml").string()));
        CHECK((*first)->admin("").password == (*second)->admin("").password); // one per run
    }

    TEST_CASE("a missing compose file is an infrastructure error before anything starts") {
        Machine machine;
        fs::remove(machine.file);
        DockerCompose provider(machine.run, machine.launcher, machine.env(), &machine.driver);
        auto instance = provider.provision(machine.database(), Deadline::in(Millis(5000)));
        REQUIRE_FALSE(instance.has_value());
        CHECK(instance.error().find("STAGEGATE_COMPOSE_FILE") != std::string::npos);
        CHECK(machine.launcher.issued.empty());
        CHECK(machine.records().empty());
    }
}
