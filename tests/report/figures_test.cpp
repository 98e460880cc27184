// The report's figures from URLs and what became of them: totals and coverage by URL and by
// hits, outcomes, kinds, likely reasons, days in order, the worst misses first and cut to
// --top, chains; and how shares are written.

#include "report/figures.hpp"

#include "tests/report/sample_report.hpp"

#include <gtest/gtest.h>

using namespace forumgate;
using namespace forumgate::report;

TEST(figures, counts_by_url_and_by_hits)
{
    auto const r = forumgate::testing::sample_report();
    EXPECT_EQ(r.total.urls, 12U);
    EXPECT_EQ(r.total.hits, 215U);
    EXPECT_EQ(r.covered.urls, 6U); // redirected 3, passed through 1, chain 1, members only 1
    EXPECT_EQ(r.covered.hits, 189U);
    EXPECT_EQ(format_percent(r.coverage_by_urls(), r.covered.urls, r.total.urls), "50.0%");
    EXPECT_EQ(format_percent(r.coverage_by_hits(), r.covered.hits, r.total.hits), "87.9%");
    EXPECT_EQ(r.missed_urls, 6U);

    auto const outcome = [&](url_outcome o) { return r.outcomes[static_cast<std::size_t>(o)]; };
    EXPECT_EQ(outcome(url_outcome::redirected).urls, 3U);
    EXPECT_EQ(outcome(url_outcome::redirected).hits, 150U);
    EXPECT_EQ(outcome(url_outcome::not_found).urls, 3U);
    EXPECT_EQ(outcome(url_outcome::not_found).hits, 21U);
    EXPECT_EQ(outcome(url_outcome::gone).hits, 3U);
    EXPECT_EQ(outcome(url_outcome::loop).urls, 0U);
    EXPECT_EQ(outcome(url_outcome::restricted).urls, 1U); // apart from redirected, and covered
    EXPECT_EQ(outcome(url_outcome::restricted).hits, 4U);

    auto const reason = [&](miss_reason m) { return r.reasons[static_cast<std::size_t>(m)]; };
    EXPECT_EQ(reason(miss_reason::never_imported).urls, 2U);
    EXPECT_EQ(reason(miss_reason::never_imported).hits, 13U);
    EXPECT_EQ(reason(miss_reason::unknown_shape).hits, 8U);
    EXPECT_EQ(reason(miss_reason::not_migrated).urls, 1U);
    EXPECT_EQ(reason(miss_reason::none).urls, 0U); // only misses have reasons
}

TEST(figures, tells_why_every_missed_url_missed)
{
    // Every outcome that misses is a cause, not only the likely reasons of not_found and gone:
    // a broken target and an error were left out of "why URLs miss" before.
    auto const r = forumgate::testing::sample_report();
    std::vector<std::string> causes;
    tally_count all;
    for (auto const &cause : r.why_missed) {
        causes.push_back(std::string{to_string(cause.outcome)} + " " + std::string{to_string(cause.why)} + " " +
                         std::to_string(cause.count.urls) + "/" + std::to_string(cause.count.hits));
        all.urls += cause.count.urls;
        all.hits += cause.count.hits;
    }
    // The most hits first.
    EXPECT_EQ(causes, (std::vector<std::string>{"not_found never_imported 2/13", "not_found unknown_shape 1/8",
                                                "gone not_migrated 1/3", "target_broken none 1/2", "error none 1/0"}));
    EXPECT_EQ(all.urls, r.missed_urls);
    EXPECT_EQ(all.hits, r.total.hits - r.covered.hits);
    EXPECT_EQ(cause_label(r.why_missed[3]), "target broken");
    EXPECT_EQ(cause_label(r.why_missed[0]), "id never imported");
}

