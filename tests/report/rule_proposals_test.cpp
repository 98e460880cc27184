// Rule proposals: misses that share a shape (another forum software's links, slugs under a
// custom path) get the rewrite rule that sends most of their hits to mapped places; groups no
// rule can help and lone URLs get none; every proposal loads as a rule.

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
        // phpBB links: two of three ids are in the map.
        {"/viewtopic.php?t=774", 10},
        {"/viewtopic.php?t=775", 5},
        {"/viewtopic.php?t=9999", 1},
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
