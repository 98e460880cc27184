#pragma once
// The map rows import writes (forumgate.settings, categories, users, uploads, topics, posts):
// every statement that writes them is here, each in the caller's transaction so a map row is
// committed together with the import's own record of it.

#include <pqxx/pqxx>

#include <cstdint>
#include <string>
#include <vector>

namespace forumgate::importer {

/// Represents a copied topic's map row.
struct map_topic
{
    std::int64_t old_id = 0;
    std::string old_slug;
    std::int64_t new_id = 0;
    std::string new_slug; ///< empty: keep the slug the row has
    bool restricted = false;
};

/// Represents a post's map row; new_* are unset (0) for a post deliberately not copied.
struct map_post
{
    std::int64_t old_id = 0;
    std::int64_t old_topic_id = 0;
    int old_post_number = 0;
    std::int64_t new_id = 0;
    std::int64_t new_topic_id = 0;
    int new_post_number = 0;
    bool hidden = false;
};

/// The map's first settings: where it redirects to and which old hosts it answers for.
void insert_map_settings(pqxx::work &txn, std::string const &new_base, std::vector<std::string> const &old_hosts);

/// Replaces the map's old hosts if they differ.
void update_map_old_hosts(pqxx::work &txn, std::vector<std::string> const &old_hosts);

/// Adds a host the new forum serves uploads from (a CDN) unless the map has it.
void add_map_upload_host(pqxx::work &txn, std::string const &host);

/// Writes (or replaces) a category's row.
void write_map_category(pqxx::work &txn, std::int64_t old_id, std::string const &old_slug_path, std::int64_t new_id,
                        std::string const &new_slug_path, bool restricted);

/// Writes (or replaces) a user's row: /u/old and @old reach `new_username`.
void write_map_user(pqxx::work &txn, std::string const &old_username_lower, std::string const &old_username,
                    std::string const &new_username);

/// Writes (or replaces) an upload's row: the old /uploads/… path and its new URL.
void write_map_upload(pqxx::work &txn, std::string const &old_path, std::string const &new_url);

/// Writes (or replaces) a copied topic's row.
void write_map_topic(pqxx::work &txn, map_topic const &topic);

/// Writes a topic deliberately not copied (no new place), unless it has a row.
void write_map_uncopied_topic(pqxx::work &txn, std::int64_t old_id, std::string const &old_slug, bool restricted);

/// Writes (or replaces) a copied post's row.
void write_map_post(pqxx::work &txn, map_post const &post);

/// Writes a post deliberately not copied (only its old_* and hidden), unless it has a row.
void write_map_uncopied_post(pqxx::work &txn, map_post const &post);

} // namespace forumgate::importer
