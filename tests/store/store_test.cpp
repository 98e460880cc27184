// The store against a real PostgreSQL: migrations, CSV load and export, the map version and
// its notification, snapshots, and connection strings.

#include "store/store.hpp"

#include "base/digest.hpp"
#include "base/error.hpp"
#include "mappings/resolver.hpp"
#include "tests/support/test_db.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

namespace forumgate::store {
// For readable failures of EXPECT_EQ on stats.
void PrintTo(map_stats const &s, std::ostream *out)
{
    *out << "{version " << s.version << ", topics " << s.topics << " (" << s.topics_not_migrated << " not migrated, "
         << s.topics_restricted << " restricted), posts " << s.posts << " (" << s.posts_not_migrated
         << " not migrated), categories " << s.categories << ", users " << s.users << ", tags " << s.tags
         << ", uploads " << s.uploads << ", rules " << s.rules << ", misses " << s.misses << "}";
}
} // namespace forumgate::store

namespace {

namespace fs = std::filesystem;
using forumgate::argument_error;
using forumgate::database_error;
using forumgate::input_error;
using forumgate::mappings::site_settings;
using forumgate::mappings::snapshot;
using forumgate::store::database;
using forumgate::store::load_result;
using forumgate::store::map_stats;
using forumgate::testing::read_file;
using forumgate::testing::temp_dir;
using forumgate::testing::test_database;

/// tests/fixtures/map: every kind of map file, with quoted fields, CRLF line ends (topics.csv),
/// columns out of order (posts.csv, tags.csv), a restricted topic and a post not migrated.
fs::path sample_dir()
{
    return fs::path{FORUMGATE_FIXTURES} / "map";
}

/// The sample map, copied into `dir` so a test may change it.
void copy_sample(temp_dir const &dir)
{
    fs::copy(sample_dir(), dir.path(), fs::copy_options::overwrite_existing);
}

site_settings brum_settings()
{
    return {"https://forum.brum.coop", {"forum.cooperationbirmingham.org.uk"}, {}};
}

load_result::file const *find_file(load_result const &result, std::string_view name)
{
    for (auto const &file : result.files) {
        if (file.name == name) {
            return &file;
        }
    }
    return nullptr;
}

std::int64_t total(load_result const &result, std::int64_t load_result::file::*count)
{
    std::int64_t sum = 0;
    for (auto const &file : result.files) {
        sum += file.*count;
    }
    return sum;
}

/// The message of the exception E that `action` throws (fails the test if it throws none).
template <typename E, typename Action>
std::string message_of(Action &&action)
{
    try {
        action();
    } catch (E const &e) {
        return e.what();
    }
    ADD_FAILURE() << "no exception thrown";
    return {};
}

class store_test : public ::testing::Test
{
protected:
    /// A store on the test database, migrated.
    database &migrated()
    {
        if (!m_store) {
            m_store = std::make_unique<database>(m_db.conninfo());
            (void)m_store->migrate();
        }
        return *m_store;
    }

    /// Loads the sample map (settings from its settings.csv).
    load_result load_sample() { return migrated().load_csv(sample_dir(), std::nullopt); }

