#include "importer/import_map.hpp"

#include "importer/archive.hpp"

namespace forumgate::importer {

void insert_map_settings(pqxx::work &txn, std::string const &new_base, std::vector<std::string> const &old_hosts)
{
    txn.exec_params("INSERT INTO forumgate.settings (new_base, old_hosts) VALUES ($1, $2::text[])", new_base,
                    forumgate::pg::text_array_literal(old_hosts));
}

void update_map_old_hosts(pqxx::work &txn, std::vector<std::string> const &old_hosts)
{
    txn.exec_params("UPDATE forumgate.settings SET old_hosts = $1::text[] WHERE old_hosts <> $1::text[]",
                    forumgate::pg::text_array_literal(old_hosts));
}

void add_map_upload_host(pqxx::work &txn, std::string const &host)
{
    txn.exec_params("UPDATE forumgate.settings SET upload_hosts = upload_hosts || $1::text "
                    "WHERE NOT ($1 = ANY(upload_hosts))",
                    host);
}

void write_map_category(pqxx::work &txn, std::int64_t old_id, std::string const &old_slug_path, std::int64_t new_id,
                        std::string const &new_slug_path, bool restricted)
{
    txn.exec_params(
        "INSERT INTO forumgate.categories (old_id, old_slug_path, new_id, new_slug_path, restricted) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (old_id) DO UPDATE SET old_slug_path = "
        "excluded.old_slug_path, "
        "new_id = excluded.new_id, new_slug_path = excluded.new_slug_path, restricted = excluded.restricted",
        old_id, old_slug_path, new_id, new_slug_path, restricted);
}

void write_map_user(pqxx::work &txn, std::string const &old_username_lower, std::string const &old_username,
                    std::string const &new_username)
{
    txn.exec_params("INSERT INTO forumgate.users (old_username_lower, old_username, new_username) VALUES ($1, $2, $3) "
                    "ON CONFLICT (old_username_lower) DO UPDATE SET old_username = excluded.old_username, "
                    "new_username = excluded.new_username",
                    old_username_lower, old_username, new_username);
}

void write_map_upload(pqxx::work &txn, std::string const &old_path, std::string const &new_url)
{
    txn.exec_params("INSERT INTO forumgate.uploads (old_path, new_url) VALUES ($1, $2) ON CONFLICT (old_path) "
                    "DO UPDATE SET new_url = excluded.new_url",
                    old_path, new_url);
}

void write_map_topic(pqxx::work &txn, map_topic const &topic)
{
    txn.exec_params("INSERT INTO forumgate.topics (old_id, old_slug, new_id, new_slug, restricted) VALUES ($1, $2, $3, "
                    "$4, $5) "
                    "ON CONFLICT (old_id) DO UPDATE SET old_slug = excluded.old_slug, new_id = excluded.new_id, "
                    "new_slug = CASE WHEN excluded.new_slug = '' THEN forumgate.topics.new_slug ELSE "
                    "excluded.new_slug END, "
                    "restricted = excluded.restricted",
                    topic.old_id, topic.old_slug, topic.new_id, topic.new_slug, topic.restricted);
}

void write_map_uncopied_topic(pqxx::work &txn, std::int64_t old_id, std::string const &old_slug, bool restricted)
{
    txn.exec_params("INSERT INTO forumgate.topics (old_id, old_slug, restricted) VALUES ($1, $2, $3) ON CONFLICT "
                    "(old_id) DO NOTHING",
                    old_id, old_slug, restricted);
}

void write_map_post(pqxx::work &txn, map_post const &post)
{
    txn.exec_params("INSERT INTO forumgate.posts (old_id, old_topic_id, old_post_number, new_id, new_topic_id, "
                    "new_post_number, hidden) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (old_id) DO UPDATE SET old_topic_id = "
                    "excluded.old_topic_id, "
                    "old_post_number = excluded.old_post_number, new_id = excluded.new_id, new_topic_id = "
                    "excluded.new_topic_id, "
                    "new_post_number = excluded.new_post_number, hidden = excluded.hidden",
                    post.old_id, post.old_topic_id, post.old_post_number, post.new_id, post.new_topic_id,
                    post.new_post_number, post.hidden);
}

void write_map_uncopied_post(pqxx::work &txn, map_post const &post)
{
    txn.exec_params("INSERT INTO forumgate.posts (old_id, old_topic_id, old_post_number, hidden) VALUES ($1, $2, $3, "
                    "$4) ON CONFLICT (old_id) DO NOTHING",
                    post.old_id, post.old_topic_id, post.old_post_number, post.hidden);
}

} // namespace forumgate::importer
