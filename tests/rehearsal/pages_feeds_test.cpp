// Tests of rehearsal/pages_feeds.cpp (the rehearsal forum's RSS feeds and sitemaps), parsed by
// a small strict XML checker, and a crawl of a generated forum through its HTML pages, its
// sitemaps and its feeds.

#include "base/digest.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/generator.hpp"
#include "rehearsal/pages.hpp"
#include "tests/rehearsal/pages_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <deque>
#include <memory>
#include <set>
#include <string>

namespace forumgate::rehearsal {
namespace {

using namespace test_support;
using nlohmann::json;

// -- RSS ------------------------------------------------------------------------------------------

constexpr char const *RSS = "application/rss+xml; charset=utf-8";

/// Checks the channel of a parsed feed and returns its items.
std::vector<node const *> feed_items(node const &root, std::string const &self)
{
    EXPECT_EQ(root.name, "rss");
    EXPECT_EQ(root.attribute("version"), "2.0");
    auto const channels = root.all("channel");
    EXPECT_EQ(channels.size(), 1U);
    if (channels.empty()) {
        return {};
    }
    auto const &channel = *channels[0];
    EXPECT_FALSE(channel.child_text("title").empty());
    EXPECT_TRUE(channel.child_text("link").starts_with(BASE));
    auto const atom = channel.all("atom:link");
    EXPECT_EQ(atom.size(), 1U);
    if (!atom.empty()) {
        EXPECT_EQ(atom[0]->attribute("href"), BASE + self);
    }
    std::vector<node const *> items;
    for (auto const &child : channel.children) {
        if (child.name == "item") {
            items.push_back(&child);
            EXPECT_FALSE(child.child_text("title").empty());
            EXPECT_TRUE(child.child_text("link").starts_with(BASE));
            EXPECT_EQ(child.child_text("pubDate").size(), 31U)
                << child.child_text("pubDate"); // Wed, 01 May 2024 12:01:00 +0000
        }
    }
    return items;
}

TEST_F(pages_fixture, list_feeds)
{
    auto const latest = xml("/latest.rss", RSS);
    auto const items = feed_items(latest, "/latest.rss");
    ASSERT_EQ(items.size(), 30U);
    std::set<std::string> links;
    for (auto const *item : items) {
        links.insert(item->child_text("link"));
    }
    for (auto const hidden : {secret, message, hidden_topic, gone}) {
        EXPECT_FALSE(links.contains(BASE + url_of(hidden)));
    }
    // The escaped topic: its title comes back as written, its body in one piece.
    auto const escaped_item = std::ranges::find_if(
        items, [&](node const *item) { return item->child_text("link") == BASE + url_of(escaped); });
    ASSERT_NE(escaped_item, items.end());
    EXPECT_EQ((*escaped_item)->child_text("title"), "Fish & chips <b>\"best\"</b> it's ]]> here");
    EXPECT_NE((*escaped_item)->child_text("description").find("<code>a ]]&gt; b</code>"), std::string::npos);
    EXPECT_NE((*escaped_item)->child_text("description").find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ((*escaped_item)->child_text("discourse:topicPinned"), "No");
    EXPECT_EQ((*escaped_item)->child_text("guid"), "forum.test-topic-" + std::to_string(escaped));
    EXPECT_EQ((*escaped_item)->child_text("category"), "General");

    auto const category = xml("/c/general/" + std::to_string(general) + ".rss", RSS);
    EXPECT_EQ(feed_items(category, "/c/general/" + std::to_string(general) + ".rss").size(), 25U);
    expect_redirect("/c/wrong/" + std::to_string(general) + ".rss", 301,
                    "/c/general/" + std::to_string(general) + ".rss");
    EXPECT_EQ(client.get("/c/board-room/" + std::to_string(board) + ".rss").status, 404);

    auto const tagged = xml("/tag/faq.rss", RSS);
    auto const tag_items = feed_items(tagged, "/tag/faq.rss");
    ASSERT_EQ(tag_items.size(), 1U);
    EXPECT_EQ(tag_items[0]->child_text("link"), BASE + url_of(welcome));
    EXPECT_EQ(client.get("/tag/nope.rss").status, 404);

    EXPECT_FALSE(feed_items(xml("/top.rss", RSS), "/top.rss").empty());
    EXPECT_FALSE(feed_items(xml("/u/ann/activity/topics.rss", RSS), "/u/ann/activity/topics.rss").empty());
}

TEST_F(pages_fixture, post_feeds)
{
    auto const posts_feed = xml("/posts.rss", RSS);
    auto const posts = feed_items(posts_feed, "/posts.rss");
    EXPECT_EQ(posts.size(), 50U);
    for (auto const *item : posts) {
        EXPECT_EQ(item->child_text("description").find("whisper"), std::string::npos);
        EXPECT_EQ(item->child_text("description").find("will be deleted"), std::string::npos);
        EXPECT_EQ(item->child_text("description").find("Only the board"), std::string::npos);
        EXPECT_EQ(item->child_text("description").find("between the two"), std::string::npos);
    }
    auto const bobs_feed = xml("/u/bob/activity.rss", RSS);
    auto const bobs = feed_items(bobs_feed, "/u/bob/activity.rss");
    ASSERT_FALSE(bobs.empty());
    for (auto const *item : bobs) {
        EXPECT_EQ(item->child_text("dc:creator"), "bob");
    }
    EXPECT_EQ(client.get("/u/nobody/activity.rss").status, 404);

    // A topic's feed: its 25 newest posts an anonymous reader sees; any slug does.
    auto const topic = xml(url_of(long_topic) + ".rss", RSS);
    auto const items = feed_items(topic, url_of(long_topic) + ".rss");
    ASSERT_EQ(items.size(), 25U);
    EXPECT_EQ(items[0]->child_text("link"), BASE + url_of(long_topic) + "/45");
    EXPECT_EQ(items[0]->child_text("guid"), "forum.test-post-" + std::to_string(long_topic) + "-45");
    EXPECT_EQ(header_of(client.get(url_of(long_topic) + ".rss"), "X-Robots-Tag").value_or(""), "noindex, nofollow");
    EXPECT_EQ(client.get("/t/anything/" + std::to_string(long_topic) + ".rss").status, 200);
    auto const welcome_feed = xml(url_of(welcome) + ".rss", RSS);
    auto const welcome_items = feed_items(welcome_feed, url_of(welcome) + ".rss");
    EXPECT_EQ(welcome_items.size(), 3U); // not the deleted post, not the whisper
    EXPECT_EQ(client.get(url_of(secret) + ".rss").status, 404);
    EXPECT_EQ(client.get(url_of(secret) + ".rss", "admin").status, 404); // feeds are read anonymously
    EXPECT_EQ(client.get(url_of(message) + ".rss").status, 404);
    auto const escaped_feed = client.get(url_of(escaped) + ".rss");
    EXPECT_NO_THROW(parse_xml(escaped_feed.body));
}

// -- Sitemaps -------------------------------------------------------------------------------------

TEST_F(pages_fixture, sitemaps_list_every_public_topic_once)
{
    shared.write([](forum_state &state) { state.settings().sitemap_page_size = 10; });
    auto const index = xml("/sitemap.xml", "application/xml; charset=utf-8");
    EXPECT_EQ(index.name, "sitemapindex");
    std::vector<std::string> sitemaps;
    for (auto const *entry : index.all("sitemap")) {
        sitemaps.push_back(entry->child_text("loc"));
        EXPECT_EQ(entry->child_text("lastmod").size(), 20U) << entry->child_text("lastmod"); // 2024-05-01T12:00:00Z
    }
    // recent first, then ceil(39 / 10) numbered pages.
    ASSERT_EQ(sitemaps,
              (std::vector<std::string>{BASE + std::string{"/sitemap_recent.xml"}, BASE + std::string{"/sitemap_1.xml"},
                                        BASE + std::string{"/sitemap_2.xml"}, BASE + std::string{"/sitemap_3.xml"},
                                        BASE + std::string{"/sitemap_4.xml"}}));
    std::multiset<std::string> locs;
    for (std::size_t i = 1; i < sitemaps.size(); ++i) {
        auto const page = xml(sitemaps[i].substr(std::string{BASE}.size()), "text/xml; charset=UTF-8");
        EXPECT_EQ(page.name, "urlset");
        for (auto const *url : page.all("url")) {
            locs.insert(url->child_text("loc"));
        }
    }
    EXPECT_EQ(locs.size(), 39U);
    EXPECT_EQ(std::set<std::string>(locs.begin(), locs.end()).size(), 39U);
    for (auto const listed : {welcome, fix, long_topic, escaped}) {
        EXPECT_EQ(locs.count(BASE + url_of(listed)), 1U);
    }
    for (auto const hidden : {secret, message, hidden_topic, gone}) {
        EXPECT_EQ(locs.count(BASE + url_of(hidden)), 0U);
    }
    EXPECT_EQ(client.get("/sitemap_5.xml").status, 404);
    EXPECT_EQ(client.get("/sitemap_0.xml").status, 404);
    EXPECT_EQ(client.get("/sitemap_01.xml").status, 404);
    // Recent: topics bumped in the last three days (all of them, by the test clock), newest
    // bump first, long topics with their last page.
    auto const recent = xml("/sitemap_recent.xml", "text/xml; charset=UTF-8");
    auto const recent_urls = recent.all("url");
    ASSERT_EQ(recent_urls.size(), 39U);
    std::set<std::string> recent_locs;
    for (auto const *url : recent_urls) {
        recent_locs.insert(url->child_text("loc"));
    }
    EXPECT_TRUE(recent_locs.contains(BASE + url_of(long_topic) + "?page=3"));
    auto const news = xml("/news.xml", "text/xml; charset=UTF-8");
    EXPECT_EQ(news.all("news:news").size(), 39U);
}

// -- A generated forum, crawled through its pages -----------------------------------------------

class generated_fixture : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        shared = std::make_unique<forum>(generate_forum({.topic_count = 120, .seed = 11}));
        server = std::make_unique<api>(*shared, ADMIN_KEY);
    }
    static void TearDownTestSuite()
    {
        server.reset();
        shared.reset();
    }

