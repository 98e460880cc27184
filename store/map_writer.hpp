#pragma once
// Writes single map rows (forumgate.settings, categories, users, uploads, topics, posts), each in
// the caller's transaction, so that a map row is committed together with the caller's own record
// of it (the import's state). Whole map files are written by database::load_csv instead.

#include <pqxx/pqxx>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace forumgate::store {

/// A topic's map row, as written by map_writer (the store's signed bigint ids).
struct map_topic
{
    std::int64_t old_id = 0;
    std::string old_slug;
    std::int64_t new_id = 0; ///< 0 for a topic not copied
    std::string new_slug;    ///< empty: keep the slug the row has
    bool restricted = false;
};

/// A post's map row; new_* are 0 for a post not copied.
struct map_post
{
    std::int64_t old_id = 0;
    std::int64_t old_topic_id = 0;
    int old_post_number = 0;
    std::int64_t new_id = 0;
    std::int64_t new_topic_id = 0;
    int new_post_number = 0;
    bool hidden = false; ///< not in the old forum's public post stream (deleted, whisper)
};

/// The one writer of single map rows. A topic or post "not copied" keeps its old place only:
/// the redirector sends its links to the nearest copied post (or answers 410).
class map_writer
{
public:
    explicit map_writer(pqxx::transaction_base &txn) noexcept : m_txn{txn} {}

    /// The map's first settings: where it redirects to and which old hosts it answers for.
    void insert_settings(std::string const &new_base, std::vector<std::string> const &old_hosts);

    /// Replaces where the map redirects to (a new forum that moved, or a target that changed
    /// before anything was created on it).
    void set_new_base(std::string const &new_base);

    /// Replaces the map's old hosts if they differ.
    void set_old_hosts(std::vector<std::string> const &old_hosts);

    /// Adds a host the new forum serves uploads from (a CDN) unless the map has it.
    void add_upload_host(std::string const &host);

    /// Writes (or replaces) a category's row.
    void put_category(std::int64_t old_id, std::string const &old_slug_path, std::int64_t new_id,
                      std::string const &new_slug_path, bool restricted);

    /// Writes (or replaces) a user's row, keyed by the old name in ASCII lower case: /u/old and
    /// @old reach `new_username`.
    void put_user(std::string const &old_username, std::string const &new_username);

    /// Writes (or replaces) an upload's row: the old /uploads/… path and its new URL.
    void put_upload(std::string const &old_path, std::string const &new_url);

    /// Writes (or replaces) a copied topic's row (put_topic_rows with the row alone).
    void put_topic(map_topic const &row);

    /// Writes (or replaces) copied posts' rows, in one statement: one change of the map for a
    /// topic's posts, not one a post.
    void put_posts(std::span<map_post const> rows);

    /// Writes a topic's rows in one statement: its own row when given (as put_topic), its
    /// copied posts (as put_posts) and its posts not copied (as put_uncopied_posts). One round
    /// trip: the map's version row, locked from a transaction's first map row to its commit,
    /// is held for one statement, not three.
    void put_topic_rows(map_topic const *topic, std::span<map_post const> copied, std::span<map_post const> uncopied);

    /// Writes a topic deliberately not copied (its old id, slug and restricted flag), unless
    /// it has a row.
    void put_uncopied_topic(map_topic const &row);

    /// Writes posts deliberately not copied (their old place and hidden flag), each unless it
    /// has a row, in one statement.
    void put_uncopied_posts(std::span<map_post const> rows);

private:
    pqxx::transaction_base &m_txn;
};

} // namespace forumgate::store
