#include "provision/provider.hpp"

#include "provision/local_postgres.hpp"

namespace stagegate {

std::unique_ptr<Provider> make_provider(const Database& database, const RunDir& run_dir, ProcessLauncher& launcher) {
    switch (database.engine) {
    case Engine::postgres:
        switch (database.provider) {
        case ProviderKind::local:
            return std::make_unique<LocalPostgres>(run_dir, launcher);
        }
    }
    return nullptr;
}

} // namespace stagegate
