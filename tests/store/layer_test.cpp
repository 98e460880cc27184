// Changes applied in place against a real PostgreSQL: after every change a map brought up to date
// by layers answers every URL exactly as a map read whole at the same version does.

#include "base/digest.hpp"
#include "tests/store/store_fixture.hpp"

#include <random>
#include <set>

namespace forumgate::store::store_tests {
namespace {

using mappings::decision;
using mappings::request;
using mappings::resolve;

constexpr std::string_view OLD_HOST = "forum.cooperationbirmingham.org.uk";

/// Represents a random sequence of changes to the map, in the shapes an import and a map load
/// make: topics with posts added, renamed, made restricted, removed; posts moved, hidden,
/// renumbered; users, tags, uploads and categories added, renamed, removed.
class random_changes
{
public:
    random_changes(std::string conninfo, unsigned seed) : m_conninfo{std::move(conninfo)}, m_random{seed} {}

    /// One transaction of one to three changes.
    void step()
    {
        pqxx::connection c{m_conninfo};
        pqxx::work txn{c};
        int const changes = pick(1, 3);
        for (int i = 0; i < changes; ++i) {
            change(txn);
        }
        txn.commit();
    }

    /// Every URL whose answer a change could move.
    [[nodiscard]] std::vector<std::string> urls() const
    {
        std::vector<std::string> out;
        for (int id = 1; id <= MAX_TOPIC + 2; ++id) {
            out.push_back(fmt::format("/t/x/{}", id));
            for (int n = 1; n <= MAX_POSTS + 3; ++n) {
                out.push_back(fmt::format("/t/x/{}/{}", id, n));
            }
            out.push_back(fmt::format("/t/x/{}?page=2", id));
        }
        for (int id = 1; id <= MAX_TOPIC * 10 + MAX_POSTS + 2; ++id) {
            out.push_back(fmt::format("/p/{}", id));
        }
        for (auto const &slug : SLUGS) {
            out.push_back(fmt::format("/t/{}", slug));
        }
        for (int i = 0; i < NAMES; ++i) {
            out.push_back(fmt::format("/u/Person{}", i));
            out.push_back(fmt::format("/tag/topic-{}", i));
        }
        for (int id = 1; id <= 4; ++id) {
            out.push_back(fmt::format("/wiki/{}", id));
        }
        for (int id = 1; id <= 8; ++id) {
            out.push_back(fmt::format("/c/group-{}/{}", id, id));
            out.push_back(fmt::format("/c/group-{}", id));
        }
        for (int i = 0; i < NAMES; ++i) {
            out.push_back(fmt::format("/uploads/default/original/1X/{}.png", sha1(i)));
            out.push_back(fmt::format("/uploads/default/optimized/1X/{}_2_690x388.png", sha1(i)));
        }
        return out;
    }

private:
    static constexpr int MAX_TOPIC = 60;
    static constexpr int MAX_POSTS = 6;
    static constexpr int NAMES = 12;
    // Few slugs, so that topics share them (the lowest old id wins a shared slug).
    static constexpr std::array<std::string_view, 5> SLUGS{"minutes", "agm", "welcome", "votes", "ideas"};

    static std::string sha1(int i) { return base::sha1_hex(fmt::format("upload {}", i)); }

    int pick(int low, int high) { return std::uniform_int_distribution<int>{low, high}(m_random); }
    bool chance(int percent) { return pick(1, 100) <= percent; }

