#pragma once
// forumgate verify: compares the archive with the new forum after an import (docs/import.md):
// every copied post present exactly once, as its author (or the admin who named it), with its
// date, in order, with the tags of its topic and the raw the import last sent (links, quotes and
// uploads rewritten); and nothing that should have been copied missing.

#include "importer/new_forum_access.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace forumgate::importer {

/// What `forumgate verify` is asked to do: compare the store with the new forum it reaches.
struct verify_options : new_forum_access
{};

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
