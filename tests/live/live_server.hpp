#pragma once

#include <memory>
#include <string>
#include <vector>

#include "provision/provider.hpp"
#include "scenario/scenario.hpp"

namespace stagegate::test {

// Passwords of the roles the live server is set up with.
inline constexpr const char* k_app_password = "app-Secr3t:@/%?#";
inline constexpr const char* k_reader_password = "reader-pw";

// One throwaway PostgreSQL server shared by the live tests of this process, made with the
// real local provider and set up with:
//   role app (LOGIN, scram password k_app_password) owning database users with table
//     accounts(id, email) of 3 rows;
//   role reader (LOGIN, k_reader_password) with CONNECT on users but no SELECT on accounts;
//   database locked, on which PUBLIC has no CONNECT.
// It answers as db-primary.staging.internal:5432 and db-replica.staging.internal:5432.
class LiveServer {
  public:
    // Returns the shared server, starting it on first use (fails the test when it cannot).
    static LiveServer& get();

    const Instance& instance() const { return *m_instance; }
    Route route() const { return m_instance->route(); }
    const std::vector<HostName>& answers_as() const { return m_database.answers_as; }
    const Database& database() const { return m_database; }

    ~LiveServer();

  private:
    LiveServer();
    struct State;
    std::unique_ptr<State> m_state;
    std::unique_ptr<Instance> m_instance;
    Database m_database;
};

// A TCP listener on 127.0.0.1 that completes the handshake and never sends a byte: the
// "server that accepts and never answers" that makes clients without timeouts hang.
class Blackhole {
  public:
    Blackhole();
    ~Blackhole();
    int port() const { return m_port; }

  private:
    int m_fd = -1;
    int m_port = 0;
};

} // namespace stagegate::test
