#include "live_mariadb.hpp"

#include "live_checks.hpp"
#include "provision/local_mariadb.hpp"
#include "provision/run_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace stagegate::test {

struct LiveMariadb::State {
    RunDir run_dir;
    LocalMariadb provider;
    explicit State(RunDir dir) : run_dir(std::move(dir)), provider(run_dir, system_launcher()) {}
};

std::string single_quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

LiveMariadb& LiveMariadb::get() {
    static LiveMariadb server;
    return server;
}

LiveMariadb::LiveMariadb() {
    auto run_dir = RunDir::create();
    if (!run_dir)
        FAIL("cannot create the run dir: " << run_dir.error());
    m_state = std::make_unique<State>(std::move(*run_dir));
    m_database.engine = Engine::mariadb;
    m_database.answers_as = {{"db-primary.staging.internal", 3306, {}}, {"db-replica.staging.internal", 3306, {}}};
    auto instance = m_state->provider.provision(m_database, Deadline::in(Millis(60000)));
    if (!instance)
        FAIL("cannot provision MariaDB: " << instance.error());
    m_instance = std::move(*instance);
    run_as_root("CREATE DATABASE users; CREATE DATABASE locked;"
                "CREATE TABLE users.accounts (id int PRIMARY KEY, email varchar(100) NOT NULL);"
                "INSERT INTO users.accounts VALUES (1, 'ada@example.com'), (2, 'grace@example.com'),"
                " (3, 'linus@example.com');"
                "CREATE TABLE users.notes (id int PRIMARY KEY); INSERT INTO users.notes VALUES (1)");
    run_as_root(fmt::format("CREATE USER 'app'@'%' IDENTIFIED BY {};"
                            "GRANT SELECT, INSERT ON users.* TO 'app'@'%';"
                            "CREATE USER 'reader'@'%' IDENTIFIED BY {};"
                            "GRANT SELECT ON users.notes TO 'reader'@'%';"
                            "CREATE USER 'auditor'@'%' IDENTIFIED BY {};"
                            "GRANT SELECT ON *.* TO 'auditor'@'%'",
                            single_quoted(k_mariadb_app_password), single_quoted(k_mariadb_reader_password),
                            single_quoted(k_mariadb_auditor_password)));
}

void LiveMariadb::run_as_root(const std::string& sql) {
    auto session = m_instance->admin_driver().connect_admin(m_instance->admin(""), Deadline::in(Millis(10000)));
    REQUIRE_MESSAGE(session.has_value(), why(session));
    auto done = (*session)->execute(sql, Deadline::in(Millis(10000)));
    REQUIRE_MESSAGE(done.has_value(), why(done));
}

LiveMariadb::~LiveMariadb() {
    m_instance.reset();
    m_state.reset();
}

} // namespace stagegate::test
