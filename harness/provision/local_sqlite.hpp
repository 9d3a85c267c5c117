#pragma once

#include "provision/provider.hpp"

namespace stagegate {

// Throwaway SQLite databases: a fresh file in the run folder per scenario, built by the
// scenario's setup steps through SOCI's sqlite3 backend; removed with its folder.
class LocalSqlite final : public Provider {
  public:
    explicit LocalSqlite(const RunDir& run_dir);

    std::expected<std::unique_ptr<Instance>, std::string> provision(const Database& database,
                                                                    const Deadline& deadline) override;
    void prepare(const Database&) override {} // a file costs nothing to create

  private:
    const RunDir& m_run_dir;
    int m_instances = 0;
};

} // namespace stagegate