    test_database m_db;
    std::unique_ptr<database> m_store;
};

// ---------------------------------------------------------------------------------------------
// Migrations

TEST_F(store_test, migrate_applies_every_version_once)
{
    database s{m_db.conninfo()};
    EXPECT_EQ(s.schema_version(), 0);
    EXPECT_EQ(s.migrate(), (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(s.schema_version(), forumgate::store::SCHEMA_VERSION);
    EXPECT_TRUE(s.migrate().empty());
    EXPECT_EQ(s.map_version(), 0);
    EXPECT_FALSE(s.settings().has_value());
}

TEST_F(store_test, two_processes_migrating_at_once_apply_each_migration_once)
{
    auto const migrate = [this] {
        database s{m_db.conninfo()};
        return s.migrate();
    };
    auto first = std::async(std::launch::async, migrate);
    auto second = std::async(std::launch::async, migrate);
    auto const a = first.get();
    auto const b = second.get();
    EXPECT_EQ(a.size() + b.size(), static_cast<std::size_t>(forumgate::store::SCHEMA_VERSION))
        << "a migration ran in both or neither";
    EXPECT_EQ(database{m_db.conninfo()}.schema_version(), forumgate::store::SCHEMA_VERSION);
}

TEST_F(store_test, migration_2_upgrades_a_database_at_version_1)
{
    (void)load_sample();
    // Take the database back to what forumgate with schema version 1 left behind.
    {
        pqxx::connection c{m_db.conninfo()};
        pqxx::work txn{c};
        txn.exec(
            "DROP TABLE forumgate.misses, forumgate.archive_source, forumgate.archive_categories, "
            "forumgate.archive_tags, "
            "forumgate.archive_users, forumgate.archive_posts, forumgate.archive_topics, forumgate.archive_uploads, "
            "forumgate.archive_absent_topics, forumgate.archive_permalinks, forumgate.archive_failures, "
            "forumgate.import_target, forumgate.import_users, forumgate.import_posts, forumgate.import_failures");
        txn.exec("DELETE FROM forumgate.schema_migrations WHERE version >= 2");
        txn.commit();
    }
    database s{m_db.conninfo()};
    EXPECT_EQ(s.schema_version(), 1);
    std::string const message = message_of<database_error>([&] { (void)s.stats(); });
    EXPECT_NE(message.find("has forumgate schema version 1, older than the " +
                           std::to_string(forumgate::store::SCHEMA_VERSION) +
                           " this build needs: run `forumgate db migrate`"),
              std::string::npos)
        << message;
    EXPECT_EQ(s.migrate(), (std::vector<int>{2, 3, 4}));
    EXPECT_EQ(s.schema_version(), forumgate::store::SCHEMA_VERSION);
    auto const stats = s.stats();
    EXPECT_EQ(stats.version, 1) << "a migration is not a change of the map";
    EXPECT_EQ(stats.topics, 4);
    EXPECT_EQ(stats.misses, 0);
}

TEST_F(store_test, refuses_a_database_from_a_newer_forumgate)
{
    database &s = migrated();
    {
        pqxx::connection c{m_db.conninfo()};
        pqxx::work txn{c};
        txn.exec("INSERT INTO forumgate.schema_migrations (version, description) VALUES (99, 'from the future')");
        txn.commit();
    }
    EXPECT_EQ(s.schema_version(), 99);
    std::string const message = message_of<database_error>([&] { (void)s.migrate(); });
    EXPECT_NE(message.find("has forumgate schema version 99"), std::string::npos) << message;
    EXPECT_NE(message.find("newer forumgate"), std::string::npos) << message;
    EXPECT_NE(message.find("dbname=" + m_db.name()), std::string::npos) << message;
    // Nothing else works on it either.
    EXPECT_THROW((void)s.stats(), database_error);
    EXPECT_THROW((void)s.load_snapshot(), database_error);
}

TEST_F(store_test, says_to_migrate_a_database_without_the_schema)
{
    database s{m_db.conninfo()};
    std::string const message = message_of<database_error>([&] { (void)s.stats(); });
    EXPECT_NE(message.find("no forumgate schema yet: run `forumgate db migrate`"), std::string::npos) << message;
    EXPECT_THROW((void)s.load_csv(sample_dir(), std::nullopt), database_error);
}

// ---------------------------------------------------------------------------------------------
// Loading

TEST_F(store_test, loads_every_kind_of_map_file)
{
    auto const result = load_sample();
    EXPECT_EQ(result.version_before, 0);
    EXPECT_EQ(result.version_after, 1) << "one load, one version, however many tables it touched";
    ASSERT_EQ(result.files.size(), 8U);
    EXPECT_EQ(result.files[0].name, "settings.csv");
    EXPECT_EQ(result.files[0].inserted, 1);
    auto const *posts = find_file(result, "posts.csv");
    ASSERT_NE(posts, nullptr);
    EXPECT_EQ(posts->rows, 5);
    EXPECT_EQ(posts->inserted, 5);
    EXPECT_EQ(posts->updated, 0);

    map_stats const s = migrated().stats();
    EXPECT_EQ(s.version, 1);
    EXPECT_EQ(s.topics, 4);
    EXPECT_EQ(s.topics_not_migrated, 1);
    EXPECT_EQ(s.topics_restricted, 1);
    EXPECT_EQ(s.posts, 5);
    EXPECT_EQ(s.posts_not_migrated, 1);
    EXPECT_EQ(s.categories, 3);
    EXPECT_EQ(s.users, 3);
    EXPECT_EQ(s.tags, 2);
    EXPECT_EQ(s.uploads, 3);
    EXPECT_EQ(s.rules, 2);

    // settings.csv, normalised.
    auto const settings = migrated().settings();
    ASSERT_TRUE(settings.has_value());
    EXPECT_EQ(settings->new_base, "https://forum.brum.coop");
    EXPECT_EQ(settings->old_hosts,
              (std::vector<std::string>{"forum.cooperationbirmingham.org.uk", "www.cooperationbirmingham.org.uk"}));
    EXPECT_EQ(settings->upload_hosts, std::vector<std::string>{"cdn.brum.coop"});
}

TEST_F(store_test, loading_the_same_files_again_changes_nothing)
{
    (void)load_sample();
    auto const before = migrated().stats();
    auto const again = load_sample();
    EXPECT_EQ(total(again, &load_result::file::inserted), 0);
    EXPECT_EQ(total(again, &load_result::file::updated), 0);
    EXPECT_EQ(total(again, &load_result::file::deleted), 0);
    EXPECT_EQ(again.version_before, 1);
    EXPECT_EQ(again.version_after, 1);
    EXPECT_EQ(migrated().map_version(), 1);
    EXPECT_EQ(migrated().stats(), before);
}

TEST_F(store_test, a_changed_row_is_one_update_and_one_new_version)
{
    (void)load_sample();
    temp_dir dir;
    copy_sample(dir);
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug,restricted\r\n"
                            "774,agm-2023-minutes,1774,agm-minutes-2023,false\r\n" // new slug changed
                            "775,\"proposal-food-co-op\",1775,\"proposal, food co-op\",\r\n"
                            "776,board-only-budget-draft,1776,board-only-budget-draft,TRUE\r\n"
                            "777,spam-topic,,,f\r\n");
    auto const result = migrated().load_csv(dir.path(), std::nullopt);
    auto const *topics = find_file(result, "topics.csv");
    ASSERT_NE(topics, nullptr);
    EXPECT_EQ(topics->updated, 1);
    EXPECT_EQ(topics->inserted, 0);
    EXPECT_EQ(total(result, &load_result::file::updated), 1);
    EXPECT_EQ(total(result, &load_result::file::inserted), 0);
    EXPECT_EQ(result.version_before, 1);
    EXPECT_EQ(result.version_after, 2);
    auto const snap = migrated().load_snapshot();
    EXPECT_EQ(snap->new_slug(*snap->find_topic(774)), "agm-minutes-2023");
    EXPECT_EQ(snap->version(), 2);
}

TEST_F(store_test, a_bad_row_in_the_second_file_changes_nothing)
{
    (void)load_sample();
    auto const before = migrated().stats();
    temp_dir dir;
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug\n800,new-topic,1800,new-topic\n");
    dir.write("posts.csv", "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number\n"
                           "9100,800,1,19100,1800,1\n"
                           "9101,800,two,19101,1800,2\n");
    std::string const message = message_of<input_error>([&] { (void)migrated().load_csv(dir.path(), std::nullopt); });
    EXPECT_EQ(message, "posts.csv:3: old_post_number 'two' is not a number");
    EXPECT_EQ(migrated().stats(), before);
    EXPECT_EQ(migrated().map_version(), before.version);
}

TEST_F(store_test, settings_given_win_over_settings_csv)
{
    site_settings given = brum_settings();
    given.upload_hosts = {"CDN.brum.coop"}; // the sample's uploads.csv redirects to it
    auto const result = migrated().load_csv(sample_dir(), given);
    EXPECT_EQ(find_file(result, "settings.csv"), nullptr) << "settings.csv is not read when settings are given";
    EXPECT_EQ(migrated().settings()->old_hosts, std::vector<std::string>{"forum.cooperationbirmingham.org.uk"});
    // The same settings again change nothing.
    auto const again = migrated().load_csv(sample_dir(), given);
    EXPECT_EQ(again.version_after, again.version_before);
}

TEST_F(store_test, the_first_load_needs_settings)
{
    temp_dir dir;
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug\n774,a,1774,a\n");
    std::string const message = message_of<input_error>([&] { (void)migrated().load_csv(dir.path(), std::nullopt); });
    EXPECT_NE(message.find("--new-base and --old-host are needed on the first load"), std::string::npos) << message;
    EXPECT_EQ(migrated().stats().topics, 0);
}

TEST_F(store_test, refuses_bad_headers)
{
    temp_dir dir;
    auto const load = [&] { (void)migrated().load_csv(dir.path(), brum_settings()); };
    dir.write("topics.csv", "old_id,old_slug,new_id\n774,a,1774\n");
    EXPECT_EQ(message_of<input_error>(load), "topics.csv:1: missing column new_slug");
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug,colour\n774,a,1774,a,red\n");
    EXPECT_EQ(message_of<input_error>(load),
              "topics.csv:1: unknown column colour (the columns are old_id,old_slug,new_id,new_slug,restricted)");
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug,old_id\n");
    EXPECT_EQ(message_of<input_error>(load), "topics.csv:1: column old_id appears twice");
    dir.write("topics.csv", "");
    EXPECT_TRUE(message_of<input_error>(load).starts_with("topics.csv:1: the file is empty"));
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug\n774,a,1774\n");
    EXPECT_EQ(message_of<input_error>(load), "topics.csv:2: 3 fields, but the first line names 4 columns");
}

TEST_F(store_test, refuses_duplicate_keys_with_both_lines)
{
    temp_dir dir;
    auto const load = [&] { (void)migrated().load_csv(dir.path(), brum_settings()); };
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug\n774,a,1774,a\n775,b,1775,b\n\"774\",c,1776,c\n");
    EXPECT_EQ(message_of<input_error>(load), "topics.csv:4: topic 774 already on line 2");
    fs::remove(dir.path() / "topics.csv");
    dir.write("users.csv", "old_username,new_username\nAlice,alice\nbob,bob\nALICE,alice2\n");
    EXPECT_EQ(message_of<input_error>(load), "users.csv:4: user ALICE already on line 2");
    fs::remove(dir.path() / "users.csv");
    dir.write("posts.csv", "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number\n"
                           "9101,800,1,,,\n9102,800,2,,,\n9101,801,1,,,\n");
    EXPECT_EQ(message_of<input_error>(load), "posts.csv:4: post 9101 already on line 2");
}

TEST_F(store_test, refuses_bad_values_with_file_and_line)
{
    temp_dir dir;
    auto const load = [&] { (void)migrated().load_csv(dir.path(), brum_settings()); };
    std::string const posts_header = "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number,hidden\n";
    dir.write("posts.csv", posts_header + "9001,774,1,,,,\n9002,774,2,,,,maybe\n");
    EXPECT_EQ(message_of<input_error>(load), "posts.csv:3: hidden 'maybe' is not true or false");
    dir.write("posts.csv", posts_header + "9001,774,1,,,,\n9002,774,-2,,,,\n");
    EXPECT_EQ(message_of<input_error>(load), "posts.csv:3: old_post_number '-2' is not a number");
    dir.write("posts.csv", posts_header + "9001,774, 1,,,,\n");
    EXPECT_EQ(message_of<input_error>(load), "posts.csv:2: old_post_number ' 1' is not a number");
    dir.write("posts.csv", posts_header + "4294967296,774,1,,,,\n");
    EXPECT_EQ(message_of<input_error>(load), "posts.csv:2: old_id '4294967296' is out of range (1 to 4294967295)");
    dir.write("posts.csv", posts_header + "9001,774,2147483648,,,,\n");
    EXPECT_EQ(message_of<input_error>(load),
              "posts.csv:2: old_post_number '2147483648' is out of range (1 to 2147483647)");
    dir.write("posts.csv", posts_header + "9001,774,1,19001,,,\n");
    // The snapshot builder's own check, with file and line in front.
    EXPECT_EQ(message_of<input_error>(load),
              "posts.csv:2: post 9001: a migrated post needs its new topic id and new post number");
    fs::remove(dir.path() / "posts.csv");

    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug\n774,bad\xFF,1774,a\n");
    EXPECT_TRUE(message_of<input_error>(load).starts_with("topics.csv:2: old_slug 'bad"))
        << message_of<input_error>(load);
    fs::remove(dir.path() / "topics.csv");

    dir.write("uploads.csv", "old_path,new_url\n"
                             "/uploads/default/original/1X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png,\n"
                             "upload://not-base62!.png,/uploads/x.png\n");
    EXPECT_EQ(message_of<input_error>(load), "uploads.csv:3: upload upload://not-base62!.png: not a valid short URL");
    dir.write("uploads.csv", "old_path,new_url\n/uploads/a.png,https://evil.example/a.png\n");
    EXPECT_TRUE(
        message_of<input_error>(load).starts_with("uploads.csv:2: upload /uploads/a.png: new URL host 'evil.example'"));
    fs::remove(dir.path() / "uploads.csv");

    dir.write("rules.csv", "pattern,replacement,kind\n^/a$,/b,\n(unclosed,/c,redirect\n");
    EXPECT_TRUE(message_of<input_error>(load).starts_with("rules.csv:3: rule '(unclosed'"));
    dir.write("rules.csv", "pattern,replacement,kind\n^/a$,/b,sometimes\n");
    EXPECT_EQ(message_of<input_error>(load), "rules.csv:2: kind 'sometimes' is neither redirect nor rewrite");
    fs::remove(dir.path() / "rules.csv");

    dir.write("settings.csv", "key,value\nnew_base,https://forum.brum.coop\nold_hosts,x\n");
    EXPECT_EQ(message_of<input_error>([&] { (void)migrated().load_csv(dir.path(), std::nullopt); }),
              "settings.csv:3: unknown key 'old_hosts' (the keys are new_base, old_host and upload_host)");
    EXPECT_EQ(migrated().stats().version, 0) << "nothing was stored";
}

TEST_F(store_test, explains_clashing_post_numbers)
{
    (void)load_sample();
    temp_dir dir;
    auto const load = [&] { (void)migrated().load_csv(dir.path(), std::nullopt); };
    std::string const header = "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number\n";
    dir.write("posts.csv", header + "9101,800,1,,,\n9102,800,1,,,\n");
    EXPECT_EQ(message_of<input_error>(load),
              "posts.csv:3: post 9102: topic 800 post number 1 is already post 9101 on line 2");
    dir.write("posts.csv", header + "9100,774,1,,,\n");
    EXPECT_EQ(message_of<input_error>(load),
              "posts.csv:2: post 9100: topic 774 post number 1 is already post 9001 in the map");
    EXPECT_EQ(migrated().stats().posts, 5);

    // Renumbering within one load is fine: 9001 and 9003 swap numbers.
    dir.write("posts.csv", header + "9001,774,3,19001,1774,1\n9003,774,1,19002,1774,2\n");
    auto const result = migrated().load_csv(dir.path(), std::nullopt);
    EXPECT_EQ(find_file(result, "posts.csv")->updated, 2);
}

TEST_F(store_test, rules_csv_replaces_all_rules)
{
    (void)load_sample();
    temp_dir dir;
    dir.write("rules.csv", "pattern,replacement\n^/forum(/.*)?$,/latest\n");
    auto const result = migrated().load_csv(dir.path(), std::nullopt);
    auto const *rules = find_file(result, "rules.csv");
    ASSERT_NE(rules, nullptr);
    EXPECT_EQ(rules->updated, 1) << "the second rule moved to position 1";
    EXPECT_EQ(rules->deleted, 1);
    EXPECT_EQ(result.version_after, result.version_before + 1);
    auto const snap = migrated().load_snapshot();
    ASSERT_EQ(snap->rules().size(), 1U);
    EXPECT_EQ(snap->rules()[0].replacement, "/latest");
}

TEST_F(store_test, loads_a_large_posts_file_in_blocks_and_batches)
{
    // More rows than one COPY block and one check batch hold, so both boundaries are crossed.
    constexpr int POSTS = 200'000;
    temp_dir dir;
    std::string posts = "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number,hidden\n";
    for (int i = 1; i <= POSTS; ++i) {
        int const topic = (i - 1) / 10 + 1;
        int const number = (i - 1) % 10 + 1;
        posts += std::to_string(i) + "," + std::to_string(topic) + "," + std::to_string(number) + "," +
                 (i % 100 == 0 ? std::string{",,"}
                               : std::to_string(i + 1'000'000) + "," + std::to_string(topic + 500'000) + "," +
                                     std::to_string(number)) +
                 (i % 7 == 0 ? ",true\n" : ",false\n");
    }
    dir.write("posts.csv", posts);
    auto const result = migrated().load_csv(dir.path(), brum_settings());
    EXPECT_EQ(result.files.at(0).inserted, POSTS);
    auto const stats = migrated().stats();
    EXPECT_EQ(stats.posts, POSTS);
    EXPECT_EQ(stats.posts_not_migrated, POSTS / 100);
    auto const snap = migrated().load_snapshot();
    EXPECT_EQ(snap->size().posts, static_cast<std::size_t>(POSTS));
    auto const *last = snap->find_post(POSTS - 1);
    ASSERT_NE(last, nullptr);
    EXPECT_EQ(last->new_id, static_cast<std::uint32_t>(POSTS - 1 + 1'000'000));
    EXPECT_EQ(migrated().load_csv(dir.path(), std::nullopt).version_after, result.version_after);
}

// ---------------------------------------------------------------------------------------------
// Export

TEST_F(store_test, export_then_load_elsewhere_gives_the_same_map_and_files)
{
    (void)load_sample();
    temp_dir first;
    migrated().export_csv(first.path());
    EXPECT_EQ(read_file(first.path() / "topics.csv"), "old_id,old_slug,new_id,new_slug,restricted\n"
                                                      "774,agm-2023-minutes,1774,agm-2023-minutes,false\n"
                                                      "775,proposal-food-co-op,1775,\"proposal, food co-op\",false\n"
                                                      "776,board-only-budget-draft,1776,board-only-budget-draft,true\n"
                                                      "777,spam-topic,,,false\n");
    EXPECT_EQ(read_file(first.path() / "users.csv"),
              "old_username,new_username\nAlice_Old,alice\n\"bob \"\"the builder\"\"\",bob\ngone_user,\n");
    EXPECT_EQ(read_file(first.path() / "settings.csv"), "key,value\nnew_base,https://forum.brum.coop\n"
                                                        "old_host,forum.cooperationbirmingham.org.uk\n"
                                                        "old_host,www.cooperationbirmingham.org.uk\n"
                                                        "upload_host,cdn.brum.coop\n");

    // Loading the export back is a no-op.
    auto const again = migrated().load_csv(first.path(), std::nullopt);
    EXPECT_EQ(total(again, &load_result::file::inserted) + total(again, &load_result::file::updated), 0);
    EXPECT_EQ(again.version_after, again.version_before);

    test_database other_db;
    database other{other_db.conninfo()};
    (void)other.migrate();
    (void)other.load_csv(first.path(), std::nullopt);
    EXPECT_EQ(other.stats(), migrated().stats());
    temp_dir second;
    other.export_csv(second.path());
    for (auto const *name : {"topics.csv", "posts.csv", "users.csv", "categories.csv", "tags.csv", "uploads.csv",
                             "rules.csv", "settings.csv"}) {
        EXPECT_EQ(read_file(first.path() / name), read_file(second.path() / name)) << name;
    }
}

TEST_F(store_test, text_with_tabs_line_breaks_and_backslashes_survives_the_round_trip)
{
    // Each of these bytes is escaped on the way into COPY and back out of it.
    temp_dir dir;
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug\n"
                            "1,back\\slash\ttab,2,\"two\nlines\r\nand \"\"quotes\"\"\"\n"
                            "3,\\N,4,\\\\N\n");
    (void)migrated().load_csv(dir.path(), brum_settings());
    auto const snap = migrated().load_snapshot();
    EXPECT_EQ(snap->new_slug(*snap->find_topic(1)), "two\nlines\r\nand \"quotes\"");
    EXPECT_EQ(snap->new_slug(*snap->find_topic(3)), "\\\\N") << "not mistaken for NULL";
    EXPECT_EQ(snap->find_topic_by_slug("back\\slash\ttab"), snap->find_topic(1));

    temp_dir exported;
    migrated().export_csv(exported.path());
    EXPECT_EQ(read_file(exported.path() / "topics.csv"),
              "old_id,old_slug,new_id,new_slug,restricted\n"
              "1,back\\slash\ttab,2,\"two\nlines\r\nand \"\"quotes\"\"\",false\n"
              "3,\\N,4,\\\\N,false\n");
    auto const again = migrated().load_csv(exported.path(), std::nullopt);
    EXPECT_EQ(again.version_after, again.version_before);
}

// ---------------------------------------------------------------------------------------------
// Map version and notification

/// Records the payloads announced on forumgate_map.
class map_listener : public pqxx::notification_receiver
{
public:
    explicit map_listener(pqxx::connection &connection)
        : pqxx::notification_receiver{connection, forumgate::store::MAP_CHANNEL}
    {}
    void operator()(std::string const &payload, int /*backend_pid*/) override { m_payloads.push_back(payload); }
    std::vector<std::string> m_payloads;
};

TEST_F(store_test, a_change_is_announced_with_its_version_and_an_identical_reload_is_not)
{
    (void)load_sample();
    pqxx::connection connection{m_db.conninfo()};
    map_listener listener{connection};

    temp_dir dir;
    dir.write("tags.csv", "old_name,new_name\nhousing,homes\n");
    auto const result = migrated().load_csv(dir.path(), std::nullopt);
    ASSERT_EQ(result.version_after, 2);
    for (int waited = 0; listener.m_payloads.empty() && waited < 10; ++waited) {
        (void)connection.await_notification(1, 0);
    }
    EXPECT_EQ(listener.m_payloads, std::vector<std::string>{"2"});

    listener.m_payloads.clear();
    (void)migrated().load_csv(dir.path(), std::nullopt);
    (void)connection.await_notification(1, 0);
    EXPECT_TRUE(listener.m_payloads.empty()) << "an identical reload announced version " << listener.m_payloads.front();
    EXPECT_EQ(migrated().map_version(), 2);
}

// ---------------------------------------------------------------------------------------------
// Snapshots

TEST_F(store_test, load_snapshot_holds_the_whole_map)
{
    (void)load_sample();
    auto const snap = migrated().load_snapshot();
    EXPECT_EQ(snap->version(), 1);
    EXPECT_EQ(snap->settings().new_base, "https://forum.brum.coop");
    EXPECT_TRUE(snap->is_old_host("www.cooperationbirmingham.org.uk"));
    EXPECT_TRUE(snap->is_upload_host("cdn.brum.coop"));

    auto const *agm = snap->find_topic(774);
    ASSERT_NE(agm, nullptr);
    EXPECT_EQ(agm->new_id, 1774U);
    EXPECT_EQ(snap->new_slug(*agm), "agm-2023-minutes");
    EXPECT_EQ(snap->posts_of(*agm).size(), 3U);
    EXPECT_EQ(snap->find_topic_by_slug("agm-2023-minutes"), agm);
    EXPECT_EQ(snap->new_slug(*snap->find_topic(775)), "proposal, food co-op");

    auto const *restricted = snap->find_topic(776);
    ASSERT_NE(restricted, nullptr);
    EXPECT_EQ(snap->new_slug(*restricted), "") << "a restricted topic's slug is never kept";
    EXPECT_NE(restricted->flags & snapshot::TOPIC_RESTRICTED, 0);
    EXPECT_EQ(snap->find_topic(777)->new_id, 0U);
    EXPECT_EQ(snap->find_topic(778), nullptr);

    auto const *not_migrated = snap->find_post(9002);
    ASSERT_NE(not_migrated, nullptr);
    EXPECT_EQ(not_migrated->new_post_number, 0U);
    EXPECT_EQ(not_migrated->old_post_number, 2U | snapshot::POST_HIDDEN);
    auto const *third = snap->find_post(9003);
    ASSERT_NE(third, nullptr);
    EXPECT_EQ(third->new_post_number, 2U);
    EXPECT_EQ(third->new_topic_id, 1774U);
    EXPECT_EQ(third->new_id, 19002U);

    EXPECT_EQ(snap->find_category(7)->new_id, 14U);
    EXPECT_EQ(snap->find_category_by_path("working-groups/housing")->new_id, 14U);
    EXPECT_TRUE(snap->find_category(9)->restricted);

    ASSERT_NE(snap->find_user("ALICE_OLD"), nullptr);
    EXPECT_EQ(snap->find_user("ALICE_OLD")->new_name, "alice");
    EXPECT_EQ(snap->find_user("gone_user")->new_name, "");
    EXPECT_EQ(snap->find_user("Bob \"The Builder\"")->new_name, "bob");
    EXPECT_EQ(snap->find_tag("housing")->new_name, "housing");
    EXPECT_EQ(snap->find_tag("retired-tag")->new_name, "");

    auto const *upload = snap->find_upload_by_sha1("0a4d55a8d778e5022fab701977c5d840bbc486d0");
    ASSERT_NE(upload, nullptr);
    EXPECT_EQ(upload->new_name, "/uploads/default/original/2X/0/0a4d55a8d778e5022fab701977c5d840bbc486d0.png");

    ASSERT_EQ(snap->rules().size(), 2U);
    EXPECT_EQ(snap->rules()[0].replacement, "/c/general");
    EXPECT_EQ(snap->rules()[1].replacement, "/latest");

    auto const counts = snap->size();
    EXPECT_EQ(counts.topics, 4U);
    EXPECT_EQ(counts.posts, 5U);
    EXPECT_EQ(counts.users, 3U);
    EXPECT_EQ(counts.uploads, 3U);
}

TEST_F(store_test, load_snapshot_needs_settings)
{
    std::string const message = message_of<input_error>([&] { (void)migrated().load_snapshot(); });
    EXPECT_NE(message.find("no site settings yet"), std::string::npos) << message;
}

TEST_F(store_test, set_settings_normalises_and_refuses_unusable_ones)
{
    migrated().set_settings({"HTTPS://Forum.Brum.Coop/", {"Forum.CooperationBirmingham.org.uk:443"}, {}});
    auto const settings = migrated().settings();
    ASSERT_TRUE(settings.has_value());
    EXPECT_EQ(settings->new_base, "https://forum.brum.coop");
    EXPECT_EQ(settings->old_hosts, std::vector<std::string>{"forum.cooperationbirmingham.org.uk"});
    EXPECT_EQ(migrated().map_version(), 1);
    migrated().set_settings(*settings);
    EXPECT_EQ(migrated().map_version(), 1) << "the same settings again are no change";
    EXPECT_THROW(migrated().set_settings({"https://forum.brum.coop", {"forum.brum.coop"}, {}}), input_error);
    EXPECT_EQ(migrated().settings()->new_base, "https://forum.brum.coop");
}

// ---------------------------------------------------------------------------------------------
// Miss log

/// One row of forumgate.misses.
struct stored_miss
{
    std::string reason;
    std::int64_t hits = 0;
    std::string first_seen;
    std::string last_seen;
};

std::map<std::string, stored_miss> read_misses(std::string const &conninfo)
{
    pqxx::connection c{conninfo};
    pqxx::read_transaction txn{c};
    std::map<std::string, stored_miss> out;
    for (auto const &row :
         txn.exec("SELECT target, reason, hits, first_seen::text, last_seen::text FROM forumgate.misses")) {
        out[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::int64_t>(), row[3].as<std::string>(),
                                         row[4].as<std::string>()};
    }
    return out;
}

TEST_F(store_test, record_misses_adds_up_hits_and_leaves_the_map_alone)
{
    (void)load_sample();
    pqxx::connection connection{m_db.conninfo()};
    map_listener listener{connection};

    migrated().record_misses({{"/t/778", "unknown_id", 3}, {"/t/spam-topic/777", "not_migrated", 1}});
    auto const first = read_misses(m_db.conninfo());
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(first.at("/t/778").hits, 3);
    EXPECT_EQ(first.at("/t/778").first_seen, first.at("/t/778").last_seen);

    // The same target twice in one batch counts twice, and its last reason wins.
    migrated().record_misses(
        {{"/t/778", "unknown_shape", 2}, {"/nowhere", "unknown_shape", 1}, {"/t/778", "not_migrated", 4}});
    auto const second = read_misses(m_db.conninfo());
    ASSERT_EQ(second.size(), 3U);
    EXPECT_EQ(second.at("/t/778").hits, 9);
    EXPECT_EQ(second.at("/t/778").reason, "not_migrated");
    EXPECT_EQ(second.at("/t/778").first_seen, first.at("/t/778").first_seen) << "first_seen is kept";
    EXPECT_GT(second.at("/t/778").last_seen, first.at("/t/778").last_seen) << "last_seen moves on";
    EXPECT_EQ(second.at("/t/spam-topic/777").hits, 1);
    EXPECT_EQ(second.at("/t/spam-topic/777").last_seen, first.at("/t/spam-topic/777").last_seen) << "not seen again";
    EXPECT_EQ(second.at("/nowhere").hits, 1);

    EXPECT_EQ(migrated().map_version(), 1) << "misses are not part of the map";
    (void)connection.await_notification(1, 0);
    EXPECT_TRUE(listener.m_payloads.empty())
        << "recording misses announced map version " << listener.m_payloads.front();
    EXPECT_EQ(migrated().stats().misses, 3);
}

TEST_F(store_test, record_misses_skips_what_postgresql_cannot_store_and_cuts_long_targets)
{
    std::string const long_target = "/" + std::string(4095, 'x');
    // An é (two bytes) straddling the cut: the cut goes before it, never through it.
    std::string const long_utf8 = "/" + std::string(forumgate::store::MAX_MISS_TARGET_BYTES - 2, 'y') + "\xC3\xA9zz";
    migrated().record_misses({{"/bad\xFF", "unknown_shape", 1},
                              {std::string{"/nul\0byte", 9}, "unknown_shape", 1},
                              {"/no-hits", "unknown_shape", 0},
                              {long_target, "unknown_shape", 2},
                              {long_utf8, "unknown_shape", 1},
                              {"/fine", "unknown_id", 1}});
    auto const misses = read_misses(m_db.conninfo());
    ASSERT_EQ(misses.size(), 3U);
    EXPECT_EQ(misses.count("/fine"), 1U);
    EXPECT_EQ(misses.at(long_target.substr(0, forumgate::store::MAX_MISS_TARGET_BYTES)).hits, 2);
    EXPECT_EQ(misses.count(long_utf8.substr(0, forumgate::store::MAX_MISS_TARGET_BYTES - 1)), 1U);
    migrated().record_misses({});
    EXPECT_EQ(migrated().stats().misses, 3);
}

// ---------------------------------------------------------------------------------------------
// Snapshot files

/// Old URLs of every kind against the sample map: mapped, gone, unknown, renamed, rules, site
/// pages, hostile.
std::vector<forumgate::mappings::request> sample_requests()
{
    using forumgate::base::base62_from_sha1;
    static std::vector<std::string> const targets = {
        "/t/agm-2023-minutes/774",
        "/t/agm-2023-minutes/774/2",
        "/t/agm-2023-minutes/774/3",
        "/t/774/last",
        "/t/agm-2023-minutes/774?page=2",
        "/t/proposal-food-co-op/775",
        "/t/board-only-budget-draft/776",
        "/t/spam-topic/777",
        "/t/778",
        "/t/agm-2023-minutes",
        "/t/board-only-budget-draft",
        "/t/774.json",
        "/p/9001",
        "/p/9002",
        "/posts/9003",
        "/p/9999",
        "/raw/774/2",
        "/c/general/5",
        "/c/working-groups/housing",
        "/c/housing/7",
        "/c/board/9",
        "/c/nowhere",
        "/u/Alice_Old",
        "/u/ALICE_OLD/activity",
        "/u/gone_user",
        "/u/someone-else",
        "/u/bob%20%22the%20builder%22",
        "/tag/housing",
        "/tag/Housing",
        "/tag/retired-tag",
        "/tags/other",
        "/uploads/default/original/1X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png",
        "/uploads/default/optimized/1X/0a4d55a8d778e5022fab701977c5d840bbc486d0_2_690x500.png",
        "/uploads/default/original/1X/1b5e66b9e889f6133fbc812a88d951f1cc597e1f.pdf",
        "/uploads/default/original/1X/2c6f77cafa9a07244acd923b99ea62f2dd6a8f2a.jpg",
        "/uploads/short-url/" + base62_from_sha1("0a4d55a8d778e5022fab701977c5d840bbc486d0") + ".png",
        "/uploads/default/original/1X/ffffffffffffffffffffffffffffffffffffffff.png",
        "/index.php?board=1,2",
        "/forum/x",
        "/latest",
        "/about",
        "/nowhere/at/all",
        "/%zz",
        "/t/x\tz/774"};
    std::vector<forumgate::mappings::request> out;
    for (auto const &target : targets) {
        out.push_back({"", target});
        out.push_back({"www.cooperationbirmingham.org.uk", target});
    }
    out.push_back({"evil.example", "/t/agm-2023-minutes/774"});
    return out;
}

/// \return the decision for each request, as one comparable line each.
std::vector<std::string> decisions(snapshot const &map)
{
    std::vector<std::string> out;
    for (auto const &req : sample_requests()) {
        auto const d = forumgate::mappings::resolve(req, map);
        out.push_back(std::string{req.host} + " " + std::string{req.target} + " -> " + std::to_string(d.status) + " " +
                      std::string{to_string(d.what)} + " " + std::string{to_string(d.why)} + " " + d.location);
    }
    return out;
}

void expect_same_snapshot(snapshot const &from_file, snapshot const &from_store)
{
    EXPECT_EQ(from_file.version(), from_store.version());
    EXPECT_EQ(from_file.settings().new_base, from_store.settings().new_base);
    EXPECT_EQ(from_file.settings().old_hosts, from_store.settings().old_hosts);
    EXPECT_EQ(from_file.settings().upload_hosts, from_store.settings().upload_hosts);
    auto const a = from_file.size();
    auto const b = from_store.size();
    EXPECT_EQ(a.topics, b.topics);
    EXPECT_EQ(a.posts, b.posts);
    EXPECT_EQ(a.categories, b.categories);
    EXPECT_EQ(a.users, b.users);
    EXPECT_EQ(a.tags, b.tags);
    EXPECT_EQ(a.uploads, b.uploads);
    EXPECT_EQ(a.rules, b.rules);
    EXPECT_EQ(decisions(from_file), decisions(from_store));
}

std::size_t count_lines(std::string_view text)
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(store_test, a_snapshot_file_gives_the_same_snapshot_as_the_store)
{
    (void)load_sample();
    temp_dir dir;
    fs::path const file = dir.path() / "map.snapshot";
    migrated().write_snapshot_file(file);
    std::string const content = read_file(file);
    EXPECT_TRUE(content.starts_with("forumgate-snapshot 1\n"
                                    "version 1\n"
                                    "new_base https://forum.brum.coop\n"
                                    "old_host forum.cooperationbirmingham.org.uk\n"
                                    "old_host www.cooperationbirmingham.org.uk\n"
                                    "upload_host cdn.brum.coop\n"
                                    "table topics old_id,old_slug,new_id,new_slug,restricted 4\n"))
        << content;
    EXPECT_NE(content.find("\n776\tboard-only-budget-draft\t1776\tboard-only-budget-draft\tt\n"), std::string::npos)
        << content;
    EXPECT_NE(content.find("\n777\tspam-topic\t\\N\t\tf\n"), std::string::npos) << content;
    EXPECT_NE(content.find("\ntable rules pattern,replacement,kind 2\n"), std::string::npos) << content;
    EXPECT_TRUE(content.ends_with("\nend\n"));

    auto const from_store = migrated().load_snapshot();
    auto const from_file = forumgate::store::read_snapshot_file(file);
    expect_same_snapshot(*from_file, *from_store);
    // Not vacuous: the sample gives redirects, 410s and 404s.
    auto const all = decisions(*from_file);
    auto const has = [&](std::string_view part) {
        return std::any_of(all.begin(), all.end(),
                           [&](std::string const &d) { return d.find(part) != std::string::npos; });
    };
    EXPECT_TRUE(
        has(" /t/agm-2023-minutes/774/3 -> 301 redirect mapped https://forum.brum.coop/t/agm-2023-minutes/1774/2"));
    EXPECT_TRUE(has("-> 410 gone not_migrated"));
    EXPECT_TRUE(has("-> 404 not_found unknown_id"));

    // Written again over the old one, after a change: the new version, and no temporary file left.
    dir.write("tags.csv", "old_name,new_name\nhousing,homes\n");
    (void)migrated().load_csv(dir.path(), std::nullopt);
    migrated().write_snapshot_file(file);
    auto const changed = forumgate::store::read_snapshot_file(file);
    EXPECT_EQ(changed->version(), 2);
    EXPECT_EQ(changed->find_tag("housing")->new_name, "homes");
    std::vector<std::string> names;
    for (auto const &entry : fs::directory_iterator{dir.path()}) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"map.snapshot", "tags.csv"}));
}

