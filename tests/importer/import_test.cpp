// End-to-end tests of forumgate import and verify: a generated forum on one rehearsal forum is
// fetched, imported into an empty rehearsal forum over real loopback sockets, verified, and
// every old post URL resolved through the map lands on the same post; reruns create nothing;
// a run killed at random points and rerun leaves exactly one copy of every post; validation
// refusals and noisy settings are reported as Discourse words them.

#include "base/error.hpp"
#include "base/url_codec.hpp"
#include "importer/fetch.hpp"
#include "importer/new_forum_access.hpp"
#include "importer/publish.hpp"
#include "importer/verify.hpp"
#include "mappings/resolver.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/generator.hpp"
#include "rehearsal/http_server.hpp"
#include "store/store.hpp"
#include "tests/support/error_message.hpp"
#include "tests/support/loopback_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"
#include "web/polite.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <array>
#include <atomic>
#include <csignal>
#include <thread>

using namespace forumgate;
using namespace forumgate::testing;

namespace {

namespace net = boost::asio;

constexpr char const *KEY = "import-test-admin-key";
constexpr char const *OLD_HOST = "forum.cooperationbirmingham.org.uk";

/// Represents a rehearsal forum on a loopback port, run by two threads of its own.
class forum_server
{
public:
    /// `host` names the forum in its URL; an address of 127.0.0.0/8 is also where it listens.
    explicit forum_server(rehearsal::forum_state state, std::string host = "127.0.0.1")
        : m_forum{std::move(state)}, m_api{m_forum, KEY}, m_host{std::move(host)},
          m_server{m_api.handler(), {}, 2, m_host.starts_with("127.") ? m_host : "127.0.0.1"}
    {}

    /// The old forum is reached as 127.0.0.1, the new one as localhost: the map refuses an old
    /// host that is also the new base's.
    [[nodiscard]] std::string url() const { return m_server.url(m_host); }
    [[nodiscard]] std::uint64_t requests() const { return m_server.requests(); }
    rehearsal::forum &forum() { return m_forum; }

private:
    rehearsal::forum m_forum;
    rehearsal::api m_api;
    std::string m_host;
    forumgate::testing::loopback_server m_server;
};

/// How far the new forum's clock runs ahead of the real one (to outwait its 120-s memo of
/// post results without sleeping).
std::atomic<std::int64_t> clock_ahead_seconds{0};

rehearsal::forum_state new_forum_state(bool quiet = true)
{
    rehearsal::forum_state state{[] {
        return std::chrono::time_point_cast<rehearsal::timestamp::duration>(std::chrono::system_clock::now()) +
               std::chrono::seconds{clock_ahead_seconds.load()};
    }};
    if (quiet) {
        rehearsal::set_setting(state.settings(), "disable_emails", "yes");
    }
    return state;
}

/// One import's world: an old forum generated from `generated`, an empty new forum (`quiet`: it
/// mails no one), the database and the uploads folder.
struct import_world
{
    explicit import_world(rehearsal::generator_options const &generated = {.topic_count = 40, .seed = 11},
                          bool quiet = true, std::string target_host = "localhost")
        : old{rehearsal::generate_forum(generated)}, target{new_forum_state(quiet), std::move(target_host)}
    {}

    /// Fetches the old forum into the archive. \return whether the fetch ended with no failures.
    [[nodiscard]] bool fetch_old() const
    {
        importer::fetch_options options;
        options.source = old.url();
        options.database = db.conninfo();
        options.api_key = KEY;
        options.include_private_messages = true;
        options.uploads_dir = dir.path() / "uploads";
        options.quiet = true;
        return importer::run_fetch(options).archive.failures.empty();
    }

    [[nodiscard]] importer::import_options import_options() const
    {
        importer::import_options options;
        set_access(options);
        options.uploads_dir = dir.path() / "uploads";
        options.notes_file = dir.path() / "notes.csv";
        options.old_hosts = {OLD_HOST};
        options.skip_validations = true;
        options.retries.backoff_base = std::chrono::milliseconds{1};
        return options;
    }
    [[nodiscard]] importer::import_summary run_import() const { return importer::run_import(import_options()); }

    [[nodiscard]] importer::verify_summary run_verify() const
    {
        importer::verify_options options;
        set_access(options);
        return importer::run_verify(options);
    }

