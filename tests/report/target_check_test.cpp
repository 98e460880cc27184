// Checking targets on a real loopback web server: 200 at once, broken (404, 500, a redirect
// without Location), chains followed to their end, loops and endless chains caught, a server
// that does not answer, and each distinct target asked for once.

#include "report/target_check.hpp"

#include "tests/report/loopback_site.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

using namespace forumgate;
using namespace forumgate::report;
using forumgate::testing::loopback_site;

namespace {

verdict make_verdict(url_outcome outcome, int status, std::string location)
{
    verdict v;
    v.outcome = outcome;
    v.status = static_cast<std::uint16_t>(status);
    v.location = std::move(location);
    return v;
}

http_check_options quick()
{
    http_check_options options;
    options.concurrency = 4;
    options.timeout = std::chrono::seconds{5};
    options.attempts = 2;
    return options;
}

class target_check_test : public ::testing::Test
{
protected:
    void SetUp() override
    {
        site.serve("/t/agm-2023-minutes/1774", {200, "text/html", "<html>AGM</html>", {}});
        site.serve("/t/gone/1", {404, "text/html", "not found", {}});
        site.serve("/broken/500", {500, "text/plain", "oops", {}});
        site.serve("/no-location", {302, "text/plain", "", {}});
        // A chain: a relative Location, then an absolute one, then the page.
        site.serve("/t/1775", {301, "text/html", "", {{"Location", "/t/proposal/1775"}}});
        site.serve("/t/proposal/1775", {302, "text/html", "", {{"Location", site.url("/t/proposal-food-co-op/1775")}}});
        site.serve("/t/proposal-food-co-op/1775", {200, "text/html", "<html>proposal</html>", {}});
        // A loop, and a chain longer than anyone follows.
        site.serve("/loop/a", {301, "text/html", "", {{"Location", "/loop/b"}}});
        site.serve("/loop/b", {301, "text/html", "", {{"Location", site.url("/loop/a")}}});
        for (int i = 0; i < 15; ++i) {
            site.serve("/long/" + std::to_string(i),
                       {301, "text/html", "", {{"Location", "/long/" + std::to_string(i + 1)}}});
        }
    }

    loopback_site site;
};

} // namespace

TEST_F(target_check_test, tells_each_kind_of_target)
{
    std::vector<std::string> const urls = {
        site.url("/t/agm-2023-minutes/1774"),
        site.url("/t/gone/1"),
        site.url("/broken/500"),
        site.url("/no-location"),
        site.url("/t/1775"),
        site.url("/loop/a"),
        site.url("/long/0"),
        "http://127.0.0.1:" + std::to_string(forumgate::testing::unused_loopback_port()) + "/t/1"};
    auto const results = check_targets(urls, quick(), nullptr);
    ASSERT_EQ(results.size(), urls.size());
    using state = target_result::state;

    EXPECT_EQ(results[0].result, state::ok);
    EXPECT_EQ(results[0].status, 200);
    EXPECT_EQ(results[0].hops, 0);

    EXPECT_EQ(results[1].result, state::broken);
    EXPECT_EQ(results[1].status, 404);
    EXPECT_EQ(results[1].detail, urls[1] + " answered 404");

    EXPECT_EQ(results[2].result, state::broken);
    EXPECT_EQ(results[2].status, 500);
    EXPECT_EQ(site.asked("/broken/500"), 2); // tried again once, as the policy says

    EXPECT_EQ(results[3].result, state::broken);
    EXPECT_NE(results[3].detail.find("without a Location"), std::string::npos);

    EXPECT_EQ(results[4].result, state::chain);
    EXPECT_EQ(results[4].hops, 2);
    EXPECT_EQ(results[4].status, 200);
    EXPECT_EQ(results[4].detail,
              urls[4] + " → " + site.url("/t/proposal/1775") + " → " + site.url("/t/proposal-food-co-op/1775"));

    EXPECT_EQ(results[5].result, state::loop);
    EXPECT_EQ(results[5].detail, urls[5] + " → " + site.url("/loop/b") + " → " + site.url("/loop/a"));

    EXPECT_EQ(results[6].result, state::loop);
    EXPECT_EQ(results[6].hops, 11);
    EXPECT_EQ(results[6].detail.rfind("more than 10 redirects", 0), 0U) << results[6].detail;

    EXPECT_EQ(results[7].result, state::error);
    EXPECT_EQ(results[7].status, 0);
    EXPECT_NE(results[7].detail.find(urls[7]), std::string::npos) << results[7].detail;
}