TEST_F(store_test, an_empty_map_makes_a_snapshot_file_too)
{
    migrated().set_settings(brum_settings());
    temp_dir dir;
    migrated().write_snapshot_file(dir.path() / "empty.snapshot");
    auto const from_file = forumgate::store::read_snapshot_file(dir.path() / "empty.snapshot");
    expect_same_snapshot(*from_file, *migrated().load_snapshot());
    EXPECT_EQ(from_file->size().topics, 0U);
}

TEST_F(store_test, write_snapshot_file_needs_settings_and_a_writable_place)
{
    temp_dir dir;
    std::string const message =
        message_of<input_error>([&] { migrated().write_snapshot_file(dir.path() / "x.snapshot"); });
    EXPECT_NE(message.find("no site settings yet"), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(dir.path() / "x.snapshot"));
    migrated().set_settings(brum_settings());
    std::string const unwritable =
        message_of<input_error>([&] { migrated().write_snapshot_file(dir.path() / "no-such-dir" / "x.snapshot"); });
    EXPECT_NE(unwritable.find("cannot be written"), std::string::npos) << unwritable;
}

TEST_F(store_test, text_with_tabs_line_breaks_and_backslashes_survives_a_snapshot_file)
{
    temp_dir dir;
    dir.write("topics.csv", "old_id,old_slug,new_id,new_slug\n"
                            "1,back\\slash\ttab,2,\"two\nlines\r\nand \"\"quotes\"\"\"\n"
                            "3,\\N,4,\\\\N\n"
                            "5,end,6,table x\n");
    dir.write("users.csv", "old_username,new_username\n\"tab\tuser\",\"new\\\\name\"\n");
    (void)migrated().load_csv(dir.path(), brum_settings());
    fs::path const file = dir.path() / "map.snapshot";
    migrated().write_snapshot_file(file);
    auto const snap = forumgate::store::read_snapshot_file(file);
    EXPECT_EQ(snap->new_slug(*snap->find_topic(1)), "two\nlines\r\nand \"quotes\"");
    EXPECT_EQ(snap->new_slug(*snap->find_topic(3)), "\\\\N") << "not mistaken for NULL";
    EXPECT_EQ(snap->find_topic_by_slug("back\\slash\ttab"), snap->find_topic(1));
    EXPECT_EQ(snap->find_topic_by_slug("\\n"), snap->find_topic(3)) << "old slug \\N, looked up in lower case";
    EXPECT_EQ(snap->new_slug(*snap->find_topic(5)), "table x");
    ASSERT_NE(snap->find_user("tab\tuser"), nullptr);
    EXPECT_EQ(snap->find_user("tab\tuser")->new_name, "new\\\\name");
    expect_same_snapshot(*snap, *migrated().load_snapshot());
}

