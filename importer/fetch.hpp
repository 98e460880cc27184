#pragma once
// forumgate fetch: copies the old forum, completely and verifiably, into the archive tables
// (docs/fetch.md). Resumable (whole topics are stored in one transaction each; a rerun fetches
// what is missing or changed) and polite (bounded concurrency, a rate cap, Retry-After).

#include "importer/archive.hpp"
#include "web/polite.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace forumgate::importer {

/// What `forumgate fetch` is asked to do.
struct fetch_options
{
    std::string source;   ///< the old forum's base URL
    std::string database; ///< libpq connection string of the store
    std::string api_key;  ///< empty: anonymous
    std::string api_username = "system";
    bool include_private_messages = false;
    int concurrency = 8;
    double rate = 0.0; ///< requests per second for the whole run; 0: no cap
    std::filesystem::path uploads_dir = "forumgate-uploads";
    bool full = false;    ///< fetch every topic again, and ask again for absent ids
    bool reset = false;   ///< empty the archive first
    bool sweep = true;    ///< ask for topic ids the lists do not show
    int sweep_slack = 20; ///< keep sweeping past the highest known id until this many in a row are absent
    std::string ca_file;
    std::chrono::milliseconds timeout{std::chrono::seconds{60}};
    web::retry_policy retries{};
    bool terminal = false; ///< progress redrawn on one line
    bool quiet = false;    ///< no progress at all
};

/// What a run did.
struct fetch_summary
{
    std::uint64_t topics_fetched = 0;   ///< archived by this run: new, changed, failed before, or --full
    std::uint64_t topics_unchanged = 0; ///< archived already with the same signature: not asked again
    std::uint64_t topics_absent =
        0; ///< asked for, but deleted, private or never used (404, 403, 410), or a left-out message
    std::uint64_t posts_fetched = 0;   ///< posts of the topics fetched
    std::uint64_t users_fetched = 0;   ///< user records archived, from the user list and from posts
    std::uint64_t uploads_fetched = 0; ///< upload files archived
    std::uint64_t requests = 0;        ///< HTTP requests sent to the old forum, retries included
    std::uint64_t retries = 0;         ///< requests sent again after a timeout, a dropped connection, 429 or 5xx
    double seconds = 0.0;              ///< wall-clock time of the run
    archive_status archive;            ///< the archive after the run, failures included
};

/// Runs a fetch. Items that fail are recorded in the archive with their URL and reason and
/// retried by the next run. \throws argument_error for a bad command line or an archive of
/// another forum; database_error when the store fails; web::fetch_error when the forum cannot be
/// reached at all (its site answer fails).
[[nodiscard]] fetch_summary run_fetch(fetch_options const &options);

/// \return the archive's state (`forumgate fetch --status`).
[[nodiscard]] archive_status fetch_status(std::string const &database);

} // namespace forumgate::importer
