// Rule proposals: misses that share a shape (another forum software's links, slugs under a
// custom path) get the rewrite rule that sends most of their hits to mapped places; groups no
// rule can help and lone URLs get none; a rule whose numbers the map shows are not the old
// forum's ids gets none; each says what it assumes; every proposal loads as a rule.

#include "report/rule_proposals.hpp"

#include "base/error.hpp"
#include "mappings/resolver.hpp"

#include <gtest/gtest.h>

using namespace forumgate;
using namespace forumgate::report;

namespace {

std::shared_ptr<mappings::snapshot const> sample_map()
{
    mappings::snapshot_builder builder{
        mappings::site_settings{"https://forum.brum.coop", {"forum.cooperationbirmingham.org.uk"}, {}}};
    builder.add(mappings::topic_row{774, "agm-2023-minutes", 1774, "agm-2023-minutes", false});
    builder.add(mappings::topic_row{775, "proposal-food-co-op", 1775, "proposal-food-co-op", false});
    builder.add(mappings::topic_row{780, "budget-2024", 1780, "budget-2024", false}); // 776–779: deleted
    for (std::uint32_t n = 1; n <= 3; ++n) {
        builder.add(mappings::post_row{9000 + n, 774, n, 19000 + n, 1774, n, false});
    }
    builder.add(mappings::category_row{5, "general", 12, "general", false});
    return builder.build();
}

rule_proposal const *find(std::vector<rule_proposal> const &proposals, std::string const &pattern)
{
    for (auto const &p : proposals) {
        if (p.pattern == pattern) {
            return &p;
        }
    }
    return nullptr;
}

std::string patterns(std::vector<rule_proposal> const &proposals)
{
    std::string out;
    for (auto const &p : proposals) {
        out += p.pattern + " -> " + p.replacement + "\n";
    }
    return out;
}

} // namespace

TEST(rule_proposals, proposes_rewrites_that_win_hits_back)
{
    std::vector<unmatched_url> const misses = {
        // phpBB links: two of three ids are in the map, the third a topic deleted before the move.
        {"/viewtopic.php?t=774", 10},
        {"/viewtopic.php?t=775", 5},
        {"/viewtopic.php?t=777", 1},
        // A static archive with topic and post number.
        {"/archive/topic/774-3.html", 4},
        {"/archive/topic/775-1.html", 2},
        // Slugs under a custom path.
        {"/forums/topic/agm-2023-minutes", 3},
        {"/forums/topic/proposal-food-co-op", 4},
        // A number that never varies is no variable.
        {"/forum2/viewthread/774", 1},
        {"/forum2/viewthread/775", 1},
        // Scanners: a shape, but nothing in the map.
        {"/wp-content/plugins/a1/x.php", 50},
        {"/wp-content/plugins/a2/x.php", 50},
        // A lone URL: better fixed in the map.
        {"/index.php?id=774", 9},
    };
    auto const map = sample_map();
    auto const proposals = propose_rules(misses, *map);
    ASSERT_EQ(proposals.size(), 4U) << patterns(proposals);

    auto const *phpbb = find(proposals, R"(^/viewtopic\.php\?t=(\d+)$)");
    ASSERT_NE(phpbb, nullptr) << patterns(proposals);
    EXPECT_EQ(phpbb->replacement, R"(/t/\1)");
    EXPECT_EQ(phpbb->kind, "rewrite");
    EXPECT_EQ(phpbb->matched_urls, 3U);
    EXPECT_EQ(phpbb->matched_hits, 16U);
    EXPECT_EQ(phpbb->won_urls, 2U);
    EXPECT_EQ(phpbb->won_hits, 15U);
    EXPECT_EQ(phpbb->known_urls, 2U);
    EXPECT_EQ(phpbb->assumes, "old_ids");
    EXPECT_EQ(phpbb->assumption, "the number is the old forum's topic id (kept from its earlier software); the map "
                                 "gives the new one");
    ASSERT_EQ(phpbb->examples.size(), 2U);
    EXPECT_EQ(phpbb->examples[0], (std::pair<std::string, std::string>{
                                      "/viewtopic.php?t=774", "https://forum.brum.coop/t/agm-2023-minutes/1774"}));

    auto const *archive = find(proposals, R"(^/archive/topic/(\d+)-(\d+)\.html$)");
    ASSERT_NE(archive, nullptr) << patterns(proposals);
    EXPECT_EQ(archive->replacement, R"(/t/\1/\2)");
    EXPECT_EQ(archive->examples[0].second, "https://forum.brum.coop/t/agm-2023-minutes/1774/3");

    auto const *slugs = find(proposals, R"(^/forums/topic/([^/?#]+)$)");
    ASSERT_NE(slugs, nullptr) << patterns(proposals);
    EXPECT_EQ(slugs->replacement, R"(/t/\1)");
    EXPECT_EQ(slugs->won_hits, 7U);
    EXPECT_EQ(slugs->assumes, "old_names");
    EXPECT_EQ(slugs->assumption, "the text is the old forum's topic slug; the map gives the new topic");

    auto const *constant = find(proposals, R"(^/forum2/viewthread/(\d+)$)");
    ASSERT_NE(constant, nullptr) << patterns(proposals);

    // The most hits won first.
    EXPECT_EQ(proposals.front().pattern, phpbb->pattern);

    // Each loads as a rule, and the rule does what the proposal says.
    for (auto const &p : proposals) {
        EXPECT_NO_THROW(
            (void)mappings::compile_rule(mappings::rule_row{p.pattern, p.replacement, mappings::rule_kind::rewrite}))
            << p.pattern;
    }
}

