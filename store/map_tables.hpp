#pragma once
// The map tables, described once: their names, keys and columns as map files (CSV), exports,
// staging tables, merges and snapshots use them. The tables themselves are created by
// migrations/0001_id_map.sql; a test checks this description against the database's catalog.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace forumgate::store {

/// The map tables a snapshot is built from.
enum class map_table : std::uint8_t
{
    topics,
    posts,
    categories,
    users,
    tags,
    uploads,
    rules
};

/// What a column holds, which says how it is read from a map file, written to CSV and typed
/// in a staging table.
enum class column_type : std::uint8_t
{
    id,          ///< bigint: a Discourse id, 1 to MAX_ID
    post_number, ///< integer: 1 to MAX_POST_NUMBER
    text,        ///< text, UTF-8 without NUL bytes
    flag,        ///< boolean: true/false (also t/f, yes/no, 1/0; empty is false)
    rule_kind,   ///< text: redirect or rewrite (any case in a map file; empty is redirect)
};

/// One column of a map table, as named in the table and in its map file.
struct map_column
{
    std::string_view name;
    column_type type;
    bool required;      ///< a map file must name it (others may be left out: empty/false)
    bool empty_is_null; ///< an empty value in a map file is stored as NULL (not migrated, no name)
};

/// How a table's key is made, where it is not one of its columns.
enum class derived_key : std::uint8_t
{
    none,      ///< the key is the first column
    lowercase, ///< {first column}_lower: the first column in ASCII lower case
    position,  ///< position: the row's place in its file (rules are tried in order)
};

/// One map table: forumgate.{name}, its map file {name}.csv and its table line in snapshot files.
struct map_table_spec
{
    map_table table;
    std::string_view name;
    std::string_view key; ///< its primary key column
    derived_key key_from;
    std::span<map_column const> columns;     ///< in map files, exports and snapshots, in this order
    std::span<std::string_view const> names; ///< the columns' names, in the same order
    std::string_view export_order;           ///< ORDER BY of an export: byte order, whatever the locale
    std::string_view snapshot_order;         ///< ORDER BY of a snapshot, "" when the order does not matter
    std::string_view what;                   ///< "topic", in messages
};

namespace columns {
using enum column_type;
inline constexpr std::array<map_column, 5> TOPICS{{{"old_id", id, true, false},
                                                   {"old_slug", text, true, false},
                                                   {"new_id", id, true, true},
                                                   {"new_slug", text, true, false},
                                                   {"restricted", flag, false, false}}};
inline constexpr std::array<map_column, 7> POSTS{{{"old_id", id, true, false},
                                                  {"old_topic_id", id, true, false},
                                                  {"old_post_number", post_number, true, false},
                                                  {"new_id", id, true, true},
                                                  {"new_topic_id", id, true, true},
                                                  {"new_post_number", post_number, true, true},
                                                  {"hidden", flag, false, false}}};
inline constexpr std::array<map_column, 5> CATEGORIES{{{"old_id", id, true, false},
                                                       {"old_slug_path", text, true, false},
                                                       {"new_id", id, true, true},
                                                       {"new_slug_path", text, true, false},
                                                       {"restricted", flag, false, false}}};
inline constexpr std::array<map_column, 2> USERS{
    {{"old_username", text, true, false}, {"new_username", text, true, true}}};
inline constexpr std::array<map_column, 2> TAGS{{{"old_name", text, true, false}, {"new_name", text, true, true}}};
inline constexpr std::array<map_column, 2> UPLOADS{{{"old_path", text, true, false}, {"new_url", text, true, true}}};
inline constexpr std::array<map_column, 3> RULES{
    {{"pattern", text, true, false}, {"replacement", text, true, false}, {"kind", rule_kind, false, false}}};

/// The names of an array of columns, in order.
template <std::size_t N>
constexpr std::array<std::string_view, N> names_of(std::array<map_column, N> const &columns)
{
    std::array<std::string_view, N> names{};
    for (std::size_t i = 0; i < N; ++i) {
        names[i] = columns[i].name;
    }
    return names;
}
inline constexpr auto TOPIC_NAMES = names_of(TOPICS);
inline constexpr auto POST_NAMES = names_of(POSTS);
inline constexpr auto CATEGORY_NAMES = names_of(CATEGORIES);
inline constexpr auto USER_NAMES = names_of(USERS);
inline constexpr auto TAG_NAMES = names_of(TAGS);
inline constexpr auto UPLOAD_NAMES = names_of(UPLOADS);
inline constexpr auto RULE_NAMES = names_of(RULES);
} // namespace columns

/// Every map table, in the order a load reads their files and a snapshot reads them (posts
/// second, so that their count is known before the largest table is read).
inline constexpr std::array<map_table_spec, 7> MAP_TABLES{{
    {map_table::topics, "topics", "old_id", derived_key::none, columns::TOPICS, columns::TOPIC_NAMES, "old_id", "",
     "topic"},
    {map_table::posts, "posts", "old_id", derived_key::none, columns::POSTS, columns::POST_NAMES, "old_id", "", "post"},
    {map_table::categories, "categories", "old_id", derived_key::none, columns::CATEGORIES, columns::CATEGORY_NAMES,
     "old_id", "", "category"},
    {map_table::users, "users", "old_username_lower", derived_key::lowercase, columns::USERS, columns::USER_NAMES,
     "old_username_lower COLLATE \"C\"", "", "user"},
    {map_table::tags, "tags", "old_name_lower", derived_key::lowercase, columns::TAGS, columns::TAG_NAMES,
     "old_name_lower COLLATE \"C\"", "", "tag"},
    {map_table::uploads, "uploads", "old_path", derived_key::none, columns::UPLOADS, columns::UPLOAD_NAMES,
     "old_path COLLATE \"C\"", "", "upload"},
    {map_table::rules, "rules", "position", derived_key::position, columns::RULES, columns::RULE_NAMES, "position",
     "position", "rule"},
}};

static_assert(
    [] {
        for (std::size_t i = 0; i < MAP_TABLES.size(); ++i) {
            if (static_cast<std::size_t>(MAP_TABLES[i].table) != i) {
                return false;
            }
        }
        return true;
    }(),
    "MAP_TABLES is in the order of map_table");

/// \return the description of one map table.
[[nodiscard]] constexpr map_table_spec const &spec_of(map_table table)
{
    return MAP_TABLES[static_cast<std::size_t>(table)];
}

/// \return "old_id,old_slug,…": a table's columns joined by `separator`.
[[nodiscard]] std::string column_list(map_table_spec const &table, std::string_view separator = ",");

/// \return the query whose COPY rows are a table's snapshot rows.
[[nodiscard]] std::string snapshot_query(map_table_spec const &table);

/// \return the PostgreSQL type of a column type ("bigint", …).
[[nodiscard]] std::string_view sql_type(column_type type);

} // namespace forumgate::store
