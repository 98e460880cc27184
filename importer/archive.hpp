#pragma once
// The archive of the old forum in the store (the archive_* tables of migration 3): what fetch
// writes and import reads. Every write is one transaction, so a run killed at any point leaves
// whole topics, users and uploads, never part of one.

#include "importer/discourse_json.hpp"
#include "pg/text_array.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace forumgate::importer {

/// What a fetch run is: the archive refuses to mix forums or access levels silently.
struct archive_identity
{
    std::string source; ///< the old forum's base URL
    bool authenticated = false;
    bool include_private_messages = false;
};

/// Represents one failure still waiting for a successful retry.
struct archive_failure
{
    std::string kind; ///< topic, user, upload, list, categories, tags, permalinks
    std::string key;
    std::string url;
    std::string reason;
    int attempts = 0;
    std::string last_failed_at;
};

/// Counts by kind, for `fetch --status` and the end-of-run summary.
struct archive_status
{
    std::optional<archive_identity> identity;
    std::string last_started_at;
    std::string last_finished_at;
    bool last_complete = false;
    std::int64_t categories = 0;
    std::int64_t tags = 0;
    std::int64_t topics = 0;
    std::int64_t private_messages = 0;
    std::int64_t posts = 0;
    std::int64_t users = 0;
    std::int64_t missing_users = 0;
    std::int64_t uploads = 0;
    std::int64_t upload_bytes = 0;
    std::int64_t permalinks = 0;
    std::int64_t absent_topic_ids = 0;
    std::vector<archive_failure> failures;
};

/// An upload the archive holds or needs.
struct upload_entry
{
    std::string sha1;
    std::string extension;
    std::string short_url;
    std::string path; ///< `/uploads/…/original/…` when a post showed it, else empty
};

/// Represents the archive tables over one connection. Not thread-safe: one per worker.
class archive
{
public:
    explicit archive(pqxx::connection &connection) : m_connection(connection) {}

    /// Records the start of a run. \throws argument_error when the archive holds another
    /// forum, saying which, or was fetched with another access level than asked (a partial
    /// mix would be neither); `reset` clears the archive first instead.
    void begin_run(archive_identity const &identity, bool reset);
    void finish_run(bool complete);

    void store_categories(std::vector<category_record> const &categories);
    void store_tags(std::vector<std::pair<std::string, int>> const &tags);

    /// \return the list signature stored with each archived topic.
    [[nodiscard]] std::unordered_map<std::int64_t, std::string> topic_signatures();
    /// \return the ids a sweep found absent before.
    [[nodiscard]] std::unordered_set<std::int64_t> absent_topics();

    /// Replaces the topic and all its posts in one transaction (posts no longer in the stream
    /// are removed), clears the topic's failure and any absent mark.
    void store_topic(topic_record const &topic, std::string const &signature, std::vector<post_record> const &posts);
    /// Marks a topic id as not shown by the old forum (status 404, 403, or 0 for "a private
    /// message left out"); clears its failure. An archived copy stays.
    void mark_absent(std::int64_t topic_id, int status);

    /// \return usernames (lowercased) that posts name as author or mention, not yet archived.
    [[nodiscard]] std::vector<std::string> users_needed();
    void store_user(user_record const &user);
    /// Records a username the old forum does not know (404): posts keep the name.
    void store_missing_user(std::string const &username);

    /// \return the upload references of archived posts whose file is not archived yet, one per
    /// sha1 (the path preferred over the short URL).
    [[nodiscard]] std::vector<upload_entry> uploads_needed();
    void store_upload(upload_entry const &upload, std::string const &url, std::int64_t filesize);

    void store_permalinks(std::vector<nlohmann::json> const &permalinks);

    /// Records (or counts again) a failure; the message names the URL and the reason.
    void record_failure(std::string const &kind, std::string const &key, std::string const &url,
                        std::string const &reason);
    void clear_failure(std::string const &kind, std::string const &key);
    /// \return the keys of failures of one kind (to retry them first).
    [[nodiscard]] std::vector<std::string> failed_keys(std::string const &kind);

    [[nodiscard]] archive_status status();

private:
    pqxx::connection &m_connection;
};

/// \return `text` with every byte that is not part of valid UTF-8, and every control character,
/// written as `\xNN`: remote text (a broken answer quoted in an error) made safe to store and print.
[[nodiscard]] std::string printable_text(std::string_view text);

} // namespace forumgate::importer
