// Snapshots against a real PostgreSQL: from the store, and from snapshot files written from it.

#include "tests/store/store_fixture.hpp"

namespace forumgate::store::store_tests {
namespace {

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
    EXPECT_NE(message.find("is empty: fill it with `forumgate import`"), std::string::npos) << message;
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
    temp_dir dir;
    fs::path const file = write_sample_snapshot(dir);
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
    EXPECT_NE(message.find("is empty: fill it with `forumgate import`"), std::string::npos) << message;
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
    temp_dir dir;
    fs::path const file = write_sample_snapshot(dir);
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
    EXPECT_EQ(not_there, missing + ": cannot open: No such file or directory");
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
    // What the store could never hold: text that is not UTF-8 (PostgreSQL refuses it), a rule
    // whose replacement names a group its pattern lacks. Once accepted by the reader.
    EXPECT_EQ(read(header + topics + "774\ta\xff\t1774\tb\tf\n" + rest),
              name + ":6: table topics: the row is not UTF-8 text (a store holds only UTF-8)");
    std::string const rules_before = rest.substr(0, rest.find("table rules"));
    // In the file, `\\` is one backslash (COPY's escaping): the replacement is /t/\9.
    std::string const bad_rule = "table rules pattern,replacement,kind 1\n^/old/(\\\\d+)$\t/t/\\\\9\tredirect\nend\n";
    auto const refused = read(header + topics + row + rules_before + bad_rule);
    EXPECT_TRUE(refused.starts_with(name + ":13: table rules: rule")) << refused;
    EXPECT_NE(refused.find("\\9"), std::string::npos) << refused;
    // Clashing rows are found when the whole map is built: the file is named, not a line.
    std::string const two_topics = "table topics old_id,old_slug,new_id,new_slug,restricted 2\n";
    EXPECT_EQ(read(header + two_topics + row + "774\tc\t1775\td\tf\n" + rest),
              name + ": topic 774 appears more than once");
}

// The defect: a server without a store (serve --snapshot FILE) read the whole file again on
// every reload, holding two maps while it built the second. Compared with the file, a reload
// keeps the map and layers only the keys whose rows differ.
TEST_F(store_test, a_reload_compared_with_a_snapshot_file_keeps_the_map_and_layers_what_differs)
{
    temp_dir dir;
    fs::path const file = write_sample_snapshot(dir);
    auto const first = forumgate::store::read_snapshot_file(file);
    auto const unchanged = forumgate::store::compare_with_snapshot_file(first, file);
    EXPECT_EQ(unchanged.map, first) << unchanged.whole_map_reason;
    EXPECT_EQ(unchanged.rows_read, 0U);

    // A renamed topic, and a post gone (topic 775's only one: found by counting each topic's
    // posts in the file).
    change_store(m_db, {"UPDATE forumgate.topics SET new_slug = 'renamed-again' WHERE old_id = 774",
                        "DELETE FROM forumgate.posts WHERE old_id = 9004"});
    migrated().write_snapshot_file(file);
    auto const compared = forumgate::store::compare_with_snapshot_file(first, file);
    ASSERT_TRUE(compared.map) << compared.whole_map_reason;
    EXPECT_EQ(compared.map->below(), first);
    EXPECT_EQ(compared.map->kind(), snapshot::level::small_layer);
    EXPECT_EQ(compared.map->keys().topics, (std::vector<std::uint32_t>{774, 775}));
    EXPECT_EQ(compared.rows_read, 5U) << "topics 774 and 775, and 774's three posts";
    expect_same_snapshot(*compared.map, *forumgate::store::read_snapshot_file(file));
    EXPECT_EQ(forumgate::mappings::resolve({"", "/t/x/774"}, *compared.map).location,
              "https://forum.brum.coop/t/renamed-again/1774");
    EXPECT_EQ(compared.map->find_post(9004), nullptr);
    // Compared again: nothing differs.
    EXPECT_EQ(forumgate::store::compare_with_snapshot_file(compared.map, file).map, compared.map);
}

// A comparison accepts only what a whole read of the file accepts: otherwise a reload would
// serve a file that the next start refuses.
TEST_F(store_test, a_snapshot_file_compared_is_refused_where_a_whole_read_refuses_it)
{
    temp_dir dir;
    fs::path const file = write_sample_snapshot(dir);
    auto const first = forumgate::store::read_snapshot_file(file);
    std::string const content = read_file(file);
    auto const compare = [&](std::string const &text) {
        dir.write("map.snapshot", text);
        return message_of<input_error>([&] {
            auto const compared = forumgate::store::compare_with_snapshot_file(first, file);
            if (!compared.map) {
                throw input_error{"no layer: " + compared.whole_map_reason};
            }
        });
    };
    auto const whole = [&] {
        return message_of<input_error>([&] { (void)forumgate::store::read_snapshot_file(file); });
    };

    // A topic row given twice, the same both times: the map has that row, so only a check for
    // repeated rows tells.
    auto const at = content.find("\n774\t") + 1;
    std::string const row = content.substr(at, content.find('\n', at) + 1 - at);
    std::string repeated = content;
    repeated.insert(at, row);
    auto const count_at = repeated.find(",restricted 4\n") + std::string_view{",restricted "}.size();
    repeated.replace(count_at, 1, "5");
    std::string const refused = compare(repeated); // written first, then read whole
    EXPECT_EQ(refused, whole());
    EXPECT_EQ(refused, file.string() + ": topic 774 appears more than once");

    // A bad row, and unusable settings: the same file and line as a whole read gives.
    std::string bad = content;
    bad.replace(bad.find("\n774\t") + 1, 3, "x74");
    std::string const bad_row = compare(bad);
    EXPECT_EQ(bad_row, whole());
    EXPECT_NE(bad_row.find(".snapshot:8: table topics: old_id 'x74' is not a number"), std::string::npos) << bad_row;
    std::string unusable = content;
    unusable.replace(unusable.find("new_base https://"), 16, "new_base ftp://");
    std::string const bad_settings = compare(unusable);
    EXPECT_EQ(bad_settings, whole());
    EXPECT_NE(bad_settings.find(".snapshot:3: the settings are unusable"), std::string::npos) << bad_settings;
}

} // namespace
} // namespace forumgate::store::store_tests