    /// Sets what import and verify share: the database, the new forum and its admin key, and
    /// no progress output.
    void set_access(importer::new_forum_access &access) const
    {
        access.database = db.conninfo();
        access.target = target.url();
        access.api_key = KEY;
        access.quiet = true;
    }

    forum_server old;
    forum_server target;
    test_database db;
    temp_dir dir;
};

std::string describe(importer::verify_summary const &summary)
{
    std::string out;
    for (std::size_t i = 0; i < summary.findings.size() && i < 10; ++i) {
        auto const &finding = summary.findings[i];
        out += "topic " + std::to_string(finding.old_topic_id) + " post " + std::to_string(finding.old_post_id) + ": " +
               finding.check + ": " + finding.detail + "\n";
    }
    return out;
}

std::string failures(importer::import_summary const &summary)
{
    std::string out;
    for (auto const &line : summary.failure_lines) {
        out += line + "\n";
    }
    return out;
}

/// Every post the new forum holds, by topic: a count of non-deleted regular posts.
std::size_t post_count(rehearsal::forum &forum)
{
    return forum.read([](rehearsal::forum_state const &state) {
        std::size_t count = 0;
        for (auto const &[id, post] : state.posts()) {
            count += !post.deleted_at && post.type != rehearsal::post_type::small_action ? 1 : 0;
        }
        return count;
    });
}

} // namespace

TEST(import, generated_forum_is_copied_verified_and_every_old_post_url_lands_on_the_same_post)
{
    import_world world;
    ASSERT_TRUE(world.fetch_old());

    auto const summary = world.run_import();
    EXPECT_EQ(summary.failures, 0U) << failures(summary);
    EXPECT_GT(summary.topics_created, 30U);
    EXPECT_GT(summary.posts_created, 150U);
    EXPECT_GT(summary.uploads_created, 0U);
    EXPECT_GT(summary.posts_skipped, 0U); // small actions, whispers, deleted posts
    EXPECT_GT(summary.posts_edited, 0U);  // links to later topics, quotes of the same topic

    auto const verified = world.run_verify();
    EXPECT_TRUE(verified.passed()) << describe(verified);
    EXPECT_EQ(verified.posts_checked, verified.posts_expected);

    // Through the map, as the redirector answers: /p/{old id} and /t/{slug}/{old topic}/{n}
    // reach the new post that has the old post's author-visible content and date.
    auto const map = store::database{world.db.conninfo()}.load_snapshot();
    pqxx::connection connection{world.db.conninfo()};
    pqxx::read_transaction txn{connection};
    auto const rows = txn.exec(
        "SELECT p.id, p.topic_id, t.slug, p.post_number, i.new_id, p.created_at FROM forumgate.archive_posts p "
        "JOIN forumgate.archive_topics t ON t.id = p.topic_id JOIN forumgate.import_posts i ON i.old_id = p.id");
    ASSERT_GT(rows.size(), 150U);
    world.target.forum().read([&](rehearsal::forum_state const &state) {
        for (auto const &row : rows) {
            auto const old_id = row[0].as<std::int64_t>();
            for (auto const &path : {"/p/" + std::to_string(old_id), "/t/" + row[2].as<std::string>() + "/" +
                                                                         std::to_string(row[1].as<std::int64_t>()) +
                                                                         "/" + std::to_string(row[3].as<int>())}) {
                auto const decision = mappings::resolve({OLD_HOST, path}, *map);
                EXPECT_EQ(decision.status, 301) << path;
                if (decision.status != 301) {
                    continue;
                }
                // …/t/{slug}/{new topic}/{new number}, or …/t/{slug}/{new topic} for post 1.
                auto const &location = decision.location;
                std::vector<std::string> segments;
                for (std::size_t at = location.find("/t/") + 3; at <= location.size();) {
                    auto const slash = location.find('/', at);
                    segments.push_back(
                        location.substr(at, slash == std::string::npos ? std::string::npos : slash - at));
                    at = slash == std::string::npos ? location.size() + 1 : slash + 1;
                }
                // Slugs are never all digits; a restricted topic's URL has none (no title leaks).
                bool const numbered = segments.size() >= 2 && forumgate::base::is_digits(segments[segments.size() - 2]);
                auto const new_topic = std::stoll(segments.at(numbered ? segments.size() - 2 : segments.size() - 1));
                auto const new_number = numbered ? std::stoi(segments.back()) : 1;
                auto const *post = state.find_post_by_number(new_topic, new_number);
                EXPECT_TRUE(post != nullptr && post->id == row[4].as<std::int64_t>()) << path << " -> " << location;
            }
        }
        return 0;
    });

    // A second run finds everything done and creates nothing.
    auto const again = world.run_import();
    EXPECT_EQ(again.topics_created + again.posts_created + again.users_created + again.uploads_created +
                  again.posts_edited,
              0U);
    EXPECT_EQ(again.failures, 0U) << failures(again);
}

