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
    std::string_view table;
    auto const rethrow_with_table = [&](input_error const &e) {
        throw input_error{fmt::format("forumgate.{}: {}", table, e.what())};
    };
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

        try {
            snapshot_row_decoder decoder;
            for (auto const &spec : MAP_TABLES) {
                table = spec.name;
                pg::copy_reader rows{txn, fmt::format("forumgate.{}", spec.name), snapshot_query(spec), spec.names};
                while (rows.next()) {
                    decoder.add(spec.table, rows.row(), *builder);
                }
                rows.complete();
            }
        } catch (input_error const &e) {
            rethrow_with_table(e);
        }
        // Read-only: ending it early frees the server's snapshot before the (long) build.
        txn.commit();
    });
    table = "map";
    try {
        return builder->build();
    } catch (input_error const &e) {
        rethrow_with_table(e);
    }
    return nullptr; // not reached: rethrow_with_table throws
}

} // namespace forumgate::store
