#pragma once
// forumgate import: recreates the archived old forum on the new one through Discourse's REST
// API and fills the ID map the redirector serves (docs/import.md). Categories, users, uploads,
// then topics with their replies in order, then a pass that rewrites every copied post once the
// map is whole. Never duplicates: the map is written as each creation is confirmed, and a rerun
// reconciles what the new forum already has before creating anything.

#include "importer/import_report.hpp"
#include "importer/new_forum_access.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace forumgate::importer {

/// What `forumgate import` is asked to do, besides reaching the new forum.
struct import_options : new_forum_access
{
    std::string fallback_user;          ///< set: posts of unplaced authors go to this account
    std::filesystem::path category_map; ///< CSV `old,new` (ids or slug paths), optional
    std::string sso_secret;             ///< set: users are provisioned through sync_sso
    std::string external_id_prefix = "fg-";
    std::filesystem::path uploads_dir = "forumgate-uploads";
    /// Every note on every imported post, written from the store at the end of each run.
    std::filesystem::path notes_file = "forumgate-import-notes.csv";
    std::string placeholder_email_domain = "users.invalid";
    std::vector<std::string> old_hosts; ///< more old host names for the map (the source's is added)
    bool dry_run = false;
    /// The new forum moved to `target`: take it as this store's target, after checking that it
    /// holds what earlier runs created and that the old address no longer serves it.
    bool retarget = false;
    bool force = false; ///< with retarget: even though the old address still serves it
    bool allow_notifications = false;
    bool skip_validations = false;
    bool keep_whispers = false;
};

/// One thing the preflight found (dry run, and the start of every run).
struct preflight_finding
{
    bool blocking = false; ///< the run refuses to start (notifications not quiet)
    std::string what;      ///< what would fail or bother members, with an example
    std::string remedy;    ///< the site setting to change, or the option to use
};

/// What a run did (counts of this run), and where the whole import stands.
struct import_summary
{
    std::vector<preflight_finding> findings;
    std::uint64_t categories_created = 0;
    std::uint64_t categories_matched = 0;
    std::uint64_t users_created = 0;
    std::uint64_t users_matched = 0;
    std::uint64_t users_fallback = 0;
    std::uint64_t uploads_created = 0;
    std::uint64_t topics_created = 0;
    std::uint64_t posts_created = 0;
    std::uint64_t posts_reconciled = 0;
    std::uint64_t posts_skipped = 0;
    std::uint64_t posts_edited = 0;
    std::uint64_t posts_with_problems = 0;
    std::uint64_t failures = 0;
    std::vector<std::string> failure_lines; ///< "kind key: reason"
    /// The whole forum on the new one after this run (every run so far), and the notes file.
    forum_totals totals;
    std::uint64_t notes_written = 0;
    double seconds = 0.0;
};

/// Runs an import (or only its preflight with dry_run). \throws argument_error (bad options, a
/// map or import state of another forum, notifications not quiet), database_error, web::fetch_error
/// when the new forum cannot be reached or the key is not an admin's.
[[nodiscard]] import_summary run_import(import_options const &options);

} // namespace forumgate::importer
