#pragma once

#include <memory>
#include <string>
#include <vector>

#include "provision/provider.hpp"
#include "scenario/scenario.hpp"

namespace stagegate::test {

// The password of account app on the live MariaDB server: every character that connection
// strings treat specially (@ : / % ? # & ' and a space), so each client form must quote or
// encode it its own way.
inline constexpr const char* k_mariadb_app_password = "app-Secr3t @:/%?#&'x";
inline constexpr const char* k_mariadb_reader_password = "reader-pw";
inline constexpr const char* k_mariadb_auditor_password = "auditor-pw";

// One throwaway MariaDB server shared by the live tests of this process, made with the real
// local provider and set up with:
//   database users with table accounts(id, email) of 3 rows and table notes(id) of 1 row;
//   account 'app'@'%' (k_mariadb_app_password) with SELECT, INSERT on users.*;
//   account 'reader'@'%' (k_mariadb_reader_password) with SELECT on users.notes only, so it
//     may enter users but not read accounts;
//   account 'auditor'@'%' (k_mariadb_auditor_password) with SELECT on *.*: MariaDB tells only
//     an account with a grant there that a database does not exist (others get error 1044);
//   database locked, on which nobody but root has a grant.
// It answers as db-primary.staging.internal:3306 and db-replica.staging.internal:3306.
class LiveMariadb {
  public:
    // Returns the shared server, starting it on first use (fails the test when it cannot).
    static LiveMariadb& get();

    const Instance& instance() const { return *m_instance; }
    Route route() const { return m_instance->route(); }
    const Database& database() const { return m_database; }

    ~LiveMariadb();

  private:
    LiveMariadb();
    // Runs `sql` as root in the default database; fails the test when it fails.
    void run_as_root(const std::string& sql);

    struct State;
    std::unique_ptr<State> m_state;
    std::unique_ptr<Instance> m_instance;
    Database m_database;
};

// Returns `text` in single quotes with quotes and backslashes escaped by a backslash: a MariaDB
// string literal, and a value as libpq's keyword/value reader and SOCI's mysql reader want it.
std::string single_quoted(const std::string& text);

} // namespace stagegate::test
