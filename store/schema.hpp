#pragma once
// The migrator's checks, used by every operation of the store: which schema version a database
// holds, and the refusal of a database this build cannot use.

#include <pqxx/pqxx>

#include <cstdint>
#include <string>

namespace forumgate::store {

/// \return the schema version of the database (0: no forumgate schema yet).
[[nodiscard]] int read_schema_version(pqxx::transaction_base &txn);

/// \return the message refusing a database migrated by a newer forumgate.
[[nodiscard]] std::string newer_schema_message(std::string const &description, int version);

/// \throws database_error unless the database holds exactly the schema this build uses.
void check_schema(pqxx::transaction_base &txn, std::string const &description);

/// \return the map version (forumgate.map_version).
[[nodiscard]] std::int64_t read_map_version(pqxx::transaction_base &txn);

} // namespace forumgate::store
