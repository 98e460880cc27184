#include "store/map_tables.hpp"

#include <fmt/format.h>

#include <array>

namespace forumgate::store {

std::string column_list(map_table_spec const &table, std::string_view separator)
{
    std::string out;
    for (auto const name : table.names) {
        if (!out.empty()) {
            out += separator;
        }
        out += name;
    }
    return out;
}

std::string snapshot_query(map_table_spec const &table)
{
    std::string query = fmt::format("SELECT {} FROM forumgate.{}", column_list(table, ", "), table.name);
    if (!table.snapshot_order.empty()) {
        query += fmt::format(" ORDER BY {}", table.snapshot_order);
    }
    return query;
}

std::string_view sql_type(column_type type)
{
    // By column_type: id, post_number, text, flag, rule_kind.
    static constexpr std::array<std::string_view, 5> SQL_TYPES{"bigint", "integer", "text", "boolean", "text"};
    return SQL_TYPES.at(static_cast<std::size_t>(type));
}

} // namespace forumgate::store
