// End-to-end tests of forumgate fetch: a generated forum served by the rehearsal forum over a
// real loopback socket, archived into a real PostgreSQL database, then compared with the forum
// itself, anonymously and with an admin key; incremental reruns; injected faults; bad answers.

#include "importer/fetch.hpp"

#include "base/error.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/generator.hpp"
#include "rehearsal/http_server.hpp"
#include "store/store.hpp"
#include "tests/support/error_message.hpp"
#include "tests/support/loopback_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <atomic>
#include <csignal>
#include <fstream>
#include <set>
#include <thread>

using namespace forumgate;
using namespace forumgate::testing;

namespace {

namespace net = boost::asio;

constexpr char const *ADMIN_KEY = "fetch-test-admin-key";

/// Represents the old forum: a generated forum behind the rehearsal API on a loopback port.
/// `wrap` may alter answers (bad-input tests).
class old_forum
{
public:
    using wrapper = std::function<rehearsal::api_response(rehearsal::api_request const &, rehearsal::api_response)>;

    explicit old_forum(std::size_t topics, rehearsal::fault_plan faults = {}, wrapper wrap = {})
        : m_forum{rehearsal::generate_forum({.topic_count = topics, .seed = 11})}, m_api{m_forum, ADMIN_KEY},
          m_wrap{std::move(wrap)}, m_server{[this](rehearsal::api_request const &request) {
                                                auto answer = m_api.handle(request);
                                                return m_wrap ? m_wrap(request, std::move(answer)) : answer;
                                            },
                                            faults, 2}
    {}

    [[nodiscard]] std::string url() const { return m_server.url(); }
    rehearsal::forum &forum() { return m_forum; }
    void set_wrapper(wrapper wrap) { m_wrap = std::move(wrap); }

private:
    rehearsal::forum m_forum;
    rehearsal::api m_api;
    wrapper m_wrap;
    forumgate::testing::loopback_server m_server;
};

importer::fetch_options options_for(old_forum const &source, test_database const &db, temp_dir const &dir)
{
    importer::fetch_options options;
    options.source = source.url();
    options.database = db.conninfo();
    options.uploads_dir = dir.path() / "uploads";
    options.quiet = true;
    options.concurrency = 4;
    options.timeout = std::chrono::milliseconds{2000};
    options.retries.backoff_base = std::chrono::milliseconds{1};
    options.retries.backoff_cap = std::chrono::milliseconds{20};
    options.retries.max_attempts = 40;
    return options;
}

importer::fetch_options admin_options_for(old_forum const &source, test_database const &db, temp_dir const &dir)
{
    auto options = options_for(source, db, dir);
    options.api_key = ADMIN_KEY;
    options.include_private_messages = true;
    return options;
}

/// One fetch's world: an old forum of `topics` topics, an empty archive database and a folder
/// for the uploads.
struct fetch_world
{
    explicit fetch_world(std::size_t topics) : source{topics} {}

    [[nodiscard]] importer::fetch_options options() const { return options_for(source, db, dir); }
    [[nodiscard]] std::filesystem::path uploads_dir() const { return dir.path() / "uploads"; }

