// Baselines for a connect check through each client stagegate drives: K times connect + close,
// nothing else. With K=1 and K=101, (time(101) - time(1)) / 100 is the cost of one bare connect.
//
//   bare_driver_connect mariadb  <K> <host> <port> <user> <password>   libmariadb: mysql_real_connect + mysql_close
//   bare_driver_connect cppconn  <K> <host> <port> <user> <password>   Connector/C++ 1.1: driver->connect + delete
//   bare_driver_connect cppconn-state <K> ...                             the same + the two statements stagegate
//                                                                       runs after each login to learn whether
//                                                                       TLS is in use (diagnostic)
//   bare_driver_connect soci     <K> <backend> <connect-string>        soci::session open + close
//                                                                       (backend: postgresql, mysql, sqlite3)
//
// Exits 1 if any connect fails, so a broken baseline cannot pass for a fast one. The clients are
// set up as stagegate sets them up: cppconn gets a connect timeout and read/write timeouts; SOCI
// uses the statically referenced backend factories (soci::postgresql, ...), not dlopen.
#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <mysql.h>

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: bare_driver_connect mariadb|cppconn|cppconn-state <K> <host> <port> <user> <password>\n"
                 "       bare_driver_connect soci <K> postgresql|mysql|sqlite3 <connect-string>\n");
    return 2;
}

int run_mariadb(int k, const char* host, int port, const char* user, const char* password) {
    if (mysql_library_init(0, nullptr, nullptr) != 0)
        return 1;
    for (int i = 0; i < k; ++i) {
        MYSQL* handle = mysql_init(nullptr);
        unsigned int timeout = 5;
        mysql_options(handle, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
        if (!mysql_real_connect(handle, host, user, password, nullptr, port, nullptr, 0)) {
            std::fprintf(stderr, "bare_driver_connect: %s\n", mysql_error(handle));
            mysql_close(handle);
            return 1;
        }
        mysql_close(handle);
    }
    mysql_library_end();
    return 0;
}

int run_cppconn(int k, const char* host, int port, const char* user, const char* password, bool read_state) {
    sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
    for (int i = 0; i < k; ++i) {
        sql::ConnectOptionsMap options;
        options["hostName"] = sql::SQLString(std::string("tcp://") + host + ":" + std::to_string(port));
        options["userName"] = sql::SQLString(user);
        options["password"] = sql::SQLString(password);
        options["OPT_CONNECT_TIMEOUT"] = 5;
        options["OPT_READ_TIMEOUT"] = 30;
        options["OPT_WRITE_TIMEOUT"] = 30;
        try {
            std::unique_ptr<sql::Connection> connection(driver->connect(options));
            if (read_state) { // as drivers/mysql/session.cpp (read_state) does after the login
                std::unique_ptr<sql::Statement> statement(connection->createStatement());
                for (const char* sql : {"SELECT CONNECTION_ID()",
                                        "SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_cipher', 'Ssl_version')"}) {
                    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(sql));
                    while (rows->next()) {
                    }
                }
            }
        } catch (const sql::SQLException& error) {
            std::fprintf(stderr, "bare_driver_connect: %s\n", error.what());
            return 1;
        }
    }
    return 0;
}

int run_soci(int k, const std::string& backend, const std::string& text) {
    const soci::backend_factory* factory = nullptr;
    if (backend == "postgresql")
        factory = &soci::postgresql;
    if (backend == "mysql")
        factory = &soci::mysql;
    if (backend == "sqlite3")
        factory = &soci::sqlite3;
    if (!factory)
        return usage();
    for (int i = 0; i < k; ++i) {
        try {
            soci::session session(*factory, text);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "bare_driver_connect: %s\n", error.what());
            return 1;
        }
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3)
        return usage();
    std::string mode = argv[1];
    int k = std::atoi(argv[2]);
    if ((mode == "mariadb" || mode == "cppconn" || mode == "cppconn-state") && argc == 7) {
        int port = std::atoi(argv[4]);
        return mode == "mariadb" ? run_mariadb(k, argv[3], port, argv[5], argv[6])
                                 : run_cppconn(k, argv[3], port, argv[5], argv[6], mode == "cppconn-state");
    }
    if (mode == "soci" && argc == 5)
        return run_soci(k, argv[3], argv[4]);
    return usage();
}
