#include "store/map_writer.hpp"

#include "base/text.hpp"
#include "pg/prepared.hpp"
#include "pg/text_array.hpp"

#include <fmt/format.h>

#include <array>
#include <iterator>

namespace forumgate::store {

void map_writer::insert_settings(std::string const &new_base, std::vector<std::string> const &old_hosts)
{
    m_txn.exec_params("INSERT INTO forumgate.settings (new_base, old_hosts) VALUES ($1, $2::text[])", new_base,
                      pg::text_array_literal(old_hosts));
}

void map_writer::set_new_base(std::string const &new_base)
{
    m_txn.exec_params("UPDATE forumgate.settings SET new_base = $1 WHERE new_base <> $1", new_base);
}

void map_writer::set_old_hosts(std::vector<std::string> const &old_hosts)
{
    m_txn.exec_params("UPDATE forumgate.settings SET old_hosts = $1::text[] WHERE old_hosts <> $1::text[]",
                      pg::text_array_literal(old_hosts));
}

void map_writer::add_upload_host(std::string const &host)
{
    m_txn.exec_params("UPDATE forumgate.settings SET upload_hosts = upload_hosts || $1::text "
                      "WHERE NOT ($1 = ANY(upload_hosts))",
                      host);
}

void map_writer::put_category(std::int64_t old_id, std::string const &old_slug_path, std::int64_t new_id,
                              std::string const &new_slug_path, bool restricted)
{
    m_txn.exec_params("INSERT INTO forumgate.categories (old_id, old_slug_path, new_id, new_slug_path, restricted) "
                      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (old_id) DO UPDATE SET "
                      "old_slug_path = excluded.old_slug_path, new_id = excluded.new_id, "
                      "new_slug_path = excluded.new_slug_path, restricted = excluded.restricted",
                      old_id, old_slug_path, new_id, new_slug_path, restricted);
}

void map_writer::put_user(std::string const &old_username, std::string const &new_username)
{
    pg::exec_prepared(m_txn, "forumgate_put_user",
                      "INSERT INTO forumgate.users (old_username_lower, old_username, new_username) "
                      "VALUES ($1, $2, $3) ON CONFLICT (old_username_lower) DO UPDATE SET "
                      "old_username = excluded.old_username, new_username = excluded.new_username",
                      base::ascii_lower(old_username), old_username, new_username);
}

void map_writer::put_upload(std::string const &old_path, std::string const &new_url)
{
    pg::exec_prepared(m_txn, "forumgate_put_upload",
                      "INSERT INTO forumgate.uploads (old_path, new_url) VALUES ($1, $2) "
                      "ON CONFLICT (old_path) DO UPDATE SET new_url = excluded.new_url",
                      old_path, new_url);
}

void map_writer::put_topic(map_topic const &row)
{
    put_topic_rows(&row, {}, {});
}

namespace {

/// The columns of `rows` as PostgreSQL array literals, in the order of the posts table's
/// columns: old_id, old_topic_id, old_post_number, new_id, new_topic_id, new_post_number, hidden.
std::array<std::string, 7> post_columns(std::span<map_post const> rows)
{
    std::array<std::string, 7> columns;
    for (auto &column : columns) {
        column.push_back('{'); // (not `= "{"`: GCC 12 at -O2 warns of a memcpy overlap there)
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto const &row = rows[i];
        char const *const comma = i == 0 ? "" : ",";
        fmt::format_to(std::back_inserter(columns[0]), "{}{}", comma, row.old_id);
        fmt::format_to(std::back_inserter(columns[1]), "{}{}", comma, row.old_topic_id);
        fmt::format_to(std::back_inserter(columns[2]), "{}{}", comma, row.old_post_number);
        fmt::format_to(std::back_inserter(columns[3]), "{}{}", comma, row.new_id);
        fmt::format_to(std::back_inserter(columns[4]), "{}{}", comma, row.new_topic_id);
        fmt::format_to(std::back_inserter(columns[5]), "{}{}", comma, row.new_post_number);
        fmt::format_to(std::back_inserter(columns[6]), "{}{}", comma, row.hidden ? 't' : 'f');
    }
    for (auto &column : columns) {
        column += "}";
    }
    return columns;
}

} // namespace

void map_writer::put_posts(std::span<map_post const> rows)
{
    if (!rows.empty()) {
        put_topic_rows(nullptr, rows, {});
    }
}

void map_writer::put_topic_rows(map_topic const *topic, std::span<map_post const> copied,
                                std::span<map_post const> uncopied)
{
    if (topic == nullptr && copied.empty() && uncopied.empty()) {
        return;
    }
    // The copied and the uncopied posts are distinct rows: the statement's parts never touch
    // the same row (which PostgreSQL refuses).
    auto const posts = post_columns(copied);
    auto const others = post_columns(uncopied);
    map_topic const none;
    map_topic const &row = topic != nullptr ? *topic : none;
    pg::exec_prepared(
        m_txn, "forumgate_put_topic_rows",
        "WITH topic AS (INSERT INTO forumgate.topics (old_id, old_slug, new_id, new_slug, restricted) "
        "SELECT $1::bigint, $2::text, $3::bigint, $4::text, $5::boolean WHERE $6::boolean "
        "ON CONFLICT (old_id) DO UPDATE SET old_slug = excluded.old_slug, new_id = excluded.new_id, "
        "new_slug = CASE WHEN excluded.new_slug = '' THEN forumgate.topics.new_slug ELSE excluded.new_slug END, "
        "restricted = excluded.restricted), "
        "copied AS (INSERT INTO forumgate.posts (old_id, old_topic_id, old_post_number, new_id, new_topic_id, "
        "new_post_number, hidden) SELECT * FROM unnest($7::bigint[], $8::bigint[], $9::int[], $10::bigint[], "
        "$11::bigint[], $12::int[], $13::boolean[]) ON CONFLICT (old_id) DO UPDATE "
        "SET old_topic_id = excluded.old_topic_id, old_post_number = excluded.old_post_number, "
        "new_id = excluded.new_id, new_topic_id = excluded.new_topic_id, "
        "new_post_number = excluded.new_post_number, hidden = excluded.hidden) "
        "INSERT INTO forumgate.posts (old_id, old_topic_id, old_post_number, hidden) "
        "SELECT * FROM unnest($14::bigint[], $15::bigint[], $16::int[], $17::boolean[]) "
        "ON CONFLICT (old_id) DO NOTHING",
        row.old_id, row.old_slug, row.new_id, row.new_slug, row.restricted, topic != nullptr, posts[0], posts[1],
        posts[2], posts[3], posts[4], posts[5], posts[6], others[0], others[1], others[2], others[6]);
}

void map_writer::put_uncopied_topic(map_topic const &row)
{
    pg::exec_prepared(m_txn, "forumgate_put_uncopied_topic",
                      "INSERT INTO forumgate.topics (old_id, old_slug, restricted) VALUES ($1, $2, $3) "
                      "ON CONFLICT (old_id) DO NOTHING",
                      row.old_id, row.old_slug, row.restricted);
}

void map_writer::put_uncopied_posts(std::span<map_post const> rows)
{
    if (!rows.empty()) {
        put_topic_rows(nullptr, {}, rows);
    }
}

} // namespace forumgate::store