TEST_F(store_test, a_cut_snapshot_file_is_refused_with_file_and_line)
{
    (void)load_sample();
    temp_dir dir;
    fs::path const file = dir.path() / "map.snapshot";
    migrated().write_snapshot_file(file);
    std::string const content = read_file(file);
    std::string const name = file.string();
    auto const read = [&] { (void)forumgate::store::read_snapshot_file(file); };
    auto const lines = count_lines(content);

    // Without the last row and the end line.
    auto const cut_two = content.substr(0, content.rfind('\n', content.rfind('\n', content.size() - 2) - 1) + 1);
    forumgate::testing::write_file(file, cut_two);
    EXPECT_EQ(message_of<input_error>(read),
              fmt::format("{}:{}: the file ends after 1 of the 2 rows of table rules (line {}): it was cut short", name,
                          lines - 1, lines - 3));

    // Without the end line.
    forumgate::testing::write_file(file, content.substr(0, content.size() - 4));
    EXPECT_EQ(message_of<input_error>(read),
              fmt::format("{}:{}: the file ends without its end line: it was cut short", name, lines));

    // Cut in the middle of a line.
    forumgate::testing::write_file(file, content.substr(0, content.size() - 2));
    EXPECT_EQ(message_of<input_error>(read),
              fmt::format("{}:{}: the last line ends without a line feed: the file was cut short", name, lines));

    // Cut in the header.
    forumgate::testing::write_file(file, "forumgate-snapshot 1\nversion 1\n");
    EXPECT_EQ(message_of<input_error>(read), fmt::format("{}:3: the file ends in its header: it was cut short", name));

    // A table line that promises more rows than follow.
    // Line 12 is the posts table line, announcing 5 rows.
    std::string const posts_line =
        "\ntable posts old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number,hidden 5\n";
    ASSERT_NE(content.find(posts_line), std::string::npos) << content;
    std::string more = content;
    more[more.find(posts_line) + posts_line.size() - 2] = '6';
    forumgate::testing::write_file(file, more);
    EXPECT_EQ(message_of<input_error>(read),
              fmt::format("{}:18: table posts (line 12) has 5 rows, not the 6 its table line says", name));
    // And fewer.
    std::string fewer = content;
    fewer[fewer.find(posts_line) + posts_line.size() - 2] = '4';
    forumgate::testing::write_file(file, fewer);
    EXPECT_EQ(message_of<input_error>(read),
              fmt::format("{}:17: table posts (line 12) has more rows than the 4 its table line says", name));
}

