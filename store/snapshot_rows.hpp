#pragma once
// The map tables as a snapshot reads them, from the store (snapshot_load.cpp) or from a snapshot
// file (snapshot_file.cpp).

#include "base/error.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace forumgate::store {

// ---------------------------------------------------------------------------------------------
// Snapshot rows: the map tables as a snapshot reads them, from the store or from a file
//
// load_snapshot reads each table with COPY … TO STDOUT; a snapshot file holds the very same
// COPY text lines. Both hand each row to snapshot_row_decoder, the one place that knows which
// field is which.

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

/// One map table as a snapshot reads it.
struct snapshot_table
{
    map_table table;
    std::string_view name;                     ///< forumgate.{name}; its name in snapshot files
    std::span<std::string_view const> columns; ///< the fields of its rows, in order
    std::string_view order_by;                 ///< "" when the order of the rows does not matter
};

inline constexpr std::array<std::string_view, 5> TOPIC_COLUMNS{"old_id", "old_slug", "new_id", "new_slug",
                                                               "restricted"};
inline constexpr std::array<std::string_view, 7> POST_COLUMNS{
    "old_id", "old_topic_id", "old_post_number", "new_id", "new_topic_id", "new_post_number", "hidden"};
inline constexpr std::array<std::string_view, 5> CATEGORY_COLUMNS{"old_id", "old_slug_path", "new_id", "new_slug_path",
                                                                  "restricted"};
inline constexpr std::array<std::string_view, 2> USER_COLUMNS{"old_username", "new_username"};
inline constexpr std::array<std::string_view, 2> TAG_COLUMNS{"old_name", "new_name"};
inline constexpr std::array<std::string_view, 2> UPLOAD_COLUMNS{"old_path", "new_url"};
inline constexpr std::array<std::string_view, 3> RULE_COLUMNS{"pattern", "replacement", "kind"};

/// In the order they are read from the store and written to snapshot files. Posts come
/// second so that their count is known (reserve_posts) before the largest table is read.
inline constexpr std::array<snapshot_table, 7> SNAPSHOT_TABLES{{
    {map_table::topics, "topics", TOPIC_COLUMNS, ""},
    {map_table::posts, "posts", POST_COLUMNS, ""},
    {map_table::categories, "categories", CATEGORY_COLUMNS, ""},
    {map_table::users, "users", USER_COLUMNS, ""},
    {map_table::tags, "tags", TAG_COLUMNS, ""},
    {map_table::uploads, "uploads", UPLOAD_COLUMNS, ""},
    {map_table::rules, "rules", RULE_COLUMNS, "position"}, // rules are tried in order
}};

/// "old_id,old_slug,…": a table's columns as a snapshot file's table line names them.
inline std::string column_list(snapshot_table const &table)
{
    std::string out;
    for (auto const column : table.columns) {
        out += out.empty() ? "" : ",";
        out += column;
    }
    return out;
}

/// The query whose COPY rows are a table's snapshot rows.
inline std::string snapshot_query(snapshot_table const &table)
{
    std::string query = fmt::format("SELECT {} FROM forumgate.{}", column_list(table), table.name);
    if (!table.order_by.empty()) {
        query += fmt::format(" ORDER BY {}", table.order_by);
    }
    return query;
}

/// Turns COPY rows of the map tables into snapshot rows and adds them to a builder. Keeps one
/// row of each kind, so that their strings' memory is reused from row to row.
class snapshot_row_decoder
{
public:
    /// Adds one row of `table`, whose fields are SNAPSHOT_TABLES' columns of it.
    /// \throws input_error naming the bad field, or the row and what the builder refused.
    void add(map_table table, pg::copy_row const &row, snapshot_builder &builder)
    {
        switch (table) {
        case map_table::topics:
            m_topic.old_id = row.number(0);
            row.text(1, m_topic.old_slug);
            m_topic.new_id = row.optional_number<std::uint64_t>(2);
            row.text(3, m_topic.new_slug);
            m_topic.restricted = row.flag(4);
            builder.add(m_topic);
            return;
        case map_table::posts:
            m_post.old_id = row.number(0);
            m_post.old_topic_id = row.number(1);
            m_post.old_post_number = post_number(row, 2);
            m_post.new_id = row.optional_number<std::uint64_t>(3);
            m_post.new_topic_id = row.optional_number<std::uint64_t>(4);
            m_post.new_post_number = row.is_null(5) ? std::nullopt : std::optional{post_number(row, 5)};
            m_post.hidden = row.flag(6);
            builder.add(m_post);
            return;
        case map_table::categories:
            m_category.old_id = row.number(0);
            row.text(1, m_category.old_slug_path);
            m_category.new_id = row.optional_number<std::uint64_t>(2);
            row.text(3, m_category.new_slug_path);
            m_category.restricted = row.flag(4);
            builder.add(m_category);
            return;
        case map_table::users:
            row.text(0, m_user.old_username);
            row.text(1, m_user.new_username);
            builder.add(m_user);
            return;
        case map_table::tags:
            row.text(0, m_tag.old_name);
            row.text(1, m_tag.new_name);
            builder.add(m_tag);
            return;
        case map_table::uploads:
            row.text(0, m_upload.old_path);
            row.text(1, m_upload.new_url);
            builder.add(m_upload);
            return;
        case map_table::rules:
            row.text(0, m_rule.pattern);
            row.text(1, m_rule.replacement);
            if (row.raw(2) == "redirect") {
                m_rule.kind = rule_kind::redirect;
            } else if (row.raw(2) == "rewrite") {
                m_rule.kind = rule_kind::rewrite;
            } else {
                throw input_error{fmt::format("kind '{}' is neither redirect nor rewrite", shown(row.raw(2)))};
            }
            builder.add(m_rule);
            return;
        }
    }

private:
    /// A post number: PostgreSQL's integer holds it, but a file could hold any number.
    static std::uint32_t post_number(pg::copy_row const &row, std::size_t column)
    {
        std::uint64_t const value = row.number(column);
        if (value > MAX_POST_NUMBER) {
            throw input_error{fmt::format("{} {} is more than {}", row.name(column), value, MAX_POST_NUMBER)};
        }
        return static_cast<std::uint32_t>(value);
    }

    topic_row m_topic;
    post_row m_post;
    category_row m_category;
    user_row m_user;
    tag_row m_tag;
    upload_row m_upload;
    rule_row m_rule;
};

} // namespace forumgate::store