TEST(import, a_topic_and_its_posts_reach_the_map_together_in_one_version)
{
    // Each map version makes every redirector apply a change. Written one post a transaction, an
    // import made a version a post (9,595 for 1,600 topics), and its workers waited on each
    // other for the one version row, whatever the concurrency. With the topic's row written
    // apart from its posts, it still made two versions a topic.
    import_world world;
    ASSERT_TRUE(world.fetch_old());
    auto const summary = world.run_import();
    ASSERT_EQ(summary.failures, 0U) << failures(summary);
    pqxx::connection connection{world.db.conninfo()};
    pqxx::read_transaction txn{connection};
    auto const topic_versions = txn.exec1("SELECT count(DISTINCT version) FROM forumgate.map_changes "
                                          "WHERE table_name IN ('topics', 'posts')")[0]
                                    .as<long>();
    auto const topics = txn.exec1("SELECT count(*) FROM forumgate.topics")[0].as<long>();
    auto const posts = txn.exec1("SELECT count(*) FROM forumgate.posts")[0].as<long>();
    EXPECT_GT(posts, 4 * topics);
    EXPECT_LE(topic_versions, topics) << posts << " posts of " << topics << " topics";
    // And the map still sends every old post where it went.
    auto const verified = world.run_verify();
    EXPECT_TRUE(verified.passed()) << describe(verified);
}

TEST(import, the_rewrite_pass_writes_to_the_store_only_for_posts_it_changed)
{
    // The pass that rewrites every copied post against the whole map wrote each post's row
    // again, changed or not: a transaction a post, thousands on a large forum, on every run.
    import_world world;
    ASSERT_TRUE(world.fetch_old());
    ASSERT_EQ(world.run_import().failures, 0U);
    pqxx::connection connection{world.db.conninfo()};
    auto const last_write = [&] {
        pqxx::read_transaction txn{connection};
        return txn.exec1("SELECT max(updated_at)::text FROM forumgate.import_posts")[0].as<std::string>();
    };
    auto const before = last_write();
    auto const again = world.run_import();
    EXPECT_EQ(again.failures, 0U) << failures(again);
    EXPECT_EQ(again.posts_edited, 0U);
    EXPECT_EQ(last_write(), before) << "a rerun that changed nothing rewrote import_posts";
}

TEST(import, a_post_whose_edit_failed_is_recorded_and_its_failure_cleared_on_the_next_run)
{
    import_world world;
    ASSERT_TRUE(world.fetch_old());
    ASSERT_EQ(world.run_import().failures, 0U);
    pqxx::connection connection{world.db.conninfo()};
    std::int64_t old_id = 0;
    std::string written;
    {
        pqxx::work txn{connection};
        auto const row =
            txn.exec1("SELECT old_id, updated_at::text FROM forumgate.import_posts ORDER BY old_id LIMIT 1");
        old_id = row[0].as<std::int64_t>();
        written = row[1].as<std::string>();
        txn.exec_params("INSERT INTO forumgate.import_failures (kind, key, reason) VALUES ('edit', $1, 'refused')",
                        std::to_string(old_id));
        txn.commit();
    }
    auto const again = world.run_import();
    EXPECT_EQ(again.failures, 0U) << failures(again);
    pqxx::read_transaction txn{connection};
    EXPECT_EQ(txn.exec1("SELECT count(*) FROM forumgate.import_failures")[0].as<int>(), 0);
    EXPECT_TRUE(txn.exec_params1("SELECT updated_at > $2::timestamptz FROM forumgate.import_posts WHERE old_id = $1",
                                 old_id, written)[0]
                    .as<bool>())
        << "the post's record was not written again";
}