TEST_F(store_test, a_file_that_is_not_a_snapshot_is_refused_clearly)
{
    temp_dir dir;
    auto const read = [&](std::string const &content) {
        fs::path const file = dir.write("map.snapshot", content);
        return message_of<input_error>([&] { (void)forumgate::store::read_snapshot_file(file); });
    };
    std::string const name = (dir.path() / "map.snapshot").string();
    std::string const not_a_snapshot =
        "not a forumgate snapshot file (its first line would be \"forumgate-snapshot 1\")";
    EXPECT_EQ(read("old_id,old_slug,new_id,new_slug\n774,a,1774,a\n"), name + ":1: " + not_a_snapshot);
    EXPECT_EQ(read(""), name + ":1: the file is empty, " + not_a_snapshot);
    EXPECT_EQ(read(std::string(100, '\0')), name + ":1: " + not_a_snapshot) << "no line feed at all";
    EXPECT_EQ(read("forumgate-snapshot 2\n"),
              name + ":1: snapshot format '2' is not one this forumgate reads (it reads 1): "
                     "written by another version of forumgate?");
    std::string const missing = (dir.path() / "missing.snapshot").string();
    std::string const not_there =
        message_of<input_error>([&] { (void)forumgate::store::read_snapshot_file(dir.path() / "missing.snapshot"); });
    EXPECT_EQ(not_there, missing + ": cannot be opened: No such file or directory");
}

