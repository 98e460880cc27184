#pragma once
// What the phases of one import run share (importer/publish.cpp runs them in order): the
// archive's records as import reads them, the connections each thread uses, the places made on
// the new forum so far and the run's counts, and the import's failure list.

#include "importer/discourse_json.hpp"
#include "importer/publish.hpp"
#include "importer/target.hpp"
#include "mappings/snapshot.hpp"
#include "store/archive_reader.hpp"
#include "store/store.hpp"
#include "web/http_client.hpp"
#include "web/polite.hpp"
#include "web/site_url.hpp"

#include <pqxx/pqxx>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace forumgate::importer {

/// Represents a user of the old forum who authored or took part in something import copies.
struct old_user
{
    std::string username;
    std::string name;
    std::string email;
    std::optional<std::int64_t> id;
    bool missing = false;
};

/// Posts of these types are copied; small actions (3) are the new forum's own to make, and
/// whispers (4) only with --keep-whispers.
[[nodiscard]] bool copied(store::archived_post const &post, bool keep_whispers);

/// Represents what every thread of a run shares to reach the new forum.
struct run_context
{
    import_options const &options;
    web::site_url site;
    web::request_pacer pacer;
    web::http_client::options client_options;
};

/// Represents one thread's own client of the new forum and connection to the store.
struct worker
{
    explicit worker(run_context &run)
        : target(run.site, run.client_options, run.pacer, run.options.retries, run.options.api_key),
          store(run.options.database)
    {}
    target_forum target;
    store::database store;
};

/// Represents the state an import run's phases share: its options and counts, and the places
/// each earlier phase made on the new forum that the later ones need.
struct import_state
{
    explicit import_state(import_options const &run_options);

    import_options const &options;
    run_context context;
    import_summary summary;
    std::mutex counts; ///< guards summary while threads work
    std::string source;
    std::map<std::int64_t, store::archived_category> categories;
    std::map<std::int64_t, std::int64_t> new_category;
    std::unordered_map<std::string, std::string> new_username; ///< old lowercase -> new
    std::set<std::string> attributed;                          ///< old lowercase names posted as someone else
    std::shared_ptr<mappings::snapshot const> snapshot;

    /// A new thread's clients (for base::in_parallel).
    [[nodiscard]] std::unique_ptr<worker> make_worker() { return std::make_unique<worker>(context); }

    /// The new forum's account that posts as `old_username`; empty if it was not placed.
    [[nodiscard]] std::string acting_user(std::string const &old_username) const;

    /// Whether the category or one of its parents was read-restricted on the old forum.
    [[nodiscard]] bool restricted(std::optional<std::int64_t> category_id) const;

    /// The old category's slug path as the map knows it (`parent/child`).
    [[nodiscard]] std::string old_slug_path(std::int64_t id) const;

    /// The raw to send: rewritten against the map as it is, with the original author named at
    /// the top when the post goes to another account. `problems` receives the rewrite's.
    [[nodiscard]] std::string composed_raw(store::archived_post const &post, mappings::snapshot const &map,
                                           std::vector<std::string> &problems, bool attributed_post = false) const;

    /// Adds `reason` to the run's failures under `kind key`, in its own transaction.
    static void record_failure(pqxx::connection &connection, std::string const &kind, std::string const &key,
                               std::string const &reason);

    /// Forgets an earlier failure of `kind key`, in the transaction that records its success.
    static void clear_failure(pqxx::work &txn, std::string const &kind, std::string const &key);
};

} // namespace forumgate::importer
