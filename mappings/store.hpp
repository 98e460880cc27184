#pragma once
// The ID-map store: the map in PostgreSQL, its migrations, CSV import/export and snapshots.

#include "snapshot.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Not a forward declaration: in libpqxx 6.4 pqxx::connection is an alias of a template.
#include <pqxx/connection>

namespace forumgate::mappings {

/// The schema version this build of forumgate writes and reads.
inline constexpr int SCHEMA_VERSION = 1;

/// The channel on which every committed change to the map is announced (payload: map version).
inline constexpr char const *MAP_CHANNEL = "forumgate_map";

/// Counts of each table (for `forumgate map stats`).
struct map_stats
{
    std::int64_t version = 0;
    std::int64_t topics = 0;
    std::int64_t topics_not_migrated = 0;
    std::int64_t topics_restricted = 0;
    std::int64_t posts = 0;
    std::int64_t posts_not_migrated = 0;
    std::int64_t categories = 0;
    std::int64_t users = 0;
    std::int64_t tags = 0;
    std::int64_t uploads = 0;
    std::int64_t rules = 0;

    bool operator==(map_stats const &) const = default;
};

/// What a CSV load changed, per file.
struct load_result
{
    struct file
    {
        std::string name;      ///< e.g. "topics.csv"
        std::int64_t rows = 0; ///< rows read
        std::int64_t inserted = 0;
        std::int64_t updated = 0;
        std::int64_t deleted = 0; ///< rules.csv only: stored rules beyond the file's last one
    };
    std::vector<file> files;
    std::int64_t version_before = 0;
    std::int64_t version_after = 0;
};

/// Represents a connection to the store (one PostgreSQL database holding the `forumgate` schema).
class store
{
public:
    /// Connects. \throws database_error naming the connection string's host and database, never
    /// its password.
    explicit store(std::string const &conninfo);
    ~store();
    store(store const &) = delete;
    store &operator=(store const &) = delete;

    /// Applies every migration newer than the database's schema version, each in a transaction.
    /// \return the versions applied (empty if up to date).
    /// \throws database_error if the database is newer than this build.
    std::vector<int> migrate();

    /// \return the schema version of the database (0: no forumgate schema yet).
    [[nodiscard]] int schema_version();

    /// \return the site settings, or nullopt if none were ever set.
    [[nodiscard]] std::optional<site_settings> settings();
    /// Sets the site settings (checked with normalise()). \throws input_error if unusable.
    void set_settings(site_settings settings);

    /// Loads the CSV files found in `dir` (topics.csv, posts.csv, users.csv, categories.csv,
    /// tags.csv, uploads.csv, rules.csv; each optional) in one transaction. Rows are inserted
    /// or, when changed, updated; unchanged rows change nothing, not even the map version.
    /// `settings`, if given, are stored in the same transaction.
    /// \throws input_error "FILE:LINE: what is wrong" for the first bad row; nothing is changed.
    load_result load_csv(std::filesystem::path const &dir, std::optional<site_settings> settings);

    /// Writes the whole map to `dir` as CSV files in the format load_csv reads (and settings.csv).
    void export_csv(std::filesystem::path const &dir);

    [[nodiscard]] map_stats stats();
    [[nodiscard]] std::int64_t map_version();

    /// Builds a snapshot of the whole map as it is at one moment (one repeatable-read
    /// transaction). \throws input_error if no settings are stored yet.
    [[nodiscard]] std::shared_ptr<snapshot const> load_snapshot();

    /// The underlying connection (importer and redirector use it for their own tables).
    [[nodiscard]] pqxx::connection &connection() noexcept { return *m_connection; }

private:
    std::string m_description; ///< describe_conninfo() of the connection string, for messages
    std::unique_ptr<pqxx::connection> m_connection;
};

/// \return `conninfo` with its database name replaced by `dbname` (libpq keyword/value or URI).
[[nodiscard]] std::string with_database(std::string const &conninfo, std::string const &dbname);

/// \return a description of `conninfo` for messages: host, port, database, user; no password.
[[nodiscard]] std::string describe_conninfo(std::string const &conninfo);

} // namespace forumgate::mappings