    old_forum source;
    test_database db;
    temp_dir dir;
};

/// Runs a fetch and expects it to end with no failures. \return its summary.
importer::fetch_summary fetch_without_failures(importer::fetch_options const &options)
{
    auto summary = importer::run_fetch(options);
    EXPECT_TRUE(summary.archive.failures.empty()) << summary.archive.failures.front().reason;
    return summary;
}

/// The archive as one text, every column but the fetch times, rows in key order: equal texts
/// are equal archives.
std::string archive_dump(test_database const &db)
{
    pqxx::connection connection{db.conninfo()};
    pqxx::read_transaction txn{connection};
    std::string out;
    for (auto const *query :
         {"SELECT id, parent_id, name, slug, read_restricted FROM forumgate.archive_categories ORDER BY id",
          "SELECT name FROM forumgate.archive_tags ORDER BY name",
          "SELECT id, title, slug, category_id, user_id, archetype, created_at, visible, closed, archived, pinned, "
          "deleted_at, "
          "tags, highest_post_number, participants FROM forumgate.archive_topics ORDER BY id",
          "SELECT id, topic_id, post_number, user_id, username, post_type, action_code, raw, cooked, created_at, "
          "updated_at, "
          "reply_to_post_number, version, deleted_at, mentions, upload_refs FROM forumgate.archive_posts ORDER BY id",
          "SELECT username_lower, id, username, name, email, missing FROM forumgate.archive_users ORDER BY "
          "username_lower",
          "SELECT sha1, extension, short_url, filesize FROM forumgate.archive_uploads ORDER BY sha1",
          "SELECT kind, key FROM forumgate.archive_failures ORDER BY kind, key"}) {
        for (auto const &row : txn.exec(query)) {
            for (auto const &field : row) {
                out += field.is_null() ? std::string{"\\N"} : field.as<std::string>();
                out += '\t';
            }
            out += '\n';
        }
        out += "--\n";
    }
    return out;
}

/// Checks the archive against the forum as `who` sees it: every topic and post they may see is
/// there with the same fields, nothing else is; every upload they may see is on disk.
void expect_archive_matches(rehearsal::forum &forum, rehearsal::viewer const &who, bool include_deleted,
                            test_database const &db, std::filesystem::path const &uploads_dir)
{
    pqxx::connection connection{db.conninfo()};
    pqxx::read_transaction txn{connection};
    std::map<std::int64_t, pqxx::row> topics;
    for (auto const &row : txn.exec("SELECT id, title, slug, archetype, category_id FROM forumgate.archive_topics")) {
        topics.emplace(row[0].as<std::int64_t>(), row);
    }
    std::map<std::int64_t, pqxx::row> posts;
    for (auto const &row : txn.exec("SELECT id, topic_id, post_number, username, post_type, raw, "
                                    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
                                    "deleted_at IS NOT NULL FROM forumgate.archive_posts")) {
        posts.emplace(row[0].as<std::int64_t>(), row);
    }
    std::set<std::string> upload_files;
    for (auto const &row : txn.exec("SELECT sha1, extension FROM forumgate.archive_uploads")) {
        upload_files.insert(row[0].as<std::string>());
    }
    forum.read([&](rehearsal::forum_state const &state) {
        std::size_t expected_topics = 0;
        std::size_t expected_posts = 0;
        std::set<std::string> expected_uploads;
        for (auto const &[id, topic] : state.topics()) {
            if (!state.can_see_topic(who, topic)) {
                EXPECT_FALSE(topics.contains(id)) << "topic " << id << " is archived but hidden from this viewer";
                continue;
            }
            ++expected_topics;
            auto const found = topics.find(id);
            if (found == topics.end()) {
                ADD_FAILURE() << "topic " << id << " (" << topic.title << ") is missing from the archive";
                continue;
            }
            EXPECT_EQ(found->second[1].as<std::string>(), topic.title);
            EXPECT_EQ(found->second[2].as<std::string>(), topic.slug.empty() ? "topic" : topic.slug);
            for (auto const post_id : state.post_stream(who, id, include_deleted)) {
                auto const &post = state.posts().at(post_id);
                ++expected_posts;
                auto const row = posts.find(post_id);
                if (row == posts.end()) {
                    ADD_FAILURE() << "post " << post_id << " of topic " << id << " is missing";
                    continue;
                }
                EXPECT_EQ(row->second[1].as<std::int64_t>(), id);
                EXPECT_EQ(row->second[2].as<int>(), post.post_number);
                EXPECT_EQ(row->second[3].as<std::string>(), state.find_user(post.user_id)->username)
                    << "post " << post_id;
                EXPECT_EQ(row->second[4].as<int>(), static_cast<int>(post.type)) << "post " << post_id;
                EXPECT_EQ(row->second[5].as<std::string>(), post.raw) << "post " << post_id;
                EXPECT_EQ(row->second[6].as<std::string>(), forumgate::base::format_time(post.created_at))
                    << "post " << post_id;
                EXPECT_EQ(row->second[7].as<bool>(), post.deleted_at.has_value()) << "post " << post_id;
                for (auto const &[upload_id, upload] : state.uploads()) {
                    if (post.raw.find(upload.short_url()) != std::string::npos) {
                        expected_uploads.insert(upload.sha1);
                        auto const file =
                            uploads_dir / upload.sha1.substr(0, 2) / (upload.sha1 + "." + upload.extension);
                        EXPECT_EQ(forumgate::testing::read_file(file), upload.bytes) << file;
                    }
                }
            }
        }
        EXPECT_EQ(topics.size(), expected_topics);
        EXPECT_EQ(posts.size(), expected_posts);
        EXPECT_EQ(upload_files, expected_uploads);
        EXPECT_GT(expected_posts, expected_topics);
        EXPECT_FALSE(expected_uploads.empty());
        return 0;
    });
}

/// \return the rows of `table_where` ("archive_posts WHERE …", in schema forumgate) in `db`.
int archive_count(test_database const &db, std::string const &table_where)
{
    pqxx::connection connection{db.conninfo()};
    pqxx::read_transaction txn{connection};
    return txn.exec1("SELECT count(*) FROM forumgate." + table_where)[0].as<int>();
}

} // namespace

