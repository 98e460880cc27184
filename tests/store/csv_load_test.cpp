// Map files against a real PostgreSQL: loading every kind, the checks with file and line, and
// export.

#include "tests/store/store_fixture.hpp"

namespace forumgate::store::store_tests {
namespace {

/// A folder of map files that the tests write one by one, loading the folder after each into
/// `store` with `settings` (or, with none, those of its settings.csv).
struct csv_folder
{
    /// Writes `content` to the file `name` and loads the folder. \return the message of the
    /// input_error the load throws (a test failure if it throws none).
    std::string refusal(std::string const &name, std::string const &content) const
    {
        dir.write(name, content);
        return message_of<input_error>([this] { (void)store.load_csv(dir.path(), settings); });
    }
    void remove(std::string const &name) const { fs::remove(dir.path() / name); }

    database &store;
    std::optional<site_settings> settings;
    temp_dir dir{};
};

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
    csv_folder csv{migrated(), brum_settings()};
    EXPECT_EQ(csv.refusal("topics.csv", "old_id,old_slug,new_id\n774,a,1774\n"),
              "topics.csv:1: missing column new_slug");
    EXPECT_EQ(csv.refusal("topics.csv", "old_id,old_slug,new_id,new_slug,colour\n774,a,1774,a,red\n"),
              "topics.csv:1: unknown column colour (the columns are old_id,old_slug,new_id,new_slug,restricted)");
    EXPECT_EQ(csv.refusal("topics.csv", "old_id,old_slug,new_id,new_slug,old_id\n"),
              "topics.csv:1: column old_id appears twice");
    EXPECT_TRUE(csv.refusal("topics.csv", "").starts_with("topics.csv:1: the file is empty"));
    EXPECT_EQ(csv.refusal("topics.csv", "old_id,old_slug,new_id,new_slug\n774,a,1774\n"),
              "topics.csv:2: 3 fields, but the first line names 4 columns");
}

TEST_F(store_test, refuses_duplicate_keys_with_both_lines)
{
    csv_folder csv{migrated(), brum_settings()};
    EXPECT_EQ(
        csv.refusal("topics.csv", "old_id,old_slug,new_id,new_slug\n774,a,1774,a\n775,b,1775,b\n\"774\",c,1776,c\n"),
        "topics.csv:4: topic 774 already on line 2");
    csv.remove("topics.csv");
    EXPECT_EQ(csv.refusal("users.csv", "old_username,new_username\nAlice,alice\nbob,bob\nALICE,alice2\n"),
              "users.csv:4: user ALICE already on line 2");
    csv.remove("users.csv");
    EXPECT_EQ(csv.refusal("posts.csv", "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number\n"
                                       "9101,800,1,,,\n9102,800,2,,,\n9101,801,1,,,\n"),
              "posts.csv:4: post 9101 already on line 2");
}

TEST_F(store_test, refuses_bad_values_with_file_and_line)
{
    csv_folder csv{migrated(), brum_settings()};
    std::string const posts_header = "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number,hidden\n";
    struct refused_posts
    {
        std::string rows;
        std::string message;
    };
    for (auto const &[rows, message] : std::vector<refused_posts>{
             {"9001,774,1,,,,\n9002,774,2,,,,maybe\n", "posts.csv:3: hidden 'maybe' is not true or false"},
             {"9001,774,1,,,,\n9002,774,-2,,,,\n", "posts.csv:3: old_post_number '-2' is not a number"},
             {"9001,774, 1,,,,\n", "posts.csv:2: old_post_number ' 1' is not a number"},
             {"4294967296,774,1,,,,\n", "posts.csv:2: old_id '4294967296' is out of range (1 to 4294967295)"},
             {"9001,774,2147483648,,,,\n",
              "posts.csv:2: old_post_number '2147483648' is out of range (1 to 2147483647)"},
             // The snapshot builder's own check, with file and line in front.
             {"9001,774,1,19001,,,\n",
              "posts.csv:2: post 9001: a migrated post needs its new topic id and new post number"}}) {
        EXPECT_EQ(csv.refusal("posts.csv", posts_header + rows), message) << rows;
    }
    csv.remove("posts.csv");

    std::string const bad_slug = csv.refusal("topics.csv", "old_id,old_slug,new_id,new_slug\n774,bad\xFF,1774,a\n");
    EXPECT_TRUE(bad_slug.starts_with("topics.csv:2: old_slug 'bad")) << bad_slug;
    csv.remove("topics.csv");

    EXPECT_EQ(csv.refusal("uploads.csv", "old_path,new_url\n"
                                         "/uploads/default/original/1X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png,\n"
                                         "upload://not-base62!.png,/uploads/x.png\n"),
              "uploads.csv:3: upload upload://not-base62!.png: not a valid short URL");
    EXPECT_TRUE(csv.refusal("uploads.csv", "old_path,new_url\n/uploads/a.png,https://evil.example/a.png\n")
                    .starts_with("uploads.csv:2: upload /uploads/a.png: new URL host 'evil.example'"));
    csv.remove("uploads.csv");

    EXPECT_TRUE(csv.refusal("rules.csv", "pattern,replacement,kind\n^/a$,/b,\n(unclosed,/c,redirect\n")
                    .starts_with("rules.csv:3: rule '(unclosed'"));
    EXPECT_EQ(csv.refusal("rules.csv", "pattern,replacement,kind\n^/a$,/b,sometimes\n"),
              "rules.csv:2: kind 'sometimes' is neither redirect nor rewrite");
    csv.remove("rules.csv");

    csv_folder own_settings{migrated(), std::nullopt};
    EXPECT_EQ(own_settings.refusal("settings.csv", "key,value\nnew_base,https://forum.brum.coop\nold_hosts,x\n"),
              "settings.csv:3: unknown key 'old_hosts' (the keys are new_base, old_host and upload_host)");
    EXPECT_EQ(migrated().stats().version, 0) << "nothing was stored";
}

TEST_F(store_test, explains_clashing_post_numbers)
{
    (void)load_sample();
    csv_folder csv{migrated(), std::nullopt};
    std::string const header = "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number\n";
    EXPECT_EQ(csv.refusal("posts.csv", header + "9101,800,1,,,\n9102,800,1,,,\n"),
              "posts.csv:3: post 9102: topic 800 post number 1 is already post 9101 on line 2");
    EXPECT_EQ(csv.refusal("posts.csv", header + "9100,774,1,,,\n"),
              "posts.csv:2: post 9100: topic 774 post number 1 is already post 9001 in the map");
    EXPECT_EQ(migrated().stats().posts, 5);

    // Renumbering within one load is fine: 9001 and 9003 swap numbers.
    csv.dir.write("posts.csv", header + "9001,774,3,19001,1774,1\n9003,774,1,19002,1774,2\n");
    auto const result = migrated().load_csv(csv.dir.path(), std::nullopt);
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

} // namespace
} // namespace forumgate::store::store_tests
