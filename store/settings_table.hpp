#pragma once
// The site settings table (forumgate.settings): one row, read by every snapshot and written by
// map loads.

#include "mappings/snapshot.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>

namespace forumgate::store {

/// \return the site settings, or nullopt if none were ever set.
[[nodiscard]] std::optional<mappings::site_settings> read_settings(pqxx::transaction_base &txn);

/// What storing the settings did.
enum class settings_change : std::uint8_t
{
    none,
    inserted,
    updated
};

/// Stores normalised settings, touching the row only if they differ (so the version stays).
settings_change store_settings(pqxx::transaction_base &txn, mappings::site_settings const &settings);

} // namespace forumgate::store