TEST(fetch, anonymous_archive_equals_what_anonymous_visitors_see)
{
    fetch_world world{40};
    auto const summary = fetch_without_failures(world.options());
    expect_archive_matches(world.source.forum(), rehearsal::viewer::anonymous(), false, world.db, world.uploads_dir());
    EXPECT_EQ(summary.archive.private_messages, 0);
    EXPECT_GT(summary.archive.users, 5);
    EXPECT_GT(summary.topics_absent, 0U); // deleted topics, private messages, restricted ids met by the sweep
    // No restricted category either.
    EXPECT_EQ(archive_count(world.db, "archive_categories WHERE read_restricted"), 0);
    EXPECT_EQ(archive_count(world.db, "archive_users WHERE email IS NOT NULL"), 0);
}

TEST(fetch, admin_archive_has_restricted_topics_private_messages_whispers_and_deleted_posts)
{
    fetch_world world{40};
    auto const summary = fetch_without_failures(admin_options_for(world.source, world.db, world.dir));
    auto const admin = world.source.forum().read([](rehearsal::forum_state const &state) {
        return rehearsal::viewer::of(*state.find_user(rehearsal::SYSTEM_USER_ID));
    });
    expect_archive_matches(world.source.forum(), admin, true, world.db, world.uploads_dir());
    EXPECT_GT(summary.archive.private_messages, 0);
    EXPECT_GT(archive_count(world.db, "archive_categories WHERE read_restricted"), 0);
    EXPECT_GT(archive_count(world.db, "archive_posts WHERE post_type = 4"), 0); // whispers
    EXPECT_GT(archive_count(world.db, "archive_posts WHERE deleted_at IS NOT NULL"), 0);
    EXPECT_GT(archive_count(world.db, "archive_users WHERE email IS NOT NULL"), 5);
}

TEST(fetch, a_rerun_fetches_only_what_changed)
{
    fetch_world world{30};
    auto &[source, db, dir] = world;
    auto const options = world.options();
    auto const first = importer::run_fetch(options);
    ASSERT_TRUE(first.archive.failures.empty());
    auto const before = archive_dump(db);

    auto const second = importer::run_fetch(options);
    EXPECT_EQ(second.topics_fetched, 0U);
    EXPECT_EQ(second.topics_unchanged, first.topics_fetched);
    EXPECT_EQ(archive_dump(db), before);

    // A reply in one topic: only that topic is fetched again, and the reply is archived.
    auto const [topic_id, reply_id] = source.forum().write([](rehearsal::forum_state &state) {
        for (auto const &[id, topic] : state.topics()) {
            if (topic.kind == rehearsal::archetype::regular && !topic.deleted_at && topic.category_id &&
                !state.find_category(*topic.category_id)->read_restricted && !topic.closed) {
                auto const &post = state.create_post({.user_id = topic.user_id,
                                                      .topic_id = id,
                                                      .raw = "A late reply, written after the first fetch.",
                                                      .skip_validations = true});
                return std::pair{id, post.id};
            }
        }
        return std::pair<std::int64_t, std::int64_t>{0, 0};
    });
    ASSERT_NE(topic_id, 0);
    auto const third = importer::run_fetch(options);
    EXPECT_EQ(third.topics_fetched, 1U);
    pqxx::connection connection{db.conninfo()};
    pqxx::read_transaction txn{connection};
    EXPECT_EQ(txn.exec_params1("SELECT raw FROM forumgate.archive_posts WHERE id = $1 AND topic_id = $2", reply_id,
                               topic_id)[0]
                  .as<std::string>(),
              "A late reply, written after the first fetch.");
}

