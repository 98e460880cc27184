#include "store/map_tables.hpp"

#include <fmt/format.h>

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
    switch (type) {
    case column_type::id:
        return "bigint";
    case column_type::post_number:
        return "integer";
    case column_type::flag:
        return "boolean";
    case column_type::text:
    case column_type::rule_kind:
        break;
    }
    return "text";
}

} // namespace forumgate::store
