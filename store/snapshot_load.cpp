#include "base/error.hpp"
#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"
#include "store/schema.hpp"
#include "store/settings_table.hpp"
#include "store/snapshot_rows.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <memory>
#include <string_view>

namespace forumgate::store {

std::shared_ptr<snapshot const> database::load_snapshot()
{
    std::unique_ptr<snapshot_builder> builder;
    pg::with_context(fmt::format("reading the map from {}", m_description), [&] {
        // One repeatable-read transaction: every table as it was at the same moment.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        auto settings = read_settings(txn);
        if (!settings) {
            throw input_error{fmt::format(EMPTY_MAP_MESSAGE, m_description)};
        }
        auto const counts =
            txn.exec1("SELECT (SELECT version FROM forumgate.map_version), (SELECT count(*) FROM forumgate.posts)");
        builder = std::make_unique<snapshot_builder>(std::move(*settings));
        builder->set_version(counts[0].as<std::int64_t>());
        builder->reserve_posts(counts[1].as<std::size_t>());

        read_map_tables(txn, *builder);
        // Read-only: ending it early frees the server's snapshot before the (long) build.
        txn.commit();
    });
    try {
        return builder->build();
    } catch (input_error const &e) {
        throw input_error{fmt::format("forumgate.map: {}", e.what())};
    }
}

} // namespace forumgate::store