TEST(fetch, faults_do_not_change_the_archive)
{
    test_database clean_db;
    test_database faulty_db;
    temp_dir clean_dir;
    temp_dir faulty_dir;
    {
        old_forum source{25};
        ASSERT_TRUE(importer::run_fetch(options_for(source, clean_db, clean_dir)).archive.failures.empty());
    }
    old_forum source{25,
                     {.error_share = 0.15,
                      .timeout_share = 0.03,
                      .drop_share = 0.1,
                      .hang = std::chrono::milliseconds{1500},
                      .seed = 5}};
    // 429s too: every 25th request is refused with Retry-After: 1.
    std::atomic<int> counter{0};
    source.set_wrapper([&](rehearsal::api_request const &, rehearsal::api_response answer) {
        if (++counter % 25 == 0) {
            return rehearsal::api_response{
                429,
                "application/json; charset=utf-8",
                R"({"errors":["You’ve performed this action too many times. Please wait 1 seconds before trying again."],"error_type":"rate_limit","extras":{"wait_seconds":1,"time_left":"1 second"}})",
                {{"Retry-After", "1"}, {"Discourse-Rate-Limit-Error-Code", "admin_api_key_rate_limit"}}};
        }
        return answer;
    });
    auto options = options_for(source, faulty_db, faulty_dir);
    options.timeout = std::chrono::milliseconds{500};
    options.retries.max_attempts = 60;
    // The archive identity names the source URL; both forums are the same forum on other ports.
    auto const summary = fetch_without_failures(options);
    EXPECT_GT(summary.retries, 10U);
    EXPECT_EQ(archive_dump(faulty_db), archive_dump(clean_db));
}

TEST(fetch, bad_answers_are_recorded_with_url_and_reason_and_retried_next_run)
{
    fetch_world world{30};
    auto &[source, db, dir] = world;
    // Pick victims: a topic answered with broken JSON, one without its post stream, one whose
    // posts carry invalid UTF-8, one that disappears after being listed, an upload with the wrong
    // bytes, and an author the forum no longer knows.
    auto const victims = source.forum().read([](rehearsal::forum_state const &state) {
        std::vector<std::int64_t> ids;
        for (auto const &[id, topic] : state.topics()) {
            if (topic.kind == rehearsal::archetype::regular && !topic.deleted_at && topic.visible &&
                topic.category_id && !state.find_category(*topic.category_id)->read_restricted && ids.size() < 4) {
                ids.push_back(id);
            }
        }
        return ids;
    });
    ASSERT_EQ(victims.size(), 4U);
    std::string const broken = "/t/" + std::to_string(victims[0]) + ".json";
    std::string const no_stream = "/t/" + std::to_string(victims[1]) + ".json";
    std::string const bad_utf8 = "/t/" + std::to_string(victims[2]) + "/posts.json";
    std::string const vanished = "/t/" + std::to_string(victims[3]) + ".json";
    std::atomic<bool> faulty{true};
    std::string bad_upload_path;
    source.set_wrapper([&](rehearsal::api_request const &request, rehearsal::api_response answer) {
        if (!faulty) {
            return answer;
        }
        if (request.path == broken) {
            answer.body = answer.body.substr(0, answer.body.size() / 2);
        } else if (request.path == no_stream) {
            auto json = nlohmann::json::parse(answer.body);
            json.erase("post_stream");
            answer.body = json.dump();
        } else if (request.path == bad_utf8) {
            auto const at = answer.body.find("\"raw\":\"");
            if (at != std::string::npos) {
                answer.body.insert(at + 7, "\xC3\x28");
            }
        } else if (request.path == vanished) {
            return rehearsal::api_response{
                404,
                "application/json; charset=utf-8",
                R"({"errors":["The requested URL or resource could not be found."],"error_type":"not_found"})",
                {}};
        } else if (request.path.starts_with("/uploads/default/original/") &&
                   (bad_upload_path.empty() || bad_upload_path == request.path)) {
            bad_upload_path = request.path;
            answer.body += "tampered";
        }
        return answer;
    });
    auto const options = options_for(source, db, dir);
    auto const first = importer::run_fetch(options);
    std::map<std::string, std::string> reasons;
    for (auto const &failure : first.archive.failures) {
        reasons[failure.kind + " " + failure.key] = failure.reason;
    }
    auto const reason = [&](std::string const &key) {
        return reasons.contains(key) ? reasons.at(key) : std::string{"(none)"};
    };
    EXPECT_NE(reason("topic " + std::to_string(victims[0])).find(source.url() + broken + ": not JSON"),
              std::string::npos)
        << reason("topic " + std::to_string(victims[0]));
    EXPECT_NE(reason("topic " + std::to_string(victims[1])).find("has no field 'post_stream'"), std::string::npos)
        << reason("topic " + std::to_string(victims[1]));
    EXPECT_NE(reason("topic " + std::to_string(victims[2])).find("not JSON"), std::string::npos)
        << reason("topic " + std::to_string(victims[2]));
    EXPECT_FALSE(reasons.contains("topic " + std::to_string(victims[3]))); // gone: absent, not failed
    bool checksum_reported = false;
    for (auto const &[key, text] : reasons) {
        if (key.starts_with("upload ") && text.find("checksum mismatch") != std::string::npos &&
            text.find(bad_upload_path) != std::string::npos) {
            checksum_reported = true;
        }
    }
    EXPECT_TRUE(checksum_reported) << "no checksum failure for " << bad_upload_path;
    EXPECT_EQ(first.archive.failures.size(), 4U);

    // The forum answers properly again: the next run retries exactly what failed.
    faulty = false;
    auto const second = importer::run_fetch(options);
    EXPECT_TRUE(second.archive.failures.empty());
    EXPECT_EQ(second.topics_fetched, 4U); // the three that failed, and the one listed again
    EXPECT_EQ(second.uploads_fetched, 1U);
    // --full fetches everything again and finds nothing else to change.
    auto full = options;
    full.full = true;
    auto const third = importer::run_fetch(full);
    EXPECT_TRUE(third.archive.failures.empty());
    expect_archive_matches(source.forum(), rehearsal::viewer::anonymous(), false, db, dir.path() / "uploads");
}