    void change(pqxx::work &txn)
    {
        int const topic = pick(1, MAX_TOPIC);
        int const what = pick(1, 100);
        if (what <= 35) {
            put_topic(txn, topic);
        } else if (what <= 45) {
            txn.exec(fmt::format("DELETE FROM forumgate.posts WHERE old_topic_id = {0}; DELETE FROM forumgate.topics "
                                 "WHERE old_id = {0}",
                                 topic));
        } else if (what <= 55) {
            // A post moves to another topic, under a number that topic does not use.
            txn.exec(fmt::format("UPDATE forumgate.posts SET old_topic_id = {0}, old_post_number = {1} WHERE old_id = "
                                 "{2} AND NOT EXISTS (SELECT FROM forumgate.posts WHERE old_topic_id = {0} AND "
                                 "old_post_number = {1})",
                                 topic, pick(MAX_POSTS + 1, MAX_POSTS + 3), pick(10, MAX_TOPIC * 10 + MAX_POSTS)));
        } else if (what <= 62) {
            txn.exec(fmt::format("UPDATE forumgate.posts SET hidden = NOT hidden, new_post_number = CASE WHEN "
                                 "new_post_number IS NULL THEN NULL ELSE new_post_number + 1 END WHERE old_topic_id = "
                                 "{} AND old_post_number = {}",
                                 topic, pick(1, MAX_POSTS)));
        } else if (what <= 72) {
            rename(txn, "users", "old_username", "new_username", fmt::format("Person{}", pick(0, NAMES - 1)));
        } else if (what <= 80) {
            rename(txn, "tags", "old_name", "new_name", fmt::format("topic-{}", pick(0, NAMES - 1)));
        } else if (what <= 92) {
            put_upload(txn);
        } else if (what <= 96) {
            put_category(txn);
        } else if (what <= 98) {
            put_rule(txn);
        } else {
            // The forum moves under a path and back: every Location changes.
            txn.exec("UPDATE forumgate.settings SET new_base = CASE WHEN new_base LIKE '%/community' THEN "
                     "'https://forum.brum.coop' ELSE 'https://forum.brum.coop/community' END");
        }
    }

    void put_rule(pqxx::work &txn)
    {
        int const position = pick(1, 3);
        if (chance(25)) {
            txn.exec(fmt::format("DELETE FROM forumgate.rules WHERE position = {}", position));
            return;
        }
        // A redirect to a new path, or a rewrite to an old topic resolved again.
        bool const rewrite = chance(50);
        txn.exec(fmt::format("INSERT INTO forumgate.rules VALUES ({0}, '^/wiki/([0-9]+)$', {1}, '{2}') ON CONFLICT "
                             "(position) DO UPDATE SET replacement = excluded.replacement, kind = excluded.kind",
                             position,
                             txn.quote(rewrite ? std::string{"/t/x/\\1"} : fmt::format("/t/wiki-{}/\\1", position)),
                             rewrite ? "rewrite" : "redirect"));
    }

    void put_topic(pqxx::work &txn, int topic)
    {
        bool const migrated = chance(85);
        std::string const new_id = migrated ? std::to_string(1000 + topic + pick(0, 1) * 500) : "NULL";
        txn.exec(fmt::format("INSERT INTO forumgate.topics VALUES ({0}, {1}, {2}, 'new-{3}', {4}) ON CONFLICT "
                             "(old_id) DO UPDATE SET old_slug = excluded.old_slug, new_id = excluded.new_id, new_slug "
                             "= excluded.new_slug, restricted = excluded.restricted",
                             topic, txn.quote(std::string{SLUGS.at(static_cast<std::size_t>(pick(0, 4)))}), new_id,
                             pick(0, 3), chance(15)));
        int const posts = pick(0, MAX_POSTS);
        txn.exec(
            fmt::format("DELETE FROM forumgate.posts WHERE old_topic_id = {} AND old_post_number > {}", topic, posts));
        for (int n = 1; n <= posts; ++n) {
            bool const post_migrated = migrated && chance(85);
            txn.exec(fmt::format(
                "INSERT INTO forumgate.posts VALUES ({0}, {1}, {2}, {3}, {4}, {5}, {6}) ON CONFLICT (old_id) DO UPDATE "
                "SET old_topic_id = excluded.old_topic_id, old_post_number = excluded.old_post_number, new_id = "
                "excluded.new_id, new_topic_id = excluded.new_topic_id, new_post_number = excluded.new_post_number, "
                "hidden = excluded.hidden",
                topic * 10 + n, topic, n, post_migrated ? std::to_string(50000 + topic * 10 + n) : "NULL",
                post_migrated ? new_id : "NULL", post_migrated ? std::to_string(n + pick(0, 1)) : "NULL", chance(10)));
        }
    }