TEST(rule_proposals, only_when_the_map_shows_the_numbers_are_the_old_forums_ids)
{
    auto const map = sample_map(); // old topic ids 774–780
    std::vector<unmatched_url> const misses = {
        // Another numbering: one id happens to be an old topic's, the others lie past every id
        // the map has. A rule would send /showthread.php?t=774 to a topic that is not its own.
        {"/showthread.php?t=774", 5},
        {"/showthread.php?t=9101", 3},
        {"/showthread.php?t=9102", 2},
        // Posts by old id, all known.
        {"/archive/post-9001.html", 2},
        {"/archive/post-9002.html", 1},
    };
    auto const proposals = propose_rules(misses, *map);
    EXPECT_EQ(find(proposals, R"(^/showthread\.php\?t=(\d+)$)"), nullptr) << patterns(proposals);
    auto const *posts = find(proposals, R"(^/archive/post-(\d+)\.html$)");
    ASSERT_NE(posts, nullptr) << patterns(proposals);
    EXPECT_EQ(posts->replacement, R"(/p/\1)");
    EXPECT_EQ(posts->known_urls, 2U);
    EXPECT_EQ(posts->assumption,
              "the number is the old forum's post id (kept from its earlier software); the map gives the new one");

    // Ids the new forum kept: the map sends each to the same number, and the proposal says so.
    mappings::snapshot_builder same{
        mappings::site_settings{"https://forum.brum.coop", {"forum.cooperationbirmingham.org.uk"}, {}}};
    same.add(mappings::topic_row{601, "first", 601, "first", false});
    same.add(mappings::topic_row{602, "second", 602, "second", false});
    auto const kept = same.build();
    std::vector<unmatched_url> const old_links = {{"/forum/t601.html", 3}, {"/forum/t602.html", 2}};
    auto const identical = propose_rules(old_links, *kept);
    ASSERT_EQ(identical.size(), 1U);
    EXPECT_EQ(identical[0].assumes, "same_ids");
    EXPECT_EQ(identical[0].assumption, "the number is the old forum's topic id (kept from its earlier software), and "
                                       "the new forum's too: the map keeps every one of them");
}

TEST(rule_proposals, none_without_a_group_the_map_can_answer)
{
    auto const map = sample_map();
    std::vector<unmatched_url> const misses = {
        {"/wp-login.php", 100}, {"/xmlrpc.php", 100}, {"/.env", 3}, {"/a/1/b/2/c/3/d/4", 1}, {"/a/5/b/6/c/7/d/8", 1}};
    EXPECT_TRUE(propose_rules(misses, *map).empty());
    EXPECT_TRUE(propose_rules({}, *map).empty());
}

TEST(rule_proposals, writes_rules_csv)
{
    rule_proposal quoted;
    quoted.pattern = R"(^/t\.php\?a=(\d+),b$)";
    quoted.replacement = R"(/t/\1)";
    rule_proposal plain;
    plain.pattern = R"(^/x/(\d+)$)";
    plain.replacement = R"(/p/\1)";
    std::vector<rule_proposal> const proposals{quoted, plain};
    EXPECT_EQ(rules_csv(proposals),
              "pattern,replacement,kind\n\"^/t\\.php\\?a=(\\d+),b$\",/t/\\1,rewrite\n^/x/(\\d+)$,/p/\\1,rewrite\n");
}