TEST(import, posts_the_admin_made_for_their_authors_before_a_kill_are_found_on_rerun_and_stay_attributed)
{
    // A run killed after the admin posted a topic in a staff-only category (naming its author,
    // who may not post there), before the run recorded it: the rerun finds the topic and its
    // posts on the new forum, and records them as the admin's, naming the author.
    import_world world;
    ASSERT_TRUE(world.fetch_old());
    auto const first = world.run_import();
    ASSERT_EQ(first.failures, 0U) << failures(first);
    auto const posts_before = post_count(world.target.forum());
    std::size_t forgotten = 0;
    {
        pqxx::connection connection{world.db.conninfo()};
        pqxx::work txn{connection};
        auto const topic = txn.exec(
            "SELECT i.old_topic_id FROM forumgate.import_posts i JOIN forumgate.archive_posts p ON p.id = i.old_id "
            "JOIN forumgate.import_users u ON u.username_lower = lower(p.username) "
            "WHERE i.attributed AND p.post_number = 1 AND lower(u.new_username) <> 'system' "
            "ORDER BY i.old_topic_id LIMIT 1");
        ASSERT_EQ(topic.size(), 1U) << "the generated forum has no topic the admin posted for its author";
        forgotten = txn.exec_params("DELETE FROM forumgate.import_posts WHERE old_topic_id = $1",
                                    topic[0][0].as<std::int64_t>())
                        .affected_rows();
        txn.commit();
    }
    auto const again = world.run_import();
    EXPECT_EQ(again.failures, 0U) << failures(again);
    EXPECT_EQ(again.posts_created, 0U);
    EXPECT_EQ(again.posts_reconciled, forgotten);
    EXPECT_EQ(post_count(world.target.forum()), posts_before);
    auto const verified = world.run_verify();
    EXPECT_TRUE(verified.passed()) << describe(verified);
}

TEST(import, a_topic_created_by_a_run_that_stopped_before_recording_it_keeps_the_new_forums_slug)
{
    // A topic's map row is written when the topic is done. A run stopped before that leaves a
    // topic on the new forum that the next run finds by its external id: its slug there comes
    // from that lookup, not from the old forum's (they differ for a topic renamed before the
    // move; the row had the old one).
    import_world world;
    ASSERT_TRUE(world.fetch_old());
    auto const first = world.run_import();
    ASSERT_EQ(first.failures, 0U) << failures(first);
    std::int64_t old_id = 0;
    std::int64_t new_id = 0;
    std::string new_slug;
    {
        pqxx::connection connection{world.db.conninfo()};
        pqxx::work txn{connection};
        auto const topic = txn.exec1("SELECT old_id, new_id, new_slug FROM forumgate.topics WHERE new_id IS NOT NULL "
                                     "ORDER BY old_id LIMIT 1");
        old_id = topic[0].as<std::int64_t>();
        new_id = topic[1].as<std::int64_t>();
        new_slug = topic[2].as<std::string>();
        // As if the run had stopped before the topic's end: nothing recorded of it.
        txn.exec_params("DELETE FROM forumgate.import_posts WHERE old_topic_id = $1", old_id);
        txn.exec_params("DELETE FROM forumgate.posts WHERE old_topic_id = $1", old_id);
        txn.exec_params("DELETE FROM forumgate.topics WHERE old_id = $1", old_id);
        txn.exec_params("UPDATE forumgate.archive_topics SET slug = 'renamed-before-the-move' WHERE id = $1", old_id);
        txn.commit();
    }
    auto const again = world.run_import();
    EXPECT_EQ(again.failures, 0U) << failures(again);
    EXPECT_EQ(again.posts_created, 0U);
    pqxx::connection connection{world.db.conninfo()};
    pqxx::read_transaction txn{connection};
    auto const row =
        txn.exec_params1("SELECT new_id, new_slug, old_slug FROM forumgate.topics WHERE old_id = $1", old_id);
    EXPECT_EQ(row[0].as<std::int64_t>(), new_id);
    EXPECT_EQ(row[1].as<std::string>(), new_slug);
    EXPECT_EQ(row[2].as<std::string>(), "renamed-before-the-move");
}