TEST_F(target_check_test, updates_verdicts_asking_each_target_once)
{
    std::vector<verdict> verdicts(6);
    verdicts[0] = make_verdict(url_outcome::redirected, 301, site.url("/t/agm-2023-minutes/1774"));
    verdicts[1] = make_verdict(url_outcome::redirected, 301, site.url("/t/agm-2023-minutes/1774"));
    verdicts[2] = make_verdict(url_outcome::passed_through, 301, site.url("/t/gone/1"));
    verdicts[3] = make_verdict(url_outcome::redirected, 301, site.url("/t/1775"));
    verdicts[4] = make_verdict(url_outcome::redirected, 301, site.url("/loop/a"));
    verdicts[5] = make_verdict(url_outcome::not_found, 404, "");

    auto const totals = check_verdict_targets(verdicts, quick(), {}, nullptr);
    EXPECT_EQ(totals.targets, 4U);
    EXPECT_EQ(totals.members_only, 0U);
    EXPECT_EQ(site.asked("/t/agm-2023-minutes/1774"), 1);

    EXPECT_EQ(verdicts[0].outcome, url_outcome::redirected);
    EXPECT_EQ(verdicts[0].target_status, 200);
    EXPECT_EQ(verdicts[1].outcome, url_outcome::redirected);
    EXPECT_EQ(verdicts[2].outcome, url_outcome::target_broken);
    EXPECT_EQ(verdicts[2].target_status, 404);
    EXPECT_EQ(verdicts[3].outcome, url_outcome::chain);
    EXPECT_EQ(verdicts[3].hops, 2);
    EXPECT_EQ(verdicts[4].outcome, url_outcome::loop);
    EXPECT_EQ(verdicts[5].outcome, url_outcome::not_found); // no target: not asked
    EXPECT_EQ(verdicts[5].target_status, 0);
}

TEST_F(target_check_test, asks_for_members_only_targets_as_a_member_or_not_at_all)
{
    // The new forum keeps one topic for members; another is missing for everybody; a third is
    // sent on to another host, which must never see the key; a fourth refuses the key.
    loopback_site elsewhere;
    elsewhere.serve("/t/elsewhere/3", {200, "text/html", "<html>there</html>", {}});
    site.serve_to_members("/t/members/1", "the-key", {200, "text/html", "<html>board</html>", {}});
    site.serve("/t/3", {301, "text/html", "", {{"Location", elsewhere.url("/t/elsewhere/3")}}});
    site.serve("/t/refused/4", {403, "application/json", R"({"errors":["The API username or key is invalid."]})", {}});
    auto const verdicts_of = [&] {
        std::vector<verdict> verdicts(5);
        verdicts[0] = make_verdict(url_outcome::restricted, 301, site.url("/t/members/1"));
        verdicts[1] = make_verdict(url_outcome::restricted, 301, site.url("/t/missing/2"));
        verdicts[2] = make_verdict(url_outcome::restricted, 301, site.url("/t/3"));
        verdicts[3] = make_verdict(url_outcome::restricted, 301, site.url("/t/refused/4"));
        verdicts[4] = make_verdict(url_outcome::redirected, 301, site.url("/t/members/1")); // a public link to it
        return verdicts;
    };
    member_access const members{"the-key", "board_member", site.url("")};

    // Without a key: members-only targets are not asked for (Discourse's 404 would tell nothing).
    auto anonymous = verdicts_of();
    auto const without = check_verdict_targets(anonymous, quick(), member_access{{}, "system", site.url("")}, nullptr);
    EXPECT_EQ(without.targets, 1U);
    EXPECT_EQ(without.members_only, 4U);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(anonymous[i].outcome, url_outcome::restricted) << i;
        EXPECT_EQ(anonymous[i].target_status, 0) << i;
    }
    EXPECT_EQ(anonymous[4].outcome, url_outcome::target_broken); // a visitor gets the 404
    EXPECT_EQ(site.asked("/t/missing/2"), 0);
    EXPECT_EQ(site.asked("/t/members/1"), 1);

    // With a key: each asked for as the member, on the new forum only.
    auto keyed = verdicts_of();
    auto const with = check_verdict_targets(keyed, quick(), members, nullptr);
    EXPECT_EQ(with.targets, 5U);
    EXPECT_EQ(with.refused_key, 1U);
    EXPECT_EQ(keyed[0].outcome, url_outcome::restricted);
    EXPECT_EQ(keyed[0].target_status, 200);
    EXPECT_EQ(keyed[1].outcome, url_outcome::target_broken); // missing even for members
    EXPECT_EQ(keyed[1].target_status, 404);
    EXPECT_EQ(keyed[2].outcome, url_outcome::restricted);
    EXPECT_EQ(keyed[2].hops, 1);
    EXPECT_EQ(keyed[3].outcome, url_outcome::error); // not known to be broken: the key was refused
    EXPECT_NE(keyed[3].detail.find("--api-key-file"), std::string::npos) << keyed[3].detail;
    EXPECT_EQ(keyed[3].detail.find("the-key"), std::string::npos) << keyed[3].detail;
    EXPECT_EQ(keyed[4].outcome, url_outcome::target_broken); // still asked for as a visitor
    EXPECT_EQ(site.key_seen("/t/missing/2"), "the-key");
    EXPECT_EQ(site.key_seen("/t/3"), "the-key");
    EXPECT_EQ(elsewhere.asked("/t/elsewhere/3"), 1);
    EXPECT_EQ(elsewhere.key_seen("/t/elsewhere/3"), "") << "the key went to another host";
}
