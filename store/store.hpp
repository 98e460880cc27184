#pragma once
// The store: the map in PostgreSQL (database), its migrations, CSV load/export, snapshots and the
// miss log. Connection strings are described by pg/connection.hpp.

#include "mappings/snapshot.hpp"
#include "pg/connection.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Not a forward declaration: in libpqxx 6.4 pqxx::connection is an alias of a template.
#include <pqxx/connection>

namespace forumgate::store {

/// The schema version this build of forumgate writes and reads.
inline constexpr int SCHEMA_VERSION = 6;

/// The channel on which every committed change to the map is announced (payload: map version).
inline constexpr char const *MAP_CHANNEL = "forumgate_map";

/// What a command that needs a map says of an empty one (no site settings): its {} is where.
inline constexpr char const *EMPTY_MAP_MESSAGE =
    "the map in {} is empty: fill it with `forumgate import` (copying a forum through its API) or "
    "`forumgate map load --new-base URL --old-host HOST FOLDER` (CSV map files)";

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
    std::int64_t misses = 0; ///< distinct URLs in the miss log (forumgate.misses); not part of the map

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

/// Miss targets longer than this are cut to it: a btree index entry must fit in a third of a
/// page (2704 bytes), and a longer target would fail the whole batch. Real old links are far
/// shorter; the cut only merges junk.
inline constexpr std::size_t MAX_MISS_TARGET_BYTES = 2048;

/// How often real visitors asked for a URL that got a 404 or 410 (the redirector's miss log).
struct miss_count
{
    std::string target; ///< the request target as received
    std::string reason; ///< to_string(reason) of the decision
    std::int64_t hits = 0;
};

/// What changed in the map after a version, from its change log (forumgate.map_changes,
/// written by the map tables' triggers in the transaction of each change).
struct map_change_set
{
    std::int64_t from_version = 0; ///< the changes start after this version
    std::int64_t to_version = 0;   ///< the store's version they lead to
    /// The log cannot say what changed: a table changed as a whole (a truncate, a statement of
    /// more than 10,000 rows), or the log no longer holds every version after from_version
    /// (pruned, older than the log, or a store rebuilt). Read the whole map.
    bool whole_map = false;
    std::string whole_map_reason;          ///< why, for log lines
    std::vector<std::uint64_t> topics;     ///< old topic ids whose row or posts changed
    std::vector<std::uint64_t> categories; ///< old category ids
    std::vector<std::string> users;        ///< old usernames, lower case
    std::vector<std::string> tags;         ///< old tag names, lower case
    std::vector<std::string> uploads;      ///< old upload paths
    bool rules = false;                    ///< the rules changed (a layer holds them whole)
    bool settings = false;                 ///< the site settings changed

    [[nodiscard]] bool empty() const noexcept
    {
        return !whole_map && topics.empty() && categories.empty() && users.empty() && tags.empty() && uploads.empty() &&
               !rules && !settings;
    }
};

/// Bounds of the layers database::apply_changes() builds, in rows read again from the store.
/// Each layer is built again when the one above it outgrows its bound, so the rows read again
/// per changed row stay few at every size of change.
struct layer_bounds
{
    std::size_t small_rows = 2'000;   ///< a small layer: built again on every change
    std::size_t medium_rows = 50'000; ///< a medium layer
    /// A large layer holds at most this many rows, or the base's rows / large_share if that is
    /// more; past it the whole map is read.
    std::size_t large_rows = 1'000'000;
    std::size_t large_share = 8;
};

/// What database::apply_changes() made of the changes after a map's version.
struct applied_changes
{
    /// The map at to_version (the map given when nothing changed); null: read the whole map.
    std::shared_ptr<mappings::snapshot const> map;
    std::string whole_map_reason; ///< why the whole map is to be read, when map is null
    /// The change log could not name the keys (a table changed whole, a version pruned):
    /// compare_with_map() may still find them and build a layer.
    bool keys_unknown = false;
    std::int64_t to_version = 0;
    std::size_t rows_read = 0; ///< rows read again for the new layer
};

/// Represents a connection to the store (one PostgreSQL database holding the `forumgate` schema).
class database
{
public:
    /// Connects. \throws database_error naming the connection string's host and database, never
    /// its password.
    explicit database(std::string const &conninfo);
    ~database();
    database(database const &) = delete;
    database &operator=(database const &) = delete;

    /// Applies every migration newer than the database's schema version, each in a transaction.
    /// \return the versions applied (empty if up to date).
    /// \throws database_error if the database is newer than this build.
    std::vector<int> migrate();

    /// \return the schema version of the database (0: no forumgate schema yet).
    [[nodiscard]] int schema_version();

    /// \return the site settings, or nullopt if none were ever set.
    [[nodiscard]] std::optional<mappings::site_settings> settings();
    /// Sets the site settings (checked with normalise()). \throws input_error if unusable.
    void set_settings(mappings::site_settings settings);

