#pragma once
// forumgate verify: compares the archive with the new forum after an import (docs/import.md):
// every copied post present exactly once, as its author (or the admin who named it), with its
// date, in order, with the tags of its topic and the raw the import last sent (links, quotes and
// uploads rewritten); and nothing that should have been copied missing.

#include "web/polite.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace forumgate::importer {

struct verify_options
{
    std::string database;
    std::string target;
    std::string api_key;
    std::string api_username = "system";
    int concurrency = 4;
    double rate = 0.0;
    std::string ca_file;
    std::chrono::milliseconds timeout{std::chrono::seconds{60}};
    web::retry_policy retries{};
    bool terminal = false;
    bool quiet = false;
};

/// One difference found.
struct verify_finding
{
    std::string check; ///< missing, duplicate, author, date, order, tags, content, unreachable, not_imported
    std::int64_t old_topic_id = 0;
    std::int64_t old_post_id = 0; ///< 0: about the topic
    std::string detail;
};

struct verify_summary
{
    std::uint64_t topics_checked = 0;
    std::uint64_t posts_checked = 0;
    std::uint64_t posts_expected = 0; ///< archive posts that import copies
    std::vector<verify_finding> findings;
    [[nodiscard]] bool passed() const noexcept { return findings.empty(); }
};

/// Runs the comparison. \throws argument_error, database_error, web::fetch_error (the forum
/// cannot be reached at all).
[[nodiscard]] verify_summary run_verify(verify_options const &options);

/// Writes `summary` as JSON (docs/import.md describes the fields).
void write_verify_report(verify_summary const &summary, std::filesystem::path const &file);

} // namespace forumgate::importer
