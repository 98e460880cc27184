// Where each old URL lands and why a miss missed: resolved in-process against a real store's
// map (every outcome the resolver gives, with the likely reasons read from the map and the
// archive), and from a redirector's answers with and without a map.

#include "report/classify.hpp"

#include "report/store_inputs.hpp"
#include "tests/report/report_map.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace forumgate;
using namespace forumgate::report;
using forumgate::mappings::url_kind;
using forumgate::testing::REPORT_NEW_BASE;
using forumgate::testing::REPORT_OLD_HOST;
using forumgate::testing::test_database;

namespace {

struct expected
{
    std::string host;
    std::string target;
    url_outcome outcome;
    miss_reason why;
    url_kind kind;
    std::string location; ///< for redirects
};

class classify_test : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        s_db = new test_database;
        forumgate::testing::load_report_map(*s_db);
        store::database store{s_db->conninfo()};
        s_map = store.load_snapshot();
        s_explainer = new miss_explainer{miss_explainer::load(store)};
    }
    static void TearDownTestSuite()
    {
        delete s_explainer;
        s_map.reset();
        delete s_db;
    }

    static test_database *s_db;
    static std::shared_ptr<mappings::snapshot const> s_map;
    static miss_explainer *s_explainer;
};

test_database *classify_test::s_db = nullptr;
std::shared_ptr<mappings::snapshot const> classify_test::s_map;
miss_explainer *classify_test::s_explainer = nullptr;

std::string const OTHER_OLD_HOST = "www." + REPORT_OLD_HOST;

} // namespace

TEST_F(classify_test, resolves_in_process_with_likely_reasons)
{
    std::vector<expected> const cases = {
        {"", "/t/agm-2023-minutes/774", url_outcome::redirected, miss_reason::none, url_kind::topic,
         REPORT_NEW_BASE + "/t/agm-2023-minutes/1774"},
        {OTHER_OLD_HOST, "/p/9003", url_outcome::redirected, miss_reason::none, url_kind::post,
         REPORT_NEW_BASE + "/t/agm-2023-minutes/1774/2"},
        {"", "/viewtopic.php?t=775", url_outcome::redirected, miss_reason::none, url_kind::topic,
         REPORT_NEW_BASE + "/t/proposal-food-co-op/1775"},
        {"", "/latest", url_outcome::passed_through, miss_reason::none, url_kind::site_page,
         REPORT_NEW_BASE + "/latest"},
        // Topic 776 is members-only: a redirect that works for members, told apart.
        {"", "/t/board-only-budget-draft/776", url_outcome::restricted, miss_reason::none, url_kind::topic,
         REPORT_NEW_BASE + "/t/1776"},
        {"", "/p/9005", url_outcome::restricted, miss_reason::none, url_kind::post, REPORT_NEW_BASE + "/t/1776"},
        {"", "/u/somebody", url_outcome::passed_through, miss_reason::none, url_kind::user,
         REPORT_NEW_BASE + "/u/somebody"},
        {"", "/t/spam-topic/777", url_outcome::gone, miss_reason::not_migrated, url_kind::topic, ""},
        {"", "/u/gone_user", url_outcome::gone, miss_reason::not_migrated, url_kind::user, ""},
        {"", "/t/some-topic/999", url_outcome::not_found, miss_reason::never_imported, url_kind::topic, ""},
        {"", "/t/secret-plans/900", url_outcome::not_found, miss_reason::restricted, url_kind::topic, ""},
        {"", "/t/deleted-long-ago/901", url_outcome::not_found, miss_reason::never_imported, url_kind::topic, ""},
        {"", "/t/board-only-budget-draft", url_outcome::not_found, miss_reason::restricted, url_kind::topic, ""},
        {"", "/t/board-pay/950", url_outcome::not_found, miss_reason::restricted, url_kind::topic, ""},
        {"", "/p/99950", url_outcome::not_found, miss_reason::restricted, url_kind::post, ""},
        {"", "/p/99951", url_outcome::not_found, miss_reason::never_imported, url_kind::post, ""},
        {"", "/c/staff/30", url_outcome::not_found, miss_reason::restricted, url_kind::category, ""},
        {"", "/c/open/31", url_outcome::not_found, miss_reason::never_imported, url_kind::category, ""},
        {"", "/wp-admin/install.php", url_outcome::not_found, miss_reason::unknown_shape, url_kind::other, ""},
        {"", "/t/external_id/abc", url_outcome::not_found, miss_reason::unmappable, url_kind::other, ""},
        {"forum.brum.coop", "/t/774", url_outcome::not_found, miss_reason::unknown_host, url_kind::other, ""},
        {"", "/t/%zz/774", url_outcome::not_found, miss_reason::malformed, url_kind::other, ""},
    };
    url_tally tally{REPORT_OLD_HOST};
    for (auto const &c : cases) {
        tally.add(c.host, c.target, 1, FROM_URL_LIST);
    }
    ASSERT_EQ(tally.size(), cases.size());
    auto const verdicts = classify_in_process(tally, *s_map, *s_explainer);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        auto const &c = cases[i];
        auto const &v = verdicts[i];
        SCOPED_TRACE(c.host + c.target);
        EXPECT_EQ(to_string(v.outcome), to_string(c.outcome));
        EXPECT_EQ(to_string(v.why), to_string(c.why));
        EXPECT_EQ(mappings::to_string(v.kind), mappings::to_string(c.kind));
        EXPECT_EQ(v.location, c.location);
        EXPECT_EQ(v.status, c.location.empty()
                                ? (c.outcome == url_outcome::gone ? 410 : (c.why == miss_reason::malformed ? 400 : 404))
                                : 301);
    }
}