TEST(fetch, posts_of_deleted_accounts_and_mentions_of_unknown_users_are_kept)
{
    fetch_world world{20};
    auto &[source, db, dir] = world;
    // A post whose author's account was deleted: Discourse keeps the post with no user
    // (user_id and username null, user_deleted true). And a post mentioning @nobody_here, a
    // name the forum does not know (/u/nobody_here.json answers 404).
    auto const [victim_topic, victim_post] = source.forum().write([](rehearsal::forum_state &state) {
        for (auto const &[id, post] : state.posts()) {
            auto const &topic = state.topics().at(post.topic_id);
            if (post.post_number > 1 && post.type == rehearsal::post_type::regular && !post.deleted_at &&
                state.can_see_topic(rehearsal::viewer::anonymous(), topic)) {
                state.mutable_post(id)->raw += "\n\nAsk @nobody_here about it.";
                return std::pair{post.topic_id, id};
            }
        }
        return std::pair<std::int64_t, std::int64_t>{0, 0};
    });
    ASSERT_NE(victim_post, 0);
    source.set_wrapper([&](rehearsal::api_request const &request, rehearsal::api_response answer) {
        if (request.path == "/t/" + std::to_string(victim_topic) + "/posts.json") {
            auto body = nlohmann::json::parse(answer.body);
            for (auto &post : body["post_stream"]["posts"]) {
                if (post["id"] == victim_post) {
                    post["user_id"] = nullptr;
                    post["username"] = nullptr;
                    post["user_deleted"] = true;
                }
            }
            answer.body = body.dump();
        }
        return answer;
    });
    auto const summary = fetch_without_failures(world.options());
    EXPECT_GE(summary.archive.missing_users, 1);
    pqxx::connection connection{db.conninfo()};
    pqxx::read_transaction txn{connection};
    EXPECT_TRUE(
        txn.exec1("SELECT missing FROM forumgate.archive_users WHERE username_lower = 'nobody_here'")[0].as<bool>());
    EXPECT_TRUE(
        txn.exec_params1("SELECT username IS NULL AND user_id IS NULL FROM forumgate.archive_posts WHERE id = $1",
                         victim_post)[0]
            .as<bool>());
}