TEST_F(store_test, a_snapshot_file_with_a_bad_line_is_refused_with_file_and_line)
{
    temp_dir dir;
    std::string const name = (dir.path() / "map.snapshot").string();
    auto const read = [&](std::string const &content) {
        fs::path const file = dir.write("map.snapshot", content);
        return message_of<input_error>([&] { (void)forumgate::store::read_snapshot_file(file); });
    };
    std::string const header = "forumgate-snapshot 1\nversion 3\nnew_base https://forum.brum.coop\n"
                               "old_host forum.cooperationbirmingham.org.uk\n";
    std::string const topics = "table topics old_id,old_slug,new_id,new_slug,restricted 1\n";
    std::string const rest =
        "table posts old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number,hidden 0\n"
        "table categories old_id,old_slug_path,new_id,new_slug_path,restricted 0\n"
        "table users old_username,new_username 0\ntable tags old_name,new_name 0\n"
        "table uploads old_path,new_url 0\ntable rules pattern,replacement,kind 0\nend\n";
    // The good file first, so that each failure below is the one line changed.
    std::string const row = "774\ta\t1774\tb\tf\n";
    auto const good = forumgate::store::read_snapshot_file(dir.write("map.snapshot", header + topics + row + rest));
    EXPECT_EQ(good->version(), 3);
    EXPECT_EQ(good->new_slug(*good->find_topic(774)), "b");

    EXPECT_EQ(read(header + topics + "x774\ta\t1774\tb\tf\n" + rest),
              name + ":6: table topics: old_id 'x774' is not a number");
    EXPECT_EQ(read(header + topics + "774\ta\t1774\tb\n" + rest),
              name + ":6: table topics: a row with 4 fields instead of 5 (old_id,old_slug,new_id,new_slug,restricted)");
    EXPECT_EQ(read(header + topics + "774\ta\t1774\tb\tyes\n" + rest),
              name + ":6: table topics: restricted 'yes' is neither t nor f");
    EXPECT_EQ(read(header + topics + "774\ta\t99999999999\tb\tf\n" + rest),
              name + ":6: table topics: topic 774: id 99999999999 is out of range (1 to 4294967295)");
    EXPECT_EQ(read(header + "table topics old_id,old_slug 1\n"),
              name + ":5: table topics has the columns 'old_id,old_slug', but this forumgate reads "
                     "old_id,old_slug,new_id,new_slug,restricted");
    EXPECT_EQ(
        read(header + "table threads old_id 1\n"),
        name + ":5: unknown table 'threads' (the tables are topics, posts, categories, users, tags, uploads, rules)");
    EXPECT_EQ(read(header + topics + row + topics + "775\ta\t1775\tb\tf\n" + rest),
              name + ":7: table topics appears twice");
    EXPECT_EQ(read(header + topics + row + "end\n"), name + ":7: no table posts before the end line");
    EXPECT_EQ(read(header + topics + row + rest + "more\n"), name + ":14: more lines after the end line");
    EXPECT_EQ(read(header + topics + row + "stray line\n" + rest),
              name + ":7: 'stray line' is neither a table line nor the end line");
    EXPECT_EQ(read(header + "colour blue\n" + topics),
              name +
                  ":5: unknown header line 'colour blue' (expected version, new_base, old_host, upload_host or table)");
    EXPECT_EQ(read("forumgate-snapshot 1\nnew_base https://forum.brum.coop\nold_host a.example\n" + topics),
              name + ":4: no version line before the first table");
    EXPECT_EQ(read("forumgate-snapshot 1\nversion 1\nversion 2\n"), name + ":3: version already on line 2");
    EXPECT_EQ(read("forumgate-snapshot 1\nversion -1\n"), name + ":2: version '-1' is not a number");
    EXPECT_TRUE(read("forumgate-snapshot 1\nversion 1\nnew_base ftp://x\nold_host a.example\n" + topics)
                    .starts_with(name + ":3: the settings are unusable: "));
    // Clashing rows are found when the whole map is built: the file is named, not a line.
    std::string const two_topics = "table topics old_id,old_slug,new_id,new_slug,restricted 2\n";
    EXPECT_EQ(read(header + two_topics + row + "774\tc\t1775\td\tf\n" + rest),
              name + ": topic 774 appears more than once");
}