TEST(import, refuses_to_start_while_the_new_forum_would_mail_members)
{
    import_world world{{.topic_count = 5, .seed = 2}, false};
    ASSERT_TRUE(world.fetch_old());
    try {
        (void)world.run_import();
        ADD_FAILURE() << "no error";
    } catch (argument_error const &e) {
        EXPECT_NE(std::string{e.what()}.find("disable_emails is \"no\""), std::string::npos) << e.what();
        EXPECT_NE(std::string{e.what()}.find("--allow-notifications"), std::string::npos) << e.what();
    }
    EXPECT_EQ(post_count(world.target.forum()), 0U);
}

TEST(import, dry_run_lists_what_the_settings_would_refuse_and_validation_failures_carry_discourses_words)
{
    import_world world;
    ASSERT_TRUE(world.fetch_old());
    auto options = world.import_options();
    options.skip_validations = false;
    options.dry_run = true;
    auto const dry = importer::run_import(options);
    bool titles = false;
    bool rate_limits = false; // once: crawled at 0.2 posts/s with no word on why
    for (auto const &finding : dry.findings) {
        titles = titles || finding.what.find("titles shorter than 15 characters") != std::string::npos;
        rate_limits = rate_limits || (finding.what.find("per-user rate limits (a topic every ") != std::string::npos &&
                                      finding.what.find("make the run take at least about ") != std::string::npos &&
                                      finding.remedy.starts_with("--skip-validations"));
    }
    EXPECT_TRUE(titles);
    EXPECT_TRUE(rate_limits);
    EXPECT_EQ(post_count(world.target.forum()), 0U); // a dry run creates nothing

    // Run for real with only the per-user rate limits relaxed (they would make the test wait
    // for minutes): the short titles fail with Discourse's message.
    world.target.forum().write([](rehearsal::forum_state &state) {
        for (auto const *setting : {"rate_limit_create_topic", "rate_limit_create_post",
                                    "rate_limit_new_user_create_topic", "rate_limit_new_user_create_post"}) {
            rehearsal::set_setting(state.settings(), setting, "0");
        }
        for (auto const *setting : {"max_topics_per_day", "max_topics_in_first_day", "max_replies_in_first_day",
                                    "max_personal_messages_per_day"}) {
            rehearsal::set_setting(state.settings(), setting, "10000");
        }
        return 0;
    });
    options.dry_run = false;
    auto const summary = importer::run_import(options);
    EXPECT_GT(summary.failures, 0U);
    EXPECT_NE(failures(summary).find("Title is too short (minimum is 15 characters)"), std::string::npos)
        << failures(summary);
    // Relax the setting as an admin would, and the next run imports what failed.
    world.target.forum().write([](rehearsal::forum_state &state) {
        for (auto const *setting :
             {"min_topic_title_length=2", "allow_duplicate_topic_titles=true", "min_post_length=1",
              "min_first_post_length=1", "unique_posts_mins=0", "min_personal_message_post_length=1",
              "rate_limit_create_topic=0", "rate_limit_create_post=0", "rate_limit_new_user_create_topic=0",
              "rate_limit_new_user_create_post=0", "max_topics_per_day=10000", "max_topics_in_first_day=10000",
              "max_replies_in_first_day=10000", "max_consecutive_replies=0", "max_personal_messages_per_day=10000"}) {
            std::string_view const text{setting};
            auto const eq = text.find('=');
            rehearsal::set_setting(state.settings(), text.substr(0, eq), text.substr(eq + 1));
        }
        return 0;
    });
    clock_ahead_seconds += 180; // Discourse answers the same request within 120 s from its memo
    auto const second = importer::run_import(options);
    EXPECT_EQ(second.failures, 0U) << failures(second);
    auto const verified = world.run_verify();
    EXPECT_TRUE(verified.passed()) << describe(verified);
}