    void rename(pqxx::work &txn, std::string_view table, std::string_view old_column, std::string_view new_column,
                std::string const &name)
    {
        if (chance(25)) {
            txn.exec(
                fmt::format("DELETE FROM forumgate.{} WHERE {}_lower = lower({})", table, old_column, txn.quote(name)));
            return;
        }
        std::string const renamed = chance(20) ? "NULL" : txn.quote(fmt::format("{}-{}", name, pick(0, 9)));
        txn.exec(
            fmt::format("INSERT INTO forumgate.{0} ({1}_lower, {1}, {2}) VALUES (lower({3}), {3}, {4}) ON CONFLICT "
                        "({1}_lower) DO UPDATE SET {2} = excluded.{2}",
                        table, old_column, new_column, txn.quote(name), renamed));
    }

    void put_upload(pqxx::work &txn)
    {
        int const i = pick(0, NAMES - 1);
        std::string const path = chance(50) ? fmt::format("/uploads/default/original/1X/{}.png", sha1(i))
                                            : fmt::format("/uploads/default/optimized/1X/{}_2_690x388.png", sha1(i));
        if (chance(20)) {
            txn.exec(fmt::format("DELETE FROM forumgate.uploads WHERE old_path = {}", txn.quote(path)));
            return;
        }
        txn.exec(fmt::format("INSERT INTO forumgate.uploads VALUES ({0}, {1}) ON CONFLICT (old_path) DO UPDATE SET "
                             "new_url = excluded.new_url",
                             txn.quote(path), txn.quote(fmt::format("/uploads/new/{}-{}.png", i, pick(0, 9)))));
    }

    void put_category(pqxx::work &txn)
    {
        int const id = pick(1, 8);
        txn.exec(fmt::format("INSERT INTO forumgate.categories VALUES ({0}, {1}, {2}, 'new-group-{0}', false) ON "
                             "CONFLICT (old_id) DO UPDATE SET old_slug_path = excluded.old_slug_path, new_id = "
                             "excluded.new_id",
                             id, txn.quote(fmt::format("group-{}", pick(1, 8))), 300 + pick(0, 20)));
    }

