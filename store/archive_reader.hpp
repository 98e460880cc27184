#pragma once
// Reads the archive of the old forum (the archive_* tables of migration 3, which fetch writes)
// for the import, verify and the coverage report: the one place that knows how an archived
// topic, post or category is read back.

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace forumgate::store {

/// An archived topic of the old forum, as the import copies it.
struct archived_topic
{
    std::int64_t id = 0;
    std::string title;
    std::string slug;
    std::optional<std::int64_t> category_id;
    std::string archetype; ///< regular or private_message
    std::string created_at;
    bool deleted = false;
    std::vector<std::string> tags;
    std::vector<std::string> participants; ///< usernames allowed in a private message
};

/// An archived post of the old forum, as the import copies it.
struct archived_post
{
    std::int64_t id = 0;
    int post_number = 0;
    std::string username; ///< empty: the author's account is gone
    int post_type = 1;    ///< 1 regular, 2 moderator action, 3 small action, 4 whisper
    std::string raw;
    std::string created_at; ///< ISO 8601 in UTC, with milliseconds
    std::optional<int> reply_to;
    bool deleted = false;
};

/// An archived category of the old forum, as the import places it.
struct archived_category
{
    std::int64_t id = 0;
    std::optional<std::int64_t> parent_id;
    std::string name;
    std::string slug;
    std::string description;
    std::string color;
    std::string text_color;
    bool read_restricted = false;
};

/// What the archive knows to be restricted on the old forum: private messages, topics in
/// read-restricted categories and topic ids it refused to show (403), their posts, and the
/// read-restricted categories.
struct archived_restrictions
{
    std::unordered_set<std::uint64_t> topics;
    std::unordered_set<std::uint64_t> posts;
    std::unordered_set<std::uint64_t> categories;
};

/// Reads the archive in the caller's transaction.
class archive_reader
{
public:
    explicit archive_reader(pqxx::transaction_base &txn) noexcept : m_txn{txn} {}

    /// \return every archived topic id, oldest first (by creation, then id).
    [[nodiscard]] std::vector<std::int64_t> topic_ids_oldest_first();

    /// \return one archived topic. \throws pqxx::unexpected_rows if the archive lacks it.
    [[nodiscard]] archived_topic topic(std::int64_t id);

    /// \return the archived posts of a topic, by post number.
    [[nodiscard]] std::vector<archived_post> posts(std::int64_t topic_id);

    /// \return every archived category.
    [[nodiscard]] std::vector<archived_category> categories();

    /// \return what the archive knows to be restricted (streamed with COPY: a large forum's
    /// private messages are many).
    [[nodiscard]] archived_restrictions restrictions();

private:
    pqxx::transaction_base &m_txn;
};

} // namespace forumgate::store