/// Two rehearsal forums run by the forumgate executable, the old one generated with `topics`
/// and fetched into a fresh store through `forumgate fetch`, and the arguments of the import
/// command into the new one.
struct command_world
{
    explicit command_world(std::string const &topics, std::string const &seed,
                           std::vector<std::string> fetch_extra = {})
        : key_file{dir.write("admin.key", std::string{KEY} + "\n")},
          old{start_rehearsal_forum(FORUMGATE_BINARY, key_file, {"--generate", topics, "--generate-seed", seed})},
          target{start_rehearsal_forum(FORUMGATE_BINARY, key_file, {"--setting", "disable_emails=yes"})},
          destination{"http://localhost:" + std::to_string(target->ports().front())}
    {
        std::vector<std::string> args{"fetch",
                                      "--db",
                                      db.conninfo(),
                                      "--source",
                                      "http://127.0.0.1:" + std::to_string(old->ports().front()),
                                      "--api-key-file",
                                      key_file.string(),
                                      "--uploads-dir",
                                      uploads(),
                                      "--no-progress"};
        args.insert(args.end(), fetch_extra.begin(), fetch_extra.end());
        fetched = run_process(FORUMGATE_BINARY, args, {}, {}, 300);
    }

    [[nodiscard]] std::string uploads() const { return (dir.path() / "uploads").string(); }

