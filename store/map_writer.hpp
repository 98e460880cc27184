#pragma once
// The one writer of map rows outside a CSV load: the import records, row by row, where each old
// category, user, upload, topic and post went, in the caller's transaction (beside its own
// import state).

#include <pqxx/pqxx>

#include <cstdint>
#include <string>
#include <vector>

namespace forumgate::store {

/// Represents the map tables (forumgate.settings, topics, posts, categories, users, uploads) as
/// the import writes them, within one transaction of the caller.
class map_writer
{
public:
    explicit map_writer(pqxx::transaction_base &txn) : m_txn{txn} {}

    /// Stores the first settings of a map the import fills: where it redirects to, its old hosts.
    void insert_settings(std::string const &new_base, std::vector<std::string> const &old_hosts);
    /// Replaces the old hosts of the stored settings (nothing is written if they are the same).
    void set_old_hosts(std::vector<std::string> const &old_hosts);
    /// Adds a host uploads are served from (nothing is written if it is known).
    void add_upload_host(std::string const &host);

    /// Places an old category (inserted, or every value replaced).
    void put_category(std::int64_t old_id, std::string const &old_slug_path, std::int64_t new_id,
                      std::string const &new_slug_path, bool restricted);
    /// Places an old user; `old_username_lower` is the key (base::ascii_lower of the name).
    void put_user(std::string const &old_username_lower, std::string const &old_username,
                  std::string const &new_username);
    /// Places an old upload path at its new URL.
    void put_upload(std::string const &old_path, std::string const &new_url);
    /// Places a copied topic. An empty `new_slug` keeps a stored one.
    void put_topic(std::int64_t old_id, std::string const &old_slug, std::int64_t new_id, std::string const &new_slug,
                   bool restricted);
    /// Places a copied post (inserted, or every value replaced).
    void put_post(std::int64_t old_id, std::int64_t old_topic_id, int old_post_number, std::int64_t new_id,
                  std::int64_t new_topic_id, int new_post_number, bool hidden);
    /// Records a topic that was not copied (no new place); a stored row is left as it is.
    void add_unmigrated_topic(std::int64_t old_id, std::string const &old_slug, bool restricted);
    /// Records a post that was not copied (no new place); a stored row is left as it is.
    void add_unmigrated_post(std::int64_t old_id, std::int64_t old_topic_id, int old_post_number, bool hidden);

private:
    pqxx::transaction_base &m_txn;
};

} // namespace forumgate::store