TEST_F(classify_test, reads_a_redirectors_answers_without_a_map)
{
    std::vector<std::pair<std::string, probe_answer>> const answers = {
        {"/t/agm-2023-minutes/774", {301, REPORT_NEW_BASE + "/t/agm-2023-minutes/1774", ""}},
        {"/latest?utm_source=x", {301, REPORT_NEW_BASE + "/latest", ""}},
        {"/uploads/default/original/1X/a.png", {301, "https://cdn.brum.coop/original/a.png", ""}},
        {"/t/evil/1", {301, "https://evil.example/phish", ""}},
        {"/t/relative/2", {301, "/t/relative/2", ""}},
        {"/t/no-location/3", {302, "", ""}},
        {"/t/some-topic/999", {404, "", ""}},
        {"/t/spam-topic/777", {410, "", ""}},
        {"/t/%zz/5", {400, "", ""}},
        {"/t/6", {421, "", ""}},
        {"/t/7", {500, "", ""}},
        {"/t/8", {0, "", "connecting to 127.0.0.1:1: Connection refused"}},
    };
    url_tally tally{REPORT_OLD_HOST};
    std::vector<probe_answer> given;
    for (auto const &[target, answer] : answers) {
        tally.add({}, target, 1, FROM_ACCESS_LOG);
        given.push_back(answer);
    }
    mappings::site_settings site{REPORT_NEW_BASE, {REPORT_OLD_HOST}, {"cdn.brum.coop"}};
    miss_explainer const nothing;
    auto const verdicts = classify_answers(tally, given, site, nullptr, nothing);
    std::vector<std::pair<url_outcome, miss_reason>> const wanted = {
        {url_outcome::redirected, miss_reason::none},     {url_outcome::passed_through, miss_reason::none},
        {url_outcome::redirected, miss_reason::none},     {url_outcome::off_site, miss_reason::none},
        {url_outcome::off_site, miss_reason::none},       {url_outcome::error, miss_reason::none},
        {url_outcome::not_found, miss_reason::unknown},   {url_outcome::gone, miss_reason::not_migrated},
        {url_outcome::not_found, miss_reason::malformed}, {url_outcome::not_found, miss_reason::unknown_host},
        {url_outcome::error, miss_reason::none},          {url_outcome::error, miss_reason::none},
    };
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        SCOPED_TRACE(tally[i].target);
        EXPECT_EQ(to_string(verdicts[i].outcome), to_string(wanted[i].first));
        EXPECT_EQ(to_string(verdicts[i].why), to_string(wanted[i].second));
    }
    // Kinds come from the URL's shape alone.
    EXPECT_EQ(verdicts[0].kind, url_kind::topic);
    EXPECT_EQ(verdicts[2].kind, url_kind::upload);
    EXPECT_NE(verdicts[3].detail.find("https://evil.example"), std::string::npos) << verdicts[3].detail;
    EXPECT_NE(verdicts[4].detail.find("relative"), std::string::npos) << verdicts[4].detail;
    EXPECT_NE(verdicts[11].detail.find("Connection refused"), std::string::npos);
}

TEST_F(classify_test, with_a_map_a_redirectors_miss_gets_the_maps_reason)
{
    url_tally tally{REPORT_OLD_HOST};
    tally.add({}, "/t/agm-2023-minutes/774", 1, FROM_ACCESS_LOG);
    tally.add({}, "/t/board-only-budget-draft", 1, FROM_ACCESS_LOG);
    tally.add({}, "/latest", 1, FROM_ACCESS_LOG);
    tally.add({}, "/t/board-only-budget-draft/776", 1, FROM_ACCESS_LOG);
    std::vector<probe_answer> const answers = {
        {404, "", ""}, {404, "", ""}, {301, REPORT_NEW_BASE + "/latest", ""}, {301, REPORT_NEW_BASE + "/t/1776", ""}};
    auto const verdicts = classify_answers(tally, answers, s_map->settings(), s_map.get(), *s_explainer);
    EXPECT_EQ(verdicts[0].why, miss_reason::map_differs); // the store's map redirects it
    EXPECT_EQ(verdicts[1].why, miss_reason::restricted);
    EXPECT_EQ(verdicts[2].outcome, url_outcome::passed_through);
    EXPECT_EQ(verdicts[3].outcome, url_outcome::restricted); // the map tells a members-only place
}

TEST(site_check, tells_the_new_forum_and_upload_hosts_from_elsewhere)
{
    site_check const check{
        mappings::site_settings{"https://forum.brum.coop/forum", {REPORT_OLD_HOST}, {"cdn.brum.coop"}}};
    EXPECT_EQ(check.off_site_problem("https://forum.brum.coop/forum/t/x/1"), "");
    EXPECT_EQ(check.off_site_problem("https://FORUM.brum.coop:443/forum/t/x/1"), "");
    EXPECT_EQ(check.off_site_problem("https://cdn.brum.coop/a.png"), "");
    EXPECT_NE(check.off_site_problem("https://forum.brum.coop:8443/t/x/1"), "");
    EXPECT_NE(check.off_site_problem("https://forum.brum.coop.evil.example/t/x/1"), "");
    EXPECT_NE(check.off_site_problem("//evil.example/x"), "");
    EXPECT_NE(check.off_site_problem("/t/x/1"), "");
    EXPECT_NE(check.off_site_problem("javascript:alert(1)"), "");
}
