#pragma once
// What the store's files share: the limits of map values, how a value is quoted in messages, and
// the names of mappings/ they use unqualified.

#include "mappings/snapshot.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace pqxx {
class transaction_base;
}

namespace forumgate::store {

struct map_change_set;

using mappings::category_row;
using mappings::normalise;
using mappings::post_row;
using mappings::rule_kind;
using mappings::rule_row;
using mappings::site_settings;
using mappings::snapshot;
using mappings::snapshot_builder;
using mappings::tag_row;
using mappings::topic_row;
using mappings::upload_row;
using mappings::user_row;

/// Discourse ids and post numbers are PostgreSQL integers; the snapshot keeps ids in 32 bits
/// and uses the top bit of a post number as its "hidden" flag.
inline constexpr std::uint64_t MAX_ID = 4294967295U;
inline constexpr std::uint64_t MAX_POST_NUMBER = 2147483647U;

/// Error messages quote at most this many bytes of a bad value.
inline constexpr std::size_t MAX_SHOWN_VALUE = 64;

/// \return a value as quoted in an error message: clipped, control bytes shown as '?'.
[[nodiscard]] std::string shown(std::string_view value);

/// \return the seconds since `start`, for debug lines.
[[nodiscard]] double seconds_since(std::chrono::steady_clock::time_point start);

/// \return what changed in the map after `version`, read in `txn` (changes_since, apply_changes).
[[nodiscard]] map_change_set read_changes(pqxx::transaction_base &txn, std::int64_t version);

} // namespace forumgate::store
