#include "base/csv.hpp"
#include "base/error.hpp"
#include "pg/connection.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"
#include "store/map_tables.hpp"
#include "store/schema.hpp"
#include "store/settings_table.hpp"
#include "store/store.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Writing the map as CSV files in the format a load reads (docs/map-files.md).

namespace forumgate::store {
namespace {

namespace fs = std::filesystem;
using base::csv_writer;

/// Writes one map table to {name}.csv, its columns in their MAP_TABLES order.
void export_file(pqxx::transaction_base &txn, fs::path const &dir, map_table_spec const &spec)
{
    csv_writer out{dir / fmt::format("{}.csv", spec.name), spec.names};
    pg::copy_reader rows{
        txn, fmt::format("forumgate.{}", spec.name),
        fmt::format("SELECT {} FROM forumgate.{} ORDER BY {}", column_list(spec, ", "), spec.name, spec.export_order),
        spec.columns.size()};
    std::string text;
    while (rows.next()) {
        pg::copy_row const &row = rows.row();
        for (std::size_t i = 0; i < spec.columns.size(); ++i) {
            if (row.is_null(i)) {
                out.raw("");
                continue;
            }
            switch (spec.columns[i].type) {
            case column_type::id:
            case column_type::post_number:
                out.raw(row.raw(i));
                break;
            case column_type::flag:
                out.flag(row.flag(i));
                break;
            case column_type::text:
            case column_type::rule_kind:
                row.text(i, text);
                out.text(text);
                break;
            }
        }
        out.end_row();
    }
    rows.complete();
    out.close();
}

} // namespace

void database::export_csv(std::filesystem::path const &dir)
{
    pg::with_context(fmt::format("exporting the map from {} to {}", m_description, dir.string()), [&] {
        fs::create_directories(dir);
        // One snapshot of the database for all files, so that they agree with each other.
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{*m_connection};
        check_schema(txn, m_description);
        for (auto const &table : MAP_TABLES) {
            export_file(txn, dir, table);
        }
        if (auto const stored = read_settings(txn)) {
            std::array<std::string_view, 2> const header{"key", "value"};
            csv_writer out{dir / "settings.csv", header};
            auto const row = [&](std::string_view key, std::string_view value) {
                out.raw(key);
                out.text(value);
                out.end_row();
            };
            row("new_base", stored->new_base);
            for (auto const &host : stored->old_hosts) {
                row("old_host", host);
            }
            for (auto const &host : stored->upload_hosts) {
                row("upload_host", host);
            }
            out.close();
        }
        txn.commit();
    });
}

} // namespace forumgate::store
