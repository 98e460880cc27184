#pragma once
// The map the report's database tests use: tests/fixtures/cli-map (topics 774–777, one
// restricted and one not migrated, a hidden post, two categories, a renamed and a removed
// user, an upload and the viewtopic.php rule) in a private database, with an archive that
// knows some topics and a category the old forum kept private.

#include "store/store.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <filesystem>
#include <memory>
#include <string>

namespace forumgate::testing {

inline std::string const REPORT_OLD_HOST = "forum.cooperationbirmingham.org.uk";
inline std::string const REPORT_NEW_BASE = "https://forum.brum.coop";

/// Loads the map (with `new_base`) into `db` and fills the archive:
/// - topic 900: asked for by fetch and refused (403, private); topic 901: absent (404);
/// - topic 950: a private message, with post 99950 in it;
/// - category 30: read-restricted.
inline void load_report_map(test_database const &db, std::string const &new_base = REPORT_NEW_BASE)
{
    store::database store{db.conninfo()};
    store.migrate();
    (void)store.load_csv(std::filesystem::path{FORUMGATE_FIXTURES} / "cli-map",
                         mappings::site_settings{new_base, {REPORT_OLD_HOST, "www." + REPORT_OLD_HOST}, {}});
    pqxx::work txn{store.connection()};
    txn.exec("INSERT INTO forumgate.archive_absent_topics (id, status) VALUES (900, 403), (901, 404)");
    txn.exec("INSERT INTO forumgate.archive_categories (id, name, slug, read_restricted, data) "
             "VALUES (30, 'Staff', 'staff', true, '{}'), (31, 'Open', 'open', false, '{}')");
    txn.exec("INSERT INTO forumgate.archive_topics (id, title, slug, archetype, visible, closed, archived, pinned, "
             "highest_post_number, posts_count, data) VALUES "
             "(950, 'Board pay', 'board-pay', 'private_message', true, false, false, false, 1, 1, '{}'), "
             "(951, 'Open topic', 'open-topic', 'regular', true, false, false, false, 1, 1, '{}')");
    txn.exec(
        "INSERT INTO forumgate.archive_posts (id, topic_id, post_number, post_type, raw, cooked, created_at) VALUES "
        "(99950, 950, 1, 1, 'x', '<p>x</p>', now()), (99951, 951, 1, 1, 'y', '<p>y</p>', now())");
    txn.commit();
}

} // namespace forumgate::testing
