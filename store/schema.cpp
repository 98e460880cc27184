#include "store/schema.hpp"

#include "pg/connection.hpp"
#include "store/detail.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace forumgate::store {
namespace {

/// Advisory lock key (ASCII "fgmigrat"; loads take "fgloadmp", csv_load.cpp). Migrations take it
/// so that two processes starting at once never both create the schema.
constexpr std::int64_t MIGRATION_LOCK_KEY = 0x66676D6967726174;

} // namespace

int read_schema_version(pqxx::transaction_base &txn)
{
    if (txn.exec1("SELECT to_regclass('forumgate.schema_migrations') IS NULL")[0].as<bool>()) {
        return 0;
    }
    return txn.exec1("SELECT coalesce(max(version), 0) FROM forumgate.schema_migrations")[0].as<int>();
}

std::string newer_schema_message(std::string const &description, int version)
{
    return fmt::format("the database at {} has forumgate schema version {}, but this forumgate knows only versions up "
                       "to {}: it was migrated by a newer forumgate, so use that (a store cannot be downgraded)",
                       description, version, SCHEMA_VERSION);
}

void check_schema(pqxx::transaction_base &txn, std::string const &description)
{
    int const version = read_schema_version(txn);
    if (version == SCHEMA_VERSION) {
        return;
    }
    if (version == 0) {
        throw database_error{
            fmt::format("the database at {} has no forumgate schema yet: run `forumgate db migrate`", description)};
    }
    if (version > SCHEMA_VERSION) {
        throw database_error{newer_schema_message(description, version)};
    }
    throw database_error{fmt::format("the database at {} has forumgate schema version {}, older than the {} this build "
                                     "needs: run `forumgate db migrate`",
                                     description, version, SCHEMA_VERSION)};
}
std::int64_t read_map_version(pqxx::transaction_base &txn)
{
    return txn.exec1("SELECT version FROM forumgate.map_version")[0].as<std::int64_t>();
}

std::vector<int> database::migrate()
{
    std::vector<int> applied;
    // Up to date: nothing is written, so a store that is a read-only standby, or a role that may
    // only read, serves the commands that only read (serve, resolve, map stats, map snapshot).
    int const current = schema_version();
    if (current == SCHEMA_VERSION) {
        return applied;
    }
    if (current > SCHEMA_VERSION) {
        throw database_error{newer_schema_message(m_description, current)};
    }
    std::string const lock = fmt::format("SELECT pg_advisory_xact_lock({})", MIGRATION_LOCK_KEY);
    pg::with_context(fmt::format("preparing the forumgate schema in {}", m_description), [&] {
        pqxx::work txn{*m_connection};
        txn.exec(lock);
        txn.exec("CREATE SCHEMA IF NOT EXISTS forumgate");
        txn.exec("CREATE TABLE IF NOT EXISTS forumgate.schema_migrations ("
                 "version integer primary key, description text not null, "
                 "applied_at timestamptz not null default now())");
        int const version = read_schema_version(txn);
        if (version > SCHEMA_VERSION) {
            throw database_error{newer_schema_message(m_description, version)};
        }
        txn.commit();
    });
    for (auto const &step : migrations()) {
        pg::with_context(
            fmt::format("applying migration {} ({}) to {}", step.version, step.description, m_description), [&] {
                pqxx::work txn{*m_connection};
                txn.exec(lock);
                // Read again under the lock: another process may have applied it meanwhile.
                if (!txn.exec_params("SELECT FROM forumgate.schema_migrations WHERE version = $1", step.version)
                         .empty()) {
                    return;
                }
                txn.exec(std::string{step.sql});
                txn.exec_params("INSERT INTO forumgate.schema_migrations (version, description) VALUES ($1, $2)",
                                step.version, std::string{step.description});
                txn.commit();
                applied.push_back(step.version);
            });
    }
    return applied;
}

int database::schema_version()
{
    return pg::with_context(fmt::format("reading the schema version of {}", m_description), [&] {
        pqxx::read_transaction txn{*m_connection};
        return read_schema_version(txn);
    });
}

} // namespace forumgate::store