    static inline std::unique_ptr<forum> shared;
    static inline std::unique_ptr<api> server;
};

/// \return the path of an absolute URL on the test host, or "" for another host.
std::string local_path(std::string const &url)
{
    return url.starts_with(BASE) ? url.substr(std::string{BASE}.size()) : std::string{};
}

TEST_F(generated_fixture, every_upload_answers_with_its_bytes)
{
    client_of const client{*server};
    auto const uploads = shared->read([](forum_state const &state) { return state.uploads(); });
    ASSERT_FALSE(uploads.empty());
    for (auto const &[id, file] : uploads) {
        auto const answer = client.get(file.url());
        ASSERT_EQ(answer.status, 200) << file.url();
        EXPECT_EQ(forumgate::base::sha1_hex(answer.body), file.sha1);
        EXPECT_EQ(answer.content_type, "image/png");
        EXPECT_EQ(client.get(file.short_path()).body, file.bytes);
    }
}

TEST_F(generated_fixture, crawl_through_lists_and_topic_pages)
{
    // As a crawler: follow rel=next through /latest, open every listed topic, follow each
    // topic's rel=next; every page is well-formed HTML answering 200, and every topic an
    // anonymous reader sees in lists is reached.
    client_of const client{*server};
    std::set<std::string> topic_urls;
    std::size_t pages = 0;
    std::string next = "/latest";
    while (!next.empty()) {
        auto const answer = client.get(next);
        ASSERT_EQ(answer.status, 200) << next;
        auto const page = parse_html(answer.body);
        ++pages;
        for (auto const *anchor : page.all("a")) {
            if (anchor->attribute("itemprop") == "url") {
                EXPECT_TRUE(topic_urls.insert(anchor->attribute("href").value_or("")).second);
            }
        }
        auto const links = head_links(page);
        next = links.contains("next") ? local_path(links.at("next")) : "";
    }
    auto const expected = shared->read([](forum_state const &state) {
        std::size_t count = 0;
        for (auto const &[id, subject] : state.topics()) {
            count += state.listed_for(viewer::anonymous(), subject) ? 1 : 0;
        }
        return count;
    });
    EXPECT_EQ(topic_urls.size(), expected);
    EXPECT_EQ(pages, (expected + 29) / 30);
    std::size_t posts_seen = 0;
    for (auto const &url : topic_urls) {
        std::string target = local_path(url);
        while (!target.empty()) {
            auto const answer = client.get(target);
            ASSERT_EQ(answer.status, 200) << target;
            node page;
            ASSERT_NO_THROW(page = parse_html(answer.body)) << target;
            posts_seen += post_numbers(page).size();
            auto const links = head_links(page);
            EXPECT_EQ(links.at("canonical"), BASE + target);
            target = links.contains("next") ? local_path(links.at("next")) : "";
        }
    }
    EXPECT_GT(posts_seen, expected * 3);
}

TEST_F(generated_fixture, sitemaps_and_feeds_hold_only_public_topics)
{
    client_of const client{*server};
    shared->write([](forum_state &state) { state.settings().sitemap_page_size = 25; });
    auto const index = parse_xml(client.get("/sitemap.xml").body);
    std::multiset<std::string> locs;
    for (auto const *entry : index.all("sitemap")) {
        if (entry->child_text("loc") == BASE + std::string{"/sitemap_recent.xml"}) {
            continue; // recent topics are listed again there
        }
        auto const answer = client.get(local_path(entry->child_text("loc")));
        ASSERT_EQ(answer.status, 200) << entry->child_text("loc");
        auto const page = parse_xml(answer.body);
        for (auto const *url : page.all("url")) {
            locs.insert(url->child_text("loc"));
        }
    }
    auto const expected = shared->read([](forum_state const &state) {
        std::set<std::string> urls;
        for (auto const &[id, subject] : state.topics()) {
            if (state.listed_for(viewer::anonymous(), subject)) {
                urls.insert(BASE + std::string{"/t/"} + (subject.slug.empty() ? "topic" : subject.slug) + "/" +
                            std::to_string(id));
            }
        }
        return urls;
    });
    EXPECT_EQ(std::set<std::string>(locs.begin(), locs.end()), expected);
    EXPECT_EQ(locs.size(), expected.size()); // each exactly once
    // Every sitemap URL opens for an anonymous reader.
    for (auto const &url : expected) {
        EXPECT_EQ(client.get(local_path(url)).status, 200) << url;
    }
    // Feeds parse, whatever the generated posts hold.
    for (std::string const feed : {"/latest.rss", "/posts.rss", "/top.rss"}) {
        auto const answer = client.get(feed);
        ASSERT_EQ(answer.status, 200) << feed;
        EXPECT_NO_THROW(parse_xml(answer.body)) << feed;
    }
    for (auto const &url : expected) {
        auto const answer = client.get(local_path(url) + ".rss");
        ASSERT_EQ(answer.status, 200) << url;
        EXPECT_NO_THROW(parse_xml(answer.body)) << url;
    }
}

} // namespace
} // namespace forumgate::rehearsal