TEST(figures, counts_search_engine_hits_per_outcome_and_per_crawler)
{
    auto const r = forumgate::testing::sample_report();
    auto const crawled = [&](url_outcome o) { return r.crawler_hits[static_cast<std::size_t>(o)]; };
    EXPECT_EQ(crawled(url_outcome::redirected), 25U);
    EXPECT_EQ(crawled(url_outcome::not_found), 4U); // a search result that leads nowhere
    EXPECT_EQ(crawled(url_outcome::target_broken), 1U);
    EXPECT_EQ(crawled(url_outcome::passed_through), 0U);
    ASSERT_EQ(r.crawlers.size(), 2U); // the most hits first
    EXPECT_EQ(name(r.crawlers[0].bot), "Googlebot");
    EXPECT_EQ(r.crawlers[0].all.urls, 2U);
    EXPECT_EQ(r.crawlers[0].all.hits, 24U);
    EXPECT_EQ(r.crawlers[0].covered.hits, 20U);
    EXPECT_EQ(name(r.crawlers[1].bot), "Bingbot");
    EXPECT_EQ(r.crawlers[1].all.hits, 6U);
    EXPECT_EQ(r.crawlers[1].covered.hits, 5U);
    EXPECT_EQ(r.top_missed[0].url, "/t/some-topic/999");
    EXPECT_EQ(r.top_missed[0].crawler_hits, 4U);
    EXPECT_EQ(r.inputs.probe_requests(), 56U);
    EXPECT_EQ(probe_breakdown(r.inputs), "2 exploits, 5 proxy attempts, 40 scanner paths, 9 scanner agents");
}

TEST(figures, splits_by_kind_in_kind_order)
{
    auto const r = forumgate::testing::sample_report();
    std::vector<std::string> kinds;
    for (auto const &k : r.kinds) {
        kinds.emplace_back(mappings::to_string(k.kind));
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"topic", "post", "category", "user", "site_page", "other"}));
    auto const &topic = r.kinds[0];
    EXPECT_EQ(topic.all.urls, 7U);
    EXPECT_EQ(topic.covered.urls, 3U);
    EXPECT_EQ(topic.all.hits, 150U);
    EXPECT_EQ(topic.covered.hits, 134U);
}

TEST(figures, counts_each_day_of_the_logs)
{
    auto const r = forumgate::testing::sample_report();
    ASSERT_EQ(r.days.size(), 3U);
    EXPECT_EQ(r.days[0].date, "2024-05-01");
    EXPECT_EQ(r.days[0].hits, 112U);
    EXPECT_EQ(r.days[0].covered_hits, 100U);
    EXPECT_EQ(r.days[1].date, "2024-05-02");
    EXPECT_EQ(r.days[1].hits, 83U);
    EXPECT_EQ(r.days[1].covered_hits, 75U);
    EXPECT_EQ(r.days[2].date, "2024-05-03");
    EXPECT_EQ(r.days[2].hits, 20U);
    EXPECT_EQ(r.days[2].covered_hits, 14U);
}

TEST(figures, lists_the_worst_misses_first_and_cuts_to_top)
{
    auto const r = forumgate::testing::sample_report();
    std::vector<std::string> urls;
    for (auto const &u : r.top_missed) {
        urls.push_back(u.url);
    }
    // By hits, then by host and URL; URLs made printable.
    EXPECT_EQ(urls, (std::vector<std::string>{"/t/some-topic/999", "/viewtopic.php?t=774", "/t/spam-topic/777",
                                              "/u/alice", "/t/<script>alert(1)</script>/5", "/t/x/1"}));
    EXPECT_EQ(r.top_missed[0].why, miss_reason::never_imported);
    EXPECT_EQ(r.top_missed[0].status, 404);
    EXPECT_EQ(r.top_missed[3].target_status, 404);

    auto const cut = forumgate::testing::sample_report(2);
    ASSERT_EQ(cut.top_missed.size(), 2U);
    EXPECT_EQ(cut.top_missed[1].url, "/viewtopic.php?t=774");
    EXPECT_EQ(cut.missed_urls, 6U);

    ASSERT_EQ(r.chains.size(), 1U);
    EXPECT_EQ(r.chains[0].hops, 1);
}

TEST(figures, writes_shares_without_rounding_a_miss_away)
{
    EXPECT_EQ(format_percent(percent(1, 3), 1, 3), "33.3%");
    EXPECT_EQ(format_percent(percent(9999, 10000), 9999, 10000), "99.9%"); // not 100%
    EXPECT_EQ(format_percent(percent(1, 100000), 1, 100000), "<0.1%");     // not 0.0%
    EXPECT_EQ(format_percent(percent(7, 7), 7, 7), "100%");
    EXPECT_EQ(format_percent(percent(0, 7), 0, 7), "0.0%");
    EXPECT_EQ(format_percent(percent(0, 0), 0, 0), "–");
    EXPECT_EQ(thousands(0), "0");
    EXPECT_EQ(thousands(999), "999");
    EXPECT_EQ(thousands(1000), "1,000");
    EXPECT_EQ(thousands(1234567), "1,234,567");
}