TEST(fetch, refuses_an_archive_of_another_forum)
{
    fetch_world world{5};
    auto &[source, db, dir] = world;
    auto options = world.options();
    ASSERT_TRUE(importer::run_fetch(options).archive.failures.empty());
    old_forum const another{3};
    options.source = another.url();
    EXPECT_NE(message_of<argument_error>([&] {
                  (void)importer::run_fetch(options);
              }).find("the archive holds " + source.url() + ", not " + another.url()),
              std::string::npos);
    auto admin = options_for(source, db, dir);
    admin.api_key = ADMIN_KEY;
    EXPECT_THROW((void)importer::run_fetch(admin), argument_error);
}

TEST(fetch_command, killed_at_random_points_and_rerun_ends_identical_to_an_uninterrupted_fetch)
{
    temp_dir dir;
    auto const key_file = dir.write("admin.key", std::string{ADMIN_KEY} + "\n");
    auto const forum = start_rehearsal_forum(FORUMGATE_BINARY, key_file, {"--generate", "80", "--generate-seed", "3"});
    std::string const source = "http://127.0.0.1:" + std::to_string(forum->ports().front());
    auto fetch_args = [&](test_database const &db, std::string const &uploads) {
        return std::vector<std::string>{
            "fetch",         "--db",           db.conninfo(),     "--source",
            source,          "--api-key-file", key_file.string(), "--include-private-messages",
            "--uploads-dir", uploads,          "--no-progress"};
    };

    test_database reference;
    auto const whole = run_process(FORUMGATE_BINARY, fetch_args(reference, (dir.path() / "reference").string()));
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    EXPECT_NE(whole.out.find("failed                  0"), std::string::npos) << whole.out;

    test_database interrupted;
    auto args = fetch_args(interrupted, (dir.path() / "interrupted").string());
    args.insert(args.end(), {"--rate", "100", "--concurrency", "4"}); // slow enough to be caught mid-way
    EXPECT_GE(forumgate::testing::kill_at_random_points(FORUMGATE_BINARY, args, 5, std::chrono::milliseconds{50},
                                                        std::chrono::milliseconds{600}),
              3);
    auto const finished = run_process(FORUMGATE_BINARY, args, {}, {}, 120);
    ASSERT_EQ(finished.exit_code, 0) << finished.err;
    EXPECT_EQ(archive_dump(interrupted), archive_dump(reference));
    // The same upload files, and no partial file left behind.
    auto const files = [](std::filesystem::path const &root) {
        std::set<std::string> names;
        for (auto const &entry : std::filesystem::recursive_directory_iterator{root}) {
            if (entry.is_regular_file()) {
                names.insert(std::filesystem::relative(entry.path(), root).string() + " " +
                             std::to_string(entry.file_size()));
            }
        }
        return names;
    };
    auto interrupted_files = files(dir.path() / "interrupted");
    std::erase_if(interrupted_files, [](std::string const &name) { return name.find(".part-") != std::string::npos; });
    EXPECT_EQ(interrupted_files, files(dir.path() / "reference"));
    EXPECT_FALSE(files(dir.path() / "reference").empty());
}

