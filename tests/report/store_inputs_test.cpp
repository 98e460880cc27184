// What the report reads from a real store: every old URL the map knows (--from-map), the miss
// log (--from-misses), and the map and archive facts behind a miss's likely reason.

#include "report/store_inputs.hpp"

#include "report/classify.hpp"
#include "tests/report/report_map.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace forumgate;
using namespace forumgate::report;
using forumgate::testing::REPORT_OLD_HOST;
using forumgate::testing::test_database;

TEST(store_inputs, lists_every_url_the_map_knows_in_its_common_shapes)
{
    test_database db;
    forumgate::testing::load_report_map(db);
    store::database store{db.conninfo()};
    url_tally tally{REPORT_OLD_HOST};
    EXPECT_EQ(add_map_urls(store, tally), 14U);
    std::set<std::string> targets;
    for (std::size_t i = 0; i < tally.size(); ++i) {
        EXPECT_EQ(tally[i].host, "");
        EXPECT_EQ(tally[i].hits, 0U);
        EXPECT_EQ(tally[i].sources, FROM_MAP);
        targets.insert(tally[i].target);
    }
    EXPECT_EQ(targets,
              (std::set<std::string>{// topics
                                     "/t/agm-2023-minutes/774", "/t/proposal-food-co-op/775",
                                     "/t/board-only-budget-draft/776", "/t/spam-topic/777",
                                     // public posts (9002 is hidden), and the first post of each is its topic
                                     "/p/9001", "/p/9003", "/t/agm-2023-minutes/774/3", "/p/9004", "/p/9005",
                                     // categories, users, the upload
                                     "/c/general/5", "/c/working-groups/housing/7", "/u/Alice_Old", "/u/gone_user",
                                     "/uploads/default/original/1X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png"}));

    // Resolved, they all land except what was deliberately not migrated.
    auto const map = store.load_snapshot();
    auto const verdicts = classify_in_process(tally, *map, miss_explainer::load(store));
    std::map<std::string, std::string> missed;
    for (std::size_t i = 0; i < tally.size(); ++i) {
        if (!is_covered(verdicts[i].outcome)) {
            missed[tally[i].target] = std::string{to_string(verdicts[i].outcome)};
        }
    }
    EXPECT_EQ(missed, (std::map<std::string, std::string>{{"/t/spam-topic/777", "gone"}, {"/u/gone_user", "gone"}}));
}

TEST(store_inputs, reads_the_miss_log_with_its_hits)
{
    test_database db;
    forumgate::testing::load_report_map(db);
    store::database store{db.conninfo()};
    store.record_misses({{"/t/some-topic/999", "unknown_id", 7}, {"/wp-login.php", "unknown_shape", 2}});
    store.record_misses({{"/t/some-topic/999", "unknown_id", 3}});
    url_tally tally{REPORT_OLD_HOST};
    tally.add({}, "/wp-login.php", 1, FROM_ACCESS_LOG);
    EXPECT_EQ(add_miss_log(store, tally), 2U);
    ASSERT_EQ(tally.size(), 2U);
    EXPECT_EQ(tally[0].target, "/wp-login.php");
    EXPECT_EQ(tally[0].hits, 3U);
    EXPECT_EQ(tally[0].sources, FROM_ACCESS_LOG | FROM_MISS_LOG);
    EXPECT_EQ(tally[1].target, "/t/some-topic/999");
    EXPECT_EQ(tally[1].hits, 10U);
}

TEST(store_inputs, sets_the_probes_of_the_miss_log_apart)
{
    test_database db;
    forumgate::testing::load_report_map(db);
    store::database store{db.conninfo()};
    store.record_misses({{"/t/some-topic/999", "unknown_id", 7},
                         {"/wp-login.php", "unknown_shape", 2},
                         {"/.env", "unknown_shape", 3},
                         {"/%24%7Bjndi:ldap:%2F%2Fx%7D", "unknown_shape", 1}});
    url_tally tally{REPORT_OLD_HOST};
    input_summary summary;
    EXPECT_EQ(add_miss_log(store, tally, &summary), 4U);
    ASSERT_EQ(tally.size(), 1U);
    EXPECT_EQ(tally[0].target, "/t/some-topic/999");
    EXPECT_EQ(summary.probes[static_cast<std::size_t>(probe_kind::scanner_path)], 5U); // hits
    EXPECT_EQ(summary.probes[static_cast<std::size_t>(probe_kind::exploit)], 1U);
    // Counted in on request.
    url_tally all{REPORT_OLD_HOST};
    input_summary counted;
    counted.probes_counted = true;
    EXPECT_EQ(add_miss_log(store, all, &counted), 4U);
    EXPECT_EQ(all.size(), 4U);
    EXPECT_EQ(counted.probe_requests(), 6U);
}

TEST(store_inputs, a_store_without_an_archive_explains_by_the_map_alone)
{
    test_database db;
    store::database store{db.conninfo()};
    store.migrate();
    (void)store.load_csv(std::filesystem::path{FORUMGATE_FIXTURES} / "cli-map",
                         mappings::site_settings{"https://forum.brum.coop", {REPORT_OLD_HOST}, {}});
    auto const explainer = miss_explainer::load(store);
    auto const map = store.load_snapshot();
    auto const explain = [&](std::string const &target) {
        return to_string(explainer.explain(mappings::resolve({REPORT_OLD_HOST, target}, *map), target));
    };
    EXPECT_EQ(explain("/t/board-only-budget-draft"), "restricted");
    EXPECT_EQ(explain("/t/secret-plans/900"), "never_imported");
    EXPECT_EQ(explain("/t/agm-2023-minutes/774"), "none");
}