// ---------------------------------------------------------------------------------------------
// Connection strings

TEST(conninfo, describe_never_shows_the_password)
{
    using forumgate::pg::describe_conninfo;
    EXPECT_EQ(describe_conninfo("host=/tmp/pg port=5432 dbname=forum user=bob password=hunter2"),
              "host=/tmp/pg port=5432 dbname=forum user=bob");
    EXPECT_EQ(describe_conninfo("postgresql://bob:hunter2@db.example:5433/forum?sslmode=require"),
              "host=db.example port=5433 dbname=forum user=bob");
    EXPECT_EQ(describe_conninfo("dbname='my forum' password='hunter2'"), "dbname='my forum'");
    EXPECT_EQ(describe_conninfo("host='unterminated password=hunter2"), "an unparsable connection string");
}

TEST(conninfo, with_database_replaces_only_the_database)
{
    using forumgate::pg::describe_conninfo;
    using forumgate::pg::with_database;
    std::string const keyword_value =
        with_database("host=/tmp/pg dbname=postgres password='a b\\'c' sslmode=disable", "forumgate-test");
    EXPECT_EQ(describe_conninfo(keyword_value), "host=/tmp/pg dbname=forumgate-test");
    EXPECT_NE(keyword_value.find("password='a b\\'c'"), std::string::npos) << "other settings are kept";
    EXPECT_NE(keyword_value.find("sslmode=disable"), std::string::npos);

    std::string const from_uri = with_database("postgresql://bob@db.example:5433/forum?application_name=fg", "my map");
    EXPECT_EQ(describe_conninfo(from_uri), "host=db.example port=5433 dbname='my map' user=bob");
    EXPECT_NE(from_uri.find("application_name=fg"), std::string::npos);

    EXPECT_EQ(describe_conninfo(with_database("", "x")), "dbname=x");
    EXPECT_THROW((void)with_database("host='unterminated", "x"), argument_error);
}

TEST_F(store_test, a_failed_connection_names_the_database_but_not_the_password)
{
    std::string const server = forumgate::pg::with_database(m_db.conninfo(), "no-such-database");
    std::string const message = message_of<database_error>([&] { database s{server + " password=hunter2"}; });
    EXPECT_TRUE(message.starts_with("connecting to ")) << message;
    EXPECT_NE(message.find("dbname=no-such-database"), std::string::npos) << message;
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}

} // namespace