TEST(fetch_command, status_lists_failures_and_exit_code_says_incomplete)
{
    test_database db;
    temp_dir dir;
    // Nothing listens on this port: the site answer fails, which is fatal.
    auto const dead =
        run_process(FORUMGATE_BINARY, {"fetch", "--db", db.conninfo(), "--source", "http://127.0.0.1:9", "--retries",
                                       "1", "--no-progress", "--uploads-dir", (dir.path() / "u").string()});
    EXPECT_EQ(dead.exit_code, 2);
    EXPECT_NE(dead.err.find("http://127.0.0.1:9/site.json"), std::string::npos) << dead.err;

    // A run that archived nothing ties the store to nothing.
    auto const status = run_process(FORUMGATE_BINARY, {"fetch", "--db", db.conninfo(), "--status"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find("archive: empty (nothing archived yet"), std::string::npos) << status.out;

    auto const no_key =
        run_process(FORUMGATE_BINARY,
                    {"fetch", "--db", db.conninfo(), "--source", "http://127.0.0.1:9", "--include-private-messages"},
                    {{"FORUMGATE_SOURCE_API_KEY", ""}});
    EXPECT_EQ(no_key.exit_code, 2);
    EXPECT_NE(no_key.err.find("--include-private-messages needs an admin API key"), std::string::npos) << no_key.err;
}

/// A server on 127.0.0.1 that answers every request with a 301 to `base` + the same path and
/// query, as a real forum answers http:// with a redirect to https://.
class redirecting_server
{
public:
    explicit redirecting_server(std::string base)
        : m_base{std::move(base)}, m_server{[this](rehearsal::api_request const &request) {
              rehearsal::api_response answer;
              answer.status = 301;
              answer.content_type = "text/html";
              answer.headers.emplace_back("Location",
                                          m_base + request.path + (request.query.empty() ? "" : "?" + request.query));
              return answer;
          }}
    {}
    [[nodiscard]] std::string url() const { return m_server.url(); }

private:
    std::string m_base;
    forumgate::testing::loopback_server m_server;
};

TEST(fetch, follows_a_redirect_of_the_base_url_to_the_same_site_and_refuses_one_to_another)
{
    // The forum moved from one port to another of the same host (as http:// to https:// does):
    // followed with a notice, and the archive is of where it leads.
    fetch_world world{5};
    std::string const port = world.source.url().substr(world.source.url().rfind(':'));
    redirecting_server same_site{"http://127.0.0.1" + port};
    auto options = world.options();
    options.source = same_site.url();
    auto const summary = fetch_without_failures(options);
    EXPECT_GT(summary.topics_fetched, 0U);
    EXPECT_EQ(archive_dump(world.db), [&] {
        fetch_world direct{5};
        (void)fetch_without_failures(direct.options());
        return archive_dump(direct.db);
    }());
    pqxx::connection c{world.db.conninfo()};
    EXPECT_EQ(pqxx::read_transaction{c}.exec1("SELECT source FROM forumgate.archive_source")[0].as<std::string>(),
              world.source.url());

    // A redirect to another host is not followed: the message names where it leads.
    fetch_world other{5};
    redirecting_server elsewhere{"http://localhost" + port};
    auto refused = other.options();
    refused.source = elsewhere.url();
    std::string const message = message_of<argument_error>([&] { (void)importer::run_fetch(refused); });
    EXPECT_NE(message.find("redirects to http://localhost" + port + "/site.json"), std::string::npos) << message;
}

TEST(fetch, a_first_run_that_archived_nothing_does_not_tie_the_store_to_its_source)
{
    // A typo in the port: the run fails before it archives anything. The next run, with the
    // right address, must go ahead instead of refusing "the archive holds …".
    fetch_world world{5};
    auto wrong = world.options();
    wrong.source = "http://127.0.0.1:1";
    wrong.retries.max_attempts = 1;
    EXPECT_THROW((void)importer::run_fetch(wrong), std::exception);
    auto const summary = fetch_without_failures(world.options());
    EXPECT_GT(summary.topics_fetched, 0U);
}

TEST(fetch_command, an_anonymous_fetch_says_up_front_what_its_archive_lacks)
{
    fetch_world world{5};
    auto const anonymous =
        run_process(FORUMGATE_BINARY, {"fetch", "--db", world.db.conninfo(), "--source", world.source.url(),
                                       "--no-progress", "--uploads-dir", world.uploads_dir().string()},
                    {{"FORUMGATE_SOURCE_API_KEY", ""}});
    ASSERT_EQ(anonymous.exit_code, 0) << anonymous.err;
    auto const warning = anonymous.err.find("anonymous (no --api-key-file)");
    ASSERT_NE(warning, std::string::npos) << anonymous.err;
    EXPECT_LT(warning, anonymous.err.find("topics fetched")) << "said after the run, not up front";
    EXPECT_NE(anonymous.err.find("matches members by username only"), std::string::npos) << anonymous.err;
    EXPECT_NE(anonymous.out.find("complete as an anonymous visitor sees the forum"), std::string::npos)
        << anonymous.out;
}