    std::string m_conninfo;
    std::mt19937 m_random;
};

std::string answer(decision const &d)
{
    return fmt::format("{} {} {} {}", d.status, to_string(d.why), d.restricted, d.location);
}

struct layer_counts
{
    int small = 0;
    int medium = 0;
    int large = 0;
    int whole = 0;
};

/// How a map is brought up to date after a change.
enum class update
{
    from_change_log, ///< database::apply_changes: the keys the change log names
    by_comparison,   ///< database::compare_with_map: the keys whose rows differ from the map's
    by_file,         ///< compare_with_snapshot_file: the same, with the store's snapshot file
};

/// Runs `steps` random changes, applying each in place (with small bounds, so that layers grow,
/// fold into a large layer, and into the whole map), and compares every answer with the whole
/// map's at the same version.
layer_counts compare_after_each_change(database &store, std::string const &conninfo, unsigned seed, int steps,
                                       update how = update::from_change_log)
{
    random_changes changes{conninfo, seed};
    auto const urls = changes.urls();
    layer_bounds const bounds{15, 60, 200, 8};
    layer_counts counts;
    temp_dir dir;
    auto const file = dir.path() / "map.snapshot";
    auto const apply = [&](std::shared_ptr<snapshot const> const &map) {
        switch (how) {
        case update::from_change_log:
            return store.apply_changes(map, bounds);
        case update::by_comparison:
            return store.compare_with_map(map, bounds);
        case update::by_file:
            store.write_snapshot_file(file);
            return forumgate::store::compare_with_snapshot_file(map, file, bounds);
        }
        return forumgate::store::applied_changes{};
    };
    std::shared_ptr<snapshot const> layered = store.load_snapshot();
    for (int step = 0; step < steps; ++step) {
        changes.step();
        auto applied = apply(layered);
        if (applied.map) {
            auto const kind = applied.map->kind();
            (kind == snapshot::level::large_layer    ? counts.large
             : kind == snapshot::level::medium_layer ? counts.medium
                                                     : counts.small) += 1;
            layered = applied.map;
        } else {
            ++counts.whole;
            layered = store.load_snapshot();
        }
        auto const whole = store.load_snapshot();
        EXPECT_EQ(layered->version(), whole->version()) << "seed " << seed << ", step " << step;
        auto const &a = layered->size();
        auto const &b = whole->size();
        EXPECT_EQ(std::tie(a.topics, a.posts, a.categories, a.users, a.tags, a.uploads, a.rules),
                  std::tie(b.topics, b.posts, b.categories, b.users, b.tags, b.uploads, b.rules))
            << "counts, seed " << seed << ", step " << step;
        int differences = 0;
        for (auto const &url : urls) {
            request const req{OLD_HOST, url};
            std::string const in_place = answer(resolve(req, *layered));
            std::string const read_whole = answer(resolve(req, *whole));
            if (in_place != read_whole && ++differences <= 5) {
                ADD_FAILURE() << "seed " << seed << ", step " << step << ": " << url << "\n  in place:   " << in_place
                              << "\n  whole map:  " << read_whole;
            }
        }
        // Read ahead through the layers (each step looks in every one): the same answers.
        mappings::resolve_each(
            urls.size(), *layered,
            [&](std::size_t i) {
                return request{OLD_HOST, urls[i]};
            },
            [&](std::size_t i, decision const &d) {
                std::string const one = answer(resolve(request{OLD_HOST, urls[i]}, *layered));
                if (answer(d) != one && ++differences <= 5) {
                    ADD_FAILURE() << "seed " << seed << ", step " << step << ": " << urls[i]
                                  << "\n  read ahead: " << answer(d) << "\n  one by one: " << one;
                }
            },
            mappings::read_ahead::always);
        if (differences > 0) {
            break;
        }
    }
    return counts;
}

/// Runs compare_after_each_change for each seed from `first` to `last`, stopping at a failure.
/// \return the layers built, all seeds together; prints them.
layer_counts compare_over_seeds(database &store, std::string const &conninfo, unsigned first, unsigned last, int steps,
                                update how)
{
    layer_counts total;
    for (unsigned seed = first; seed <= last && !::testing::Test::HasFailure(); ++seed) {
        auto const counts = compare_after_each_change(store, conninfo, seed, steps, how);
        total.small += counts.small;
        total.medium += counts.medium;
        total.large += counts.large;
        total.whole += counts.whole;
    }
    std::cout << "small layers " << total.small << ", medium " << total.medium << ", large " << total.large
              << ", whole map " << total.whole << "\n";
    return total;
}

/// Checks that each level of layer, and the whole map, was taken more often than `floors` says.
void expect_every_path(layer_counts const &total, layer_counts const &floors)
{
    if (::testing::Test::HasFailure()) {
        return; // the first difference is the message
    }
    EXPECT_GT(total.small, floors.small);
    EXPECT_GT(total.medium, floors.medium);
    EXPECT_GT(total.large, floors.large);
    EXPECT_GT(total.whole, floors.whole);
}

TEST_F(store_test, changes_applied_in_place_answer_as_the_whole_map_does)
{
    auto &s = migrated();
    s.set_settings(brum_settings());
    // Every path was taken: each level of layer, and the whole map when a layer cannot.
    expect_every_path(compare_over_seeds(s, m_db.conninfo(), 1, 3, 120, update::from_change_log), {50, 10, 5, 0});
}

// A reload compared with the map: the same random changes, each found by comparing every row
// with the map served rather than read from the change log.
TEST_F(store_test, a_reload_compared_with_the_map_answers_as_the_whole_map_does)
{
    auto &s = migrated();
    s.set_settings(brum_settings());
    expect_every_path(compare_over_seeds(s, m_db.conninfo(), 11, 12, 100, update::by_comparison), {30, 5, 2, 0});
}

// The same with a snapshot file in place of the store (serve --snapshot without a store): each
// change written to the file and found by comparing the file's rows with the map served.
TEST_F(store_test, a_reload_compared_with_a_snapshot_file_answers_as_the_whole_file_does)
{
    auto &s = migrated();
    s.set_settings(brum_settings());
    expect_every_path(compare_over_seeds(s, m_db.conninfo(), 21, 22, 100, update::by_file), {30, 5, 2, 0});
}

// The defect: a reload built a second whole map beside the one served, even when nothing or one
// topic had changed (706 MiB at the peak for a map of 311 MiB). Compared with the map, a reload
// keeps the map and layers only what differs.
TEST_F(store_test, a_reload_compared_with_the_map_keeps_the_map_and_layers_what_differs)
{
    auto &s = migrated();
    (void)load_sample();
    auto const first = s.load_snapshot();
    auto const unchanged = s.compare_with_map(first);
    EXPECT_EQ(unchanged.map, first) << unchanged.whole_map_reason;
    EXPECT_EQ(unchanged.rows_read, 0U);

    // A change the log cannot name (a table emptied whole), and a renamed topic.
    change_store(
        m_db, {"TRUNCATE forumgate.tags", "UPDATE forumgate.topics SET new_slug = 'renamed-again' WHERE old_id = 774"});
    EXPECT_FALSE(s.apply_changes(first).map);
    auto const compared = s.compare_with_map(first);
    ASSERT_TRUE(compared.map) << compared.whole_map_reason;
    EXPECT_EQ(compared.map->below(), first);
    EXPECT_EQ(compared.map->kind(), snapshot::level::small_layer);
    EXPECT_EQ(compared.map->version(), s.map_version());
    EXPECT_EQ(compared.map->keys().topics, std::vector<std::uint32_t>{774});
    EXPECT_EQ(compared.map->keys().tags.size(), first->size().tags);
    EXPECT_TRUE(compared.map->keys().users.empty());
    EXPECT_FALSE(compared.map->keys().categories);
    EXPECT_FALSE(compared.map->keys().uploads);
    EXPECT_EQ(compared.map->size().tags, 0U);
    EXPECT_EQ(resolve({OLD_HOST, "/t/x/774"}, *compared.map).location, "https://forum.brum.coop/t/renamed-again/1774");
    EXPECT_EQ(s.compare_with_map(compared.map).map, compared.map);

    // The rules and the settings are found too, and layered.
    change_store(m_db, {"INSERT INTO forumgate.rules VALUES (99, '^/old-wiki$', '/t/wiki/1', 'redirect')"});
    auto const ruled = s.compare_with_map(compared.map);
    ASSERT_TRUE(ruled.map) << ruled.whole_map_reason;
    EXPECT_TRUE(ruled.map->keys().rules);
    EXPECT_FALSE(ruled.map->keys().settings);
    auto settings = ruled.map->settings();
    settings.old_hosts.emplace_back("forum.example.org");
    s.set_settings(settings);
    auto const hosted = s.compare_with_map(ruled.map);
    ASSERT_TRUE(hosted.map) << hosted.whole_map_reason;
    EXPECT_TRUE(hosted.map->keys().settings);
    EXPECT_TRUE(hosted.map->is_old_host("forum.example.org"));
    EXPECT_EQ(s.compare_with_map(hosted.map).map, hosted.map);
}

TEST_F(store_test, a_layer_is_built_from_the_changed_keys_only)
{
    auto &s = migrated();
    (void)load_sample();
    auto const first = s.load_snapshot();
    change_store(m_db,
                 {"INSERT INTO forumgate.topics VALUES (8800, 'added-later', 9800, 'added-later', false)",
                  "INSERT INTO forumgate.posts VALUES (88001, 8800, 1, 98001, 9800, 1, false), (88002, 8800, 2, 98002, "
                  "9800, 2, false)"});
    auto const applied = s.apply_changes(first);
    ASSERT_TRUE(applied.map) << applied.whole_map_reason;
    EXPECT_EQ(applied.rows_read, 3U);
    EXPECT_EQ(applied.map->kind(), snapshot::level::small_layer);
    EXPECT_EQ(applied.map->below(), first);
    EXPECT_EQ(applied.map->version(), s.map_version());
    EXPECT_EQ(applied.map->size().topics, first->size().topics + 1);
    EXPECT_EQ(applied.map->size().posts, first->size().posts + 2);
    auto const d = resolve({OLD_HOST, "/t/added-later/8800/2"}, *applied.map);
    EXPECT_EQ(d.location, "https://forum.brum.coop/t/added-later/9800/2");
    // Nothing changed since: the same map back.
    EXPECT_EQ(s.apply_changes(applied.map).map, applied.map);
}

// The defect: a topic that left the old slug leading to it (restricted, removed, or given another
// old slug) made every layer refuse, and the whole map was read (two maps at the peak), though
// no other topic had that slug. The layer now holds where the slug leads whenever it holds every
// topic below with that slug; only a slug shared with a topic outside the layer is refused.
TEST_F(store_test, a_topic_leaving_its_old_slug_is_a_layer_unless_a_topic_below_shares_the_slug)
{
    auto &s = migrated();
    (void)load_sample();
    auto const first = s.load_snapshot();
    ASSERT_NE(first->find_topic_by_slug("agm-2023-minutes"), nullptr);
    change_store(m_db, {"UPDATE forumgate.topics SET restricted = true WHERE old_id = 774"});
    auto const restricted = s.apply_changes(first);
    ASSERT_TRUE(restricted.map) << restricted.whole_map_reason;
    EXPECT_EQ(restricted.map->below(), first);
    EXPECT_EQ(restricted.map->find_topic_by_slug("agm-2023-minutes"), nullptr);
    auto const whole = s.load_snapshot();
    for (std::string const target : {"/t/agm-2023-minutes", "/t/agm-2023-minutes/774", "/t/774"}) {
        EXPECT_EQ(answer(resolve({OLD_HOST, target}, *restricted.map)), answer(resolve({OLD_HOST, target}, *whole)))
            << target;
    }

    // Topics 775 and 777 share an old slug; 775, the one it leads to, gives it up. A layer of
    // 775 alone cannot tell that the slug now leads to 777, below it: refused.
    change_store(m_db, {"UPDATE forumgate.topics SET old_slug = 'shared-slug' WHERE old_id IN (775, 777)"});
    auto const shared = s.load_snapshot();
    ASSERT_EQ(shared->find_topic_by_slug("shared-slug"), shared->find_topic(775));
    change_store(m_db, {"UPDATE forumgate.topics SET old_slug = 'a-slug-of-its-own' WHERE old_id = 775"});
    auto const left = s.apply_changes(shared);
    EXPECT_FALSE(left.map);
    EXPECT_EQ(left.whole_map_reason, "topic 775 left the old slug that leads to it (removed, restricted or renamed), "
                                     "which topic 777 also has");
    // Both in one change: the layer holds them both, and the slug leads to 777.
    change_store(m_db,
                 {"UPDATE forumgate.topics SET old_slug = 'shared-slug', new_slug = 'shared-777' WHERE old_id = 777"});
    auto const both = s.apply_changes(shared);
    ASSERT_TRUE(both.map) << both.whole_map_reason;
    EXPECT_EQ(both.map->find_topic_by_slug("shared-slug"), both.map->find_topic(777));
    EXPECT_EQ(both.map->find_topic_by_slug("a-slug-of-its-own"), both.map->find_topic(775));
}

TEST_F(store_test, changes_the_log_cannot_name_ask_for_the_whole_map)
{
    auto &s = migrated();
    (void)load_sample();
    auto const first = s.load_snapshot();
    change_store(m_db, {"TRUNCATE forumgate.tags"});
    auto const applied = s.apply_changes(first);
    EXPECT_FALSE(applied.map);
    EXPECT_EQ(applied.whole_map_reason, "tags changed as a whole");
    EXPECT_TRUE(applied.keys_unknown) << "a comparison can still find them";
}

// The defect: a change of the rules or of the site settings read the whole map, a second map
// beside the one served. A layer now holds the rules whole, or the settings with the uploads
// (checked against the new upload hosts), over the map.
TEST_F(store_test, a_change_of_the_rules_or_the_settings_is_a_layer)
{
    auto &s = migrated();
    (void)load_sample();
    auto const first = s.load_snapshot();
    change_store(m_db, {"INSERT INTO forumgate.rules VALUES (0, '^/old-wiki$', '/t/wiki/1', 'redirect')"});
    auto const ruled = s.apply_changes(first);
    ASSERT_TRUE(ruled.map) << ruled.whole_map_reason;
    EXPECT_EQ(ruled.map->below(), first);
    EXPECT_TRUE(ruled.map->keys().rules);
    EXPECT_EQ(ruled.map->size().rules, first->size().rules + 1);
    EXPECT_EQ(ruled.map->rules().front().replacement, "/t/wiki/1") << "the rules keep their order";
    EXPECT_EQ(resolve({OLD_HOST, "/old-wiki"}, *ruled.map).location, "https://forum.brum.coop/t/wiki/1");
    EXPECT_EQ(resolve({OLD_HOST, "/old-wiki"}, *first).status, 404);

    // The forum moves under a path on its host: no upload host is lost, the uploads stay below.
    change_store(m_db, {"UPDATE forumgate.settings SET new_base = 'https://forum.brum.coop/community'"});
    auto const pathed = s.apply_changes(ruled.map);
    ASSERT_TRUE(pathed.map) << pathed.whole_map_reason;
    EXPECT_TRUE(pathed.map->keys().settings);
    EXPECT_FALSE(pathed.map->keys().uploads);
    EXPECT_EQ(resolve({OLD_HOST, "/t/x/774"}, *pathed.map).location,
              "https://forum.brum.coop/community/t/agm-2023-minutes/1774");

    // To another host: the uploads that pointed at the old one are checked again.
    change_store(m_db, {"UPDATE forumgate.settings SET new_base = 'https://brum.coop/forum'"});
    auto const moved = s.apply_changes(pathed.map);
    ASSERT_TRUE(moved.map) << moved.whole_map_reason;
    EXPECT_TRUE(moved.map->keys().settings);
    EXPECT_TRUE(moved.map->keys().uploads);
    EXPECT_TRUE(moved.map->keys().rules) << "the small layer is built again with the keys of the one it replaces";
    EXPECT_EQ(moved.map->settings().new_base, "https://brum.coop/forum");
    EXPECT_EQ(resolve({OLD_HOST, "/t/x/774"}, *moved.map).location, "https://brum.coop/forum/t/agm-2023-minutes/1774");
    EXPECT_EQ(resolve({OLD_HOST, "/old-wiki"}, *moved.map).location, "https://brum.coop/forum/t/wiki/1");

    // An upload host taken away: the layer checks the uploads again, as a whole read would.
    change_store(m_db, {"UPDATE forumgate.settings SET upload_hosts = '{}'"});
    EXPECT_THROW((void)s.apply_changes(moved.map), input_error);
    EXPECT_THROW((void)s.load_snapshot(), input_error);
}

} // namespace
} // namespace forumgate::store::store_tests
