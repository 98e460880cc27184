#pragma once
// The store's schema migrations, one numbered SQL file each (store/migrations/NNNN_*.sql),
// embedded at build time (store/CMakeLists.txt) and run in order by database::migrate().

#include <span>
#include <string_view>

namespace forumgate::store {

/// One schema change. Once released, a migration is never edited: a change is a new migration.
struct migration
{
    int version;
    std::string_view description; ///< stored in forumgate.schema_migrations
    std::string_view sql;
};

/// \return every migration, oldest first; the last one's version is SCHEMA_VERSION.
[[nodiscard]] std::span<migration const> migrations() noexcept;

} // namespace forumgate::store