    /// Loads the CSV files found in `dir` (topics.csv, posts.csv, users.csv, categories.csv,
    /// tags.csv, uploads.csv, rules.csv; each optional) in one transaction. Rows are inserted
    /// or, when changed, updated; unchanged rows change nothing, not even the map version.
    /// `settings`, if given, are stored in the same transaction.
    /// \throws input_error "FILE:LINE: what is wrong" for the first bad row; nothing is changed.
    load_result load_csv(std::filesystem::path const &dir, std::optional<mappings::site_settings> settings);

    /// Writes the whole map to `dir` as CSV files in the format load_csv reads (and settings.csv).
    void export_csv(std::filesystem::path const &dir);

    [[nodiscard]] map_stats stats();
    [[nodiscard]] std::int64_t map_version();

    /// \return what changed in the map after `version`, from the change log, with the store's
    /// version it leads to (one repeatable-read transaction).
    [[nodiscard]] map_change_set changes_since(std::int64_t version);

    /// Brings `current` (a map read from this store) to the store's version without reading the
    /// whole map: reads the change log after its version and, in the same transaction, the rows
    /// of the changed keys, and builds a layer over it (docs/architecture.md, "Changes applied in
    /// place"). A small layer is rebuilt with each change; past bounds.small_rows its keys go
    /// into a medium layer, and past bounds.medium_rows into a large one over the base. \return a null map (and why) when the log cannot say
    /// what changed, the change is too large for a layer, or a layer cannot answer as the whole
    /// map would: read the whole map then (load_snapshot).
    [[nodiscard]] applied_changes apply_changes(std::shared_ptr<mappings::snapshot const> const &current,
                                                layer_bounds const &bounds = {});

    /// Brings `current` (a map read from this store) to the store's version by comparing every
    /// row of the map with it, and building a layer of the keys whose rows differ, as
    /// apply_changes() does for the keys the change log names (docs/architecture.md, "A reload
    /// compared with the map"): a reload that holds one map in memory, not two. \return a null map
    /// (and why) when the settings are gone, the keys are too many for a layer, or a layer cannot
    /// answer as the whole map would: read the whole map then (load_snapshot).
    [[nodiscard]] applied_changes compare_with_map(std::shared_ptr<mappings::snapshot const> const &current,
                                                   layer_bounds const &bounds = {});

    /// Builds a snapshot of the whole map as it is at one moment (one repeatable-read
    /// transaction). \throws input_error if no settings are stored yet.
    [[nodiscard]] std::shared_ptr<mappings::snapshot const> load_snapshot();

    /// Adds miss counts to forumgate.misses in one transaction (hits are summed per target;
    /// first_seen kept, last_seen and reason updated). Does not touch the map version and
    /// announces nothing. A target given twice counts twice (the last reason wins). Entries
    /// with hits < 1, or a target or reason that is not UTF-8 text, are skipped (PostgreSQL
    /// could not store them, and one would fail the batch); targets longer than
    /// MAX_MISS_TARGET_BYTES are cut to that length.
    void record_misses(std::vector<miss_count> const &misses);

    /// Writes the whole map, as it is at one moment (one repeatable-read transaction), to
    /// `file` in the snapshot file format (docs/map-files.md). The file is written beside it as
    /// `FILE.tmp-PID`, flushed to disk and renamed over `file`, so a reader sees either the old
    /// file or the whole new one. \throws input_error if no settings are stored yet or the file
    /// cannot be written; database_error if the store cannot be read.
    void write_snapshot_file(std::filesystem::path const &file);

    /// The underlying connection (importer and redirector use it for their own tables).
    [[nodiscard]] pqxx::connection &connection() noexcept { return *m_connection; }

private:
    std::string m_description; ///< describe_conninfo() of the connection string, for messages
    std::unique_ptr<pqxx::connection> m_connection;
};

/// Builds a snapshot from a file written by database::write_snapshot_file, without a database. The
/// snapshot is the one load_snapshot() would have built at the moment the file was written
/// (same version, rows and checks).
/// \throws input_error "FILE:LINE: …" if the file cannot be read, is not a snapshot file, is
/// truncated or holds a bad row; "FILE: …" if the rows clash (a duplicate old id).
[[nodiscard]] std::shared_ptr<mappings::snapshot const> read_snapshot_file(std::filesystem::path const &file);

/// Compares every row of a snapshot file with `current` (a map read from a snapshot file, or
/// layered over one) and lays the rows of the keys that differ over it, as
/// database::compare_with_map does with the store: a reload that never holds a second whole map.
/// The file is read once to compare and again for the layer's rows (each read checks it is still
/// the same file). \return the map at the file's version, `current` itself if nothing differs,
/// or no map and the reason when a layer cannot hold what differs (read the file whole then).
/// \throws input_error as read_snapshot_file() does, or if another file was renamed over `file`
/// while it was read.
[[nodiscard]] applied_changes compare_with_snapshot_file(std::shared_ptr<mappings::snapshot const> const &current,
                                                         std::filesystem::path const &file,
                                                         layer_bounds const &bounds = {});

} // namespace forumgate::store
