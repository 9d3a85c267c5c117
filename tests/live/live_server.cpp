#include "live_server.hpp"

#include "live_checks.hpp"
#include "provision/local_postgres.hpp"
#include "provision/run_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace stagegate::test {

struct LiveServer::State {
    RunDir run_dir;
    LocalPostgres provider;
    explicit State(RunDir dir) : run_dir(std::move(dir)), provider(run_dir, system_launcher()) {}
};

LiveServer& LiveServer::get() {
    static LiveServer server;
    return server;
}

LiveServer::LiveServer() {
    auto run_dir = RunDir::create();
    if (!run_dir)
        FAIL("cannot create the run dir: " << run_dir.error());
    m_state = std::make_unique<State>(std::move(*run_dir));
    Database database;
    database.answers_as = {{"db-primary.staging.internal", 5432, {}}, {"db-replica.staging.internal", 5432, {}}};
    m_database = database;
    auto instance = m_state->provider.provision(database, Deadline::in(Millis(60000)));
    if (!instance)
        FAIL("cannot provision PostgreSQL: " << instance.error());
    m_instance = std::move(*instance);
    const Driver& admin = *find_driver("libpq");
    auto run = [&](const std::string& database_name, const std::string& sql) {
        auto session = admin.connect_admin(m_instance->admin(database_name), Deadline::in(Millis(10000)));
        REQUIRE_MESSAGE(session.has_value(), why(session));
        auto done = (*session)->execute(sql, Deadline::in(Millis(10000)));
        REQUIRE_MESSAGE(done.has_value(), why(done));
    };
    run("", fmt::format("CREATE ROLE app LOGIN PASSWORD '{}'; CREATE ROLE reader LOGIN PASSWORD '{}'", k_app_password,
                        k_reader_password));
    run("", "CREATE DATABASE users OWNER app");
    run("", "CREATE DATABASE locked");
    run("", "REVOKE CONNECT ON DATABASE locked FROM PUBLIC");
    run("users",
        "CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL);"
        "INSERT INTO accounts VALUES (1, 'ada@example.com'), (2, 'grace@example.com'), (3, 'linus@example.com');"
        "ALTER TABLE accounts OWNER TO app; REVOKE ALL ON accounts FROM PUBLIC");
}

LiveServer::~LiveServer() {
    m_instance.reset();
    m_state.reset();
}

Blackhole::Blackhole() {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_fd, 16) == 0);
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
}

Blackhole::~Blackhole() {
    ::close(m_fd);
}

} // namespace stagegate::test
