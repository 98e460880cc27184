#pragma once
// The map tables as a snapshot reads them, from the store (snapshot_load.cpp) or from a snapshot
// file (snapshot_file.cpp).

#include "base/error.hpp"
#include "pg/copy.hpp"
#include "store/detail.hpp"
#include "store/map_tables.hpp"

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
// load_snapshot reads each table of MAP_TABLES with COPY … TO STDOUT (snapshot_query); a
// snapshot file holds the very same COPY text lines. Both hand each row to snapshot_row_decoder,
// the one place that knows which field is which.

/// Turns COPY rows of the map tables into snapshot rows and adds them to a builder. Keeps one
/// row of each kind, so that their strings' memory is reused from row to row.
class snapshot_row_decoder
{
public:
    /// Adds one row of `table`, whose fields are its MAP_TABLES columns, to `builder`: a
    /// snapshot_builder or a snapshot_comparison.
    /// \throws input_error naming the bad field, or the row and what the builder refused.
    template <typename Builder>
    void add(map_table table, pg::copy_row const &row, Builder &builder)
    {
        switch (table) {
        case map_table::topics:
            read_place(row, m_topic.old_id, m_topic.old_slug, m_topic.new_id, m_topic.new_slug, m_topic.restricted);
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
            read_place(row, m_category.old_id, m_category.old_slug_path, m_category.new_id, m_category.new_slug_path,
                       m_category.restricted);
            builder.add(m_category);
            return;
        case map_table::users:
            add_names(row, builder, m_user, &user_row::old_username, &user_row::new_username);
            return;
        case map_table::tags:
            add_names(row, builder, m_tag, &tag_row::old_name, &tag_row::new_name);
            return;
        case map_table::uploads:
            add_names(row, builder, m_upload, &upload_row::old_path, &upload_row::new_url);
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
    /// Reads a topic's or a category's row: old id, old slug, new id, new slug, restricted.
    template <typename Id>
    static void read_place(pg::copy_row const &row, Id &old_id, std::string &old_slug, std::optional<Id> &new_id,
                           std::string &new_slug, bool &restricted)
    {
        old_id = row.number(0);
        row.text(1, old_slug);
        new_id = row.optional_number<Id>(2);
        row.text(3, new_slug);
        restricted = row.flag(4);
    }

    /// Adds a row of a name and its new name: users, tags, uploads.
    template <typename Row, typename Builder>
    static void add_names(pg::copy_row const &row, Builder &builder, Row &out, std::string Row::*old_name,
                          std::optional<std::string> Row::*new_name)
    {
        row.text(0, out.*old_name);
        row.text(1, out.*new_name);
        builder.add(out);
    }

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

/// Reads the map tables in `txn` into `builder` (a snapshot_builder or a snapshot_comparison):
/// each table with the query `query_of(spec)` gives for it (snapshot_query, the default: every
/// row), skipping a table it gives "" for. \throws input_error "forumgate.TABLE: …" for a bad row.
template <typename Builder, typename QueryOf>
void read_map_tables(pqxx::transaction_base &txn, Builder &builder, QueryOf const &query_of)
{
    snapshot_row_decoder decoder;
    for (auto const &spec : MAP_TABLES) {
        std::string const query = query_of(spec);
        if (query.empty()) {
            continue;
        }
        pg::copy_reader rows{txn, fmt::format("forumgate.{}", spec.name), query, spec.names};
        try {
            while (rows.next()) {
                decoder.add(spec.table, rows.row(), builder);
            }
        } catch (input_error const &e) {
            throw input_error{fmt::format("forumgate.{}: {}", spec.name, e.what())};
        }
        rows.complete();
    }
}

template <typename Builder>
void read_map_tables(pqxx::transaction_base &txn, Builder &builder)
{
    read_map_tables(txn, builder, [](map_table_spec const &spec) { return snapshot_query(spec); });
}

} // namespace forumgate::store