    /// `forumgate import` into the new forum, its notes into the test's folder, and `extra`.
    [[nodiscard]] std::vector<std::string> import_args(std::vector<std::string> const &extra = {}) const
    {
        std::vector<std::string> args{"import",          "--db",          db.conninfo(),
                                      "--target",        destination,     "--api-key-file",
                                      key_file.string(), "--uploads-dir", uploads(),
                                      "--old-host",      OLD_HOST,        "--skip-validations",
                                      "--no-progress",   "--notes-file",  notes_file().string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }
    [[nodiscard]] std::filesystem::path notes_file() const { return dir.path() / "notes.csv"; }

    temp_dir dir;
    std::filesystem::path key_file;
    std::unique_ptr<server_process> old;
    std::unique_ptr<server_process> target;
    std::string destination;
    test_database db;
    process_result fetched;
};

TEST(import_command, killed_at_random_points_and_rerun_leaves_exactly_one_copy_of_every_post)
{
    command_world world{"40", "7", {"--include-private-messages"}};
    ASSERT_EQ(world.fetched.exit_code, 0) << world.fetched.err;
    auto const args = world.import_args({"--rate", "60"});
    EXPECT_GE(forumgate::testing::kill_at_random_points(FORUMGATE_BINARY, args, 5, std::chrono::milliseconds{200},
                                                        std::chrono::milliseconds{1500}),
              3);
    auto const finished = run_process(FORUMGATE_BINARY, args, {}, {}, 300);
    ASSERT_EQ(finished.exit_code, 0) << finished.out << finished.err;
    auto const verified =
        run_process(FORUMGATE_BINARY, {"verify", "--db", world.db.conninfo(), "--target", world.destination,
                                       "--api-key-file", world.key_file.string(), "--no-progress", "--report",
                                       (world.dir.path() / "verify.json").string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    EXPECT_NE(verified.out.find("PASSED"), std::string::npos) << verified.out;
    // verify passing means no post is missing and none is there twice (two posts by one author
    // at one instant in a topic would be a duplicate); and every copy is in the map.
    EXPECT_EQ(verified.out.find("duplicate"), std::string::npos) << verified.out;
    pqxx::connection connection{world.db.conninfo()};
    pqxx::read_transaction txn{connection};
    EXPECT_GT(txn.exec1("SELECT count(*) FROM forumgate.import_posts")[0].as<std::size_t>(), 150U);
    EXPECT_EQ(txn.exec1("SELECT count(*) FROM forumgate.import_failures")[0].as<std::size_t>(), 0U);
}

/// The counts of what the new forum holds: categories, users, topics.
std::array<std::size_t, 3> new_forum_counts(import_world &world)
{
    std::array<std::size_t, 3> counts{};
    world.target.forum().read([&counts](rehearsal::forum_state const &state) {
        counts = {state.categories().size(), state.users().size(), state.topics().size()};
    });
    return counts;
}

TEST(import, an_old_host_that_is_the_new_forums_host_is_refused_by_the_dry_run_and_before_anything_is_created)
{
    // Both forums on 127.0.0.1: the archive's host is also the new base's, so every redirect
    // would loop. The dry run must say so, and the real run must stop before it creates anything.
    import_world world{{.topic_count = 5, .seed = 3}, true, "127.0.0.1"};
    ASSERT_TRUE(world.fetch_old());
    auto const before = new_forum_counts(world);
    auto options = world.import_options();
    options.dry_run = true;
    std::string const dry = message_of<argument_error>([&] { (void)importer::run_import(options); });
    EXPECT_NE(dry.find("old host '127.0.0.1' is also the new base's host"), std::string::npos) << dry;
    options.dry_run = false;
    std::string const real = message_of<argument_error>([&] { (void)importer::run_import(options); });
    EXPECT_EQ(real, dry);
    EXPECT_EQ(new_forum_counts(world), before);
    pqxx::connection c{world.db.conninfo()};
    pqxx::read_transaction txn{c};
    EXPECT_EQ(txn.exec("SELECT 1 FROM forumgate.settings").size(), 0U) << "a refused run wrote the map's settings";
    EXPECT_EQ(txn.exec("SELECT 1 FROM forumgate.import_target").size(), 0U) << "a refused run bound the store";
}

TEST(import, a_first_run_that_created_nothing_does_not_tie_the_store_to_its_target)
{
    // A typo in the port: the run fails before it creates anything. The next run, with the
    // right address, must go ahead instead of refusing "this store was imported into …".
    import_world world{{.topic_count = 5, .seed = 4}};
    ASSERT_TRUE(world.fetch_old());
    auto wrong = world.import_options();
    wrong.target = "http://localhost:1";
    wrong.retries.max_attempts = 1;
    EXPECT_THROW((void)importer::run_import(wrong), std::exception);
    auto const summary = world.run_import();
    EXPECT_EQ(summary.failures, 0U);
    EXPECT_TRUE(world.run_verify().passed());
}

TEST(import, retarget_follows_a_new_forum_that_moved_and_refuses_while_the_old_address_still_serves_it)
{
    import_world world{{.topic_count = 8, .seed = 5}};
    ASSERT_TRUE(world.fetch_old());
    ASSERT_EQ(world.run_import().failures, 0U);

    // The new forum moves: the same content answers at another address (127.0.0.2).
    rehearsal::forum_state moved_state = new_forum_state();
    world.target.forum().read([&moved_state](rehearsal::forum_state const &state) { moved_state = state; });
    forum_server moved{std::move(moved_state), "127.0.0.2"};
    auto options = world.import_options();
    options.target = moved.url();

    // Without --retarget the store says what it is tied to and how to move on.
    std::string const tied = message_of<argument_error>([&] { (void)importer::run_import(options); });
    EXPECT_NE(tied.find("run again with --retarget"), std::string::npos) << tied;

    // The old address still serves the imported topics: refused unless forced.
    options.retarget = true;
    std::string const both = message_of<argument_error>([&] { (void)importer::run_import(options); });
    EXPECT_NE(both.find("still serves the imported topics"), std::string::npos) << both;

    // A forum that is not ours is refused even when forced.
    forum_server stranger{new_forum_state(), "127.0.0.3"};
    auto wrong = options;
    wrong.target = stranger.url();
    wrong.force = true;
    std::string const other = message_of<argument_error>([&] { (void)importer::run_import(wrong); });
    EXPECT_NE(other.find("does not hold the topics this store imported"), std::string::npos) << other;

    // Forced: the store and the map follow the move, and the rerun creates nothing twice.
    options.force = true;
    auto const summary = importer::run_import(options);
    EXPECT_EQ(summary.failures, 0U);
    EXPECT_EQ(summary.posts_created, 0U);
    pqxx::connection c{world.db.conninfo()};
    pqxx::read_transaction txn{c};
    EXPECT_EQ(txn.exec1("SELECT new_base FROM forumgate.settings")[0].as<std::string>(), moved.url());
    EXPECT_EQ(txn.exec1("SELECT target FROM forumgate.import_target")[0].as<std::string>(), moved.url());
    importer::verify_options check;
    world.set_access(check);
    check.target = moved.url();
    EXPECT_TRUE(importer::run_verify(check).passed());
}

TEST(import_command, an_interrupted_run_says_how_to_go_on_and_the_rerun_resumes_with_a_one_screen_summary)
{
    // Once: Ctrl-C exited 130 in silence, a rerun never said it resumed and summed up only its own
    // work, and the summary printed one line per note (1,000+ on 3,000 topics).
    command_world world{"300", "5"};
    ASSERT_EQ(world.fetched.exit_code, 0) << world.fetched.err;
    auto const args = world.import_args();
    auto const notes_file = world.notes_file();
    {
        server_process interrupted{FORUMGATE_BINARY, args};
        ASSERT_TRUE(interrupted.wait_for_log("import: users ", std::chrono::seconds{120})) << interrupted.log();
        interrupted.signal(SIGINT);
        EXPECT_EQ(interrupted.wait_exit(std::chrono::seconds{10}), 128 + SIGINT);
        EXPECT_NE(interrupted.log().find("forumgate import: interrupted; run the same command to continue"),
                  std::string::npos)
            << interrupted.log();
    }
    auto const finished = run_process(FORUMGATE_BINARY, args, {}, {}, 300);
    ASSERT_EQ(finished.exit_code, 0) << finished.out << finished.err;
    // Interrupted as the topics began: the rerun continues with them.
    EXPECT_NE(finished.err.find("import: resuming: "), std::string::npos) << finished.err;
    EXPECT_EQ(finished.out.find("created 0 categories, 0 users, 0 uploads, 0 topics"), std::string::npos)
        << finished.out;
    // The whole forum, not only this run's share; on one screen.
    EXPECT_LE(std::ranges::count(finished.out, '\n'), 24) << finished.out;
    pqxx::connection connection{world.db.conninfo()};
    pqxx::read_transaction txn{connection};
    auto const topics = txn.exec1("SELECT count(*) FROM forumgate.archive_topics")[0].as<std::size_t>();
    auto const placed =
        txn.exec1("SELECT count(*) FROM forumgate.topics WHERE new_id IS NOT NULL")[0].as<std::size_t>();
    auto const not_copied =
        txn.exec1("SELECT count(*) FROM forumgate.topics WHERE new_id IS NULL")[0].as<std::size_t>();
    EXPECT_EQ(placed + not_copied, topics);
    EXPECT_NE(finished.out.find("  topics      " + std::to_string(placed) + " of " + std::to_string(topics)),
              std::string::npos)
        << finished.out;
    // Every note is in the notes file, one row each, below its header.
    auto const notes = txn.exec1("SELECT count(*) FROM forumgate.import_posts, unnest(problems)")[0].as<std::size_t>();
    EXPECT_GT(notes, 0U);
    EXPECT_EQ(std::ranges::count(read_file(notes_file), '\n'), notes + 1);
    EXPECT_NE(finished.out.find("posted by the importing admin, the author named at the top"), std::string::npos)
        << finished.out;
}

TEST(verify, an_empty_store_is_a_failure_and_a_refused_key_stops_at_the_first_refusal)
{
    import_world world{{.topic_count = 12, .seed = 6}};
    // Nothing imported: nothing verified is not a pass.
    std::string const empty = message_of<argument_error>([&] { (void)world.run_verify(); });
    EXPECT_NE(empty.find("nothing to verify"), std::string::npos) << empty;

    // An import that created no topic (a forum of categories and users only): still nothing.
    import_world bare{{.topic_count = 2, .seed = 6}};
    ASSERT_TRUE(bare.fetch_old());
    {
        pqxx::connection c{bare.db.conninfo()};
        pqxx::work txn{c};
        txn.exec("DELETE FROM forumgate.archive_posts");
        txn.exec("DELETE FROM forumgate.archive_topics");
        txn.commit();
    }
    ASSERT_EQ(bare.run_import().failures, 0U);
    std::string const none = message_of<argument_error>([&] { (void)bare.run_verify(); });
    EXPECT_NE(none.find("nothing to verify"), std::string::npos) << none;

    ASSERT_TRUE(world.fetch_old());
    ASSERT_EQ(world.run_import().failures, 0U);
    importer::verify_options options;
    world.set_access(options);
    options.api_key = "not-the-key";
    options.concurrency = 2;
    auto const before = world.target.requests();
    std::string const refused = message_of<web::fetch_error>([&] { (void)importer::run_verify(options); });
    EXPECT_NE(refused.find("check --api-key-file"), std::string::npos) << refused;
    // Stopped at the first refusal: at most one request a worker, not one a topic.
    EXPECT_LE(world.target.requests() - before, 2U);
}
