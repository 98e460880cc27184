// Tests of rehearsal/pages*.cpp (the rehearsal forum's files and HTML routes): upload bytes and
// their sha1, the short-URL route and lookup, every HTML route shape with its status, redirects
// and canonical link, topic paging, the strict markup checker the pages are parsed with, and
// requests over a real loopback socket. Feeds and sitemaps: pages_feeds_test.cpp.

#include "rehearsal/pages.hpp"

#include "base/digest.hpp"
#include "rehearsal/api.hpp"
#include "tests/rehearsal/pages_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>
#include <string>

namespace forumgate::rehearsal {
namespace {

using namespace test_support;
using nlohmann::json;

TEST(markup_parser, refuses_broken_documents)
{
    EXPECT_NO_THROW(
        parse_xml("<?xml version=\"1.0\"?>\n<a x=\"1&amp;2\"><b>t &lt; <![CDATA[<p>]]]]><![CDATA[>]]></b><c/></a>"));
    EXPECT_EQ(parse_xml("<a><b>x<![CDATA[<p>]]]]><![CDATA[>]]></b></a>").children[0].text, "x<p>]]>");
    EXPECT_THROW(parse_xml("<a><b></a></b>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>fish & chips</a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>&hellip;</a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a x=1></a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a x=\"1\" x=\"2\"></a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>\x01</a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>\xC3</a>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a></a><b></b>"), std::runtime_error);
    EXPECT_THROW(parse_xml("<a>x ]]> y</a>"), std::runtime_error);
    EXPECT_NO_THROW(parse_html(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body itemscope>&hellip;<br></body></html>"));
    EXPECT_THROW(parse_html("<!DOCTYPE html>\n<html><body><p></body></html>"), std::runtime_error);
}

// -- Uploads --------------------------------------------------------------------------------------

TEST_F(pages_fixture, upload_files_round_trip)
{
    auto const file = read([&](forum_state const &state) { return *state.find_upload(picture); });
    auto const answer = client.get(file.url());
    ASSERT_EQ(answer.status, 200) << file.url();
    EXPECT_EQ(answer.content_type, "image/png");
    EXPECT_EQ(answer.body, file.bytes);
    EXPECT_EQ(forumgate::base::sha1_hex(answer.body), file.sha1);
    EXPECT_EQ(header_of(answer, "Cache-Control").value_or(""), "max-age=31536000, public, immutable");
    EXPECT_EQ(header_of(answer, "Content-Disposition").value_or(""), ""); // nginx serves these, with no disposition
    // The tree is not checked (Upload.find_by(sha1:)), the site is; the sha1-only route works.
    EXPECT_EQ(client.get("/uploads/default/original/2X/f/" + file.sha1 + ".png").body, file.bytes);
    EXPECT_EQ(client.get("/uploads/default/" + file.sha1 + ".png").body, file.bytes);
    EXPECT_EQ(client.get("/uploads/elsewhere/original/1X/" + file.sha1 + ".png").status, 404);
    auto const unknown = client.get("/uploads/default/original/1X/" + std::string(40, 'a') + ".png");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(client.get("/uploads/default/original/1X/nothex.png").status, 404);
    EXPECT_EQ(client.get("/uploads/lookup-urls").status, 404); // a POST route
}

TEST_F(pages_fixture, short_urls_send_the_file_and_secure_urls_redirect)
{
    auto const file = read([&](forum_state const &state) { return *state.find_upload(picture); });
    // The local store sends the file from the short URL (an S3 store would redirect).
    auto const answer = client.get(file.short_path());
    ASSERT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, file.bytes);
    EXPECT_EQ(answer.content_type, "image/png");
    EXPECT_EQ(header_of(answer, "Content-Disposition").value_or(""),
              "attachment; filename=\"red dot.png\"; filename*=UTF-8''red%20dot.png");
    EXPECT_EQ(client.get("/uploads/short-url/zzzzzzzzzzz.png").status, 404);
    EXPECT_EQ(client.get("/uploads/short-url/not-base62!.png").status, 404);
    expect_redirect("/secure-uploads/original/1X/" + file.sha1 + ".png", 302, file.url());
    expect_redirect("/secure-media-uploads/optimized/1X/" + file.sha1 + "_2_10x5.png", 302, file.url());
    EXPECT_EQ(client.get("/secure-uploads/original/1X/" + std::string(40, 'b') + ".png").status, 404);
}

TEST_F(pages_fixture, lookup_urls)
{
    // POST /uploads/lookup-urls as answer_page answers it for the viewer the credentials name.
    auto const lookup = [this](std::string const &body, std::string const &content_type, std::string const &username) {
        api_request request;
        request.method = boost::beast::http::verb::post;
        request.path = "/uploads/lookup-urls";
        request.body = body;
        request.content_type = content_type;
        request.host = HOST;
        auto const answer = read([&](forum_state const &state) {
            auto const who =
                username.empty() ? viewer::anonymous() : viewer::of(*state.find_user_by_username(username));
            return answer_page(state, who, forumgate::rehearsal::request{request});
        });
        EXPECT_TRUE(answer.has_value());
        return answer.value_or(api_response{});
    };
    auto const file = read([&](forum_state const &state) { return *state.find_upload(picture); });
    std::string const unknown = "upload://zzzzzzzzzzzzzzzzzzzzzzzzzz.png";
    auto const anonymous = lookup("short_urls%5B%5D=" + file.short_url(), "application/x-www-form-urlencoded", "");
    EXPECT_EQ(anonymous.status, 403);
    EXPECT_EQ(json::parse(anonymous.body),
              json::parse(R"({"errors":["You need to be logged in to do that."],"error_type":"not_logged_in"})"));

    // Found uploads only, each short URL once, in the order asked.
    auto const form = lookup("short_urls%5B%5D=" + file.short_url() + "&short_urls%5B%5D=" + unknown +
                                 "&short_urls[]=" + file.short_url(),
                             "application/x-www-form-urlencoded; charset=UTF-8", "admin");
    ASSERT_EQ(form.status, 200);
    EXPECT_EQ(form.content_type, "application/json; charset=utf-8");
    auto const expected =
        json::array({{{"short_url", file.short_url()}, {"url", file.url()}, {"short_path", file.short_path()}}});
    EXPECT_EQ(json::parse(form.body), expected);
    EXPECT_EQ(
        json::parse(lookup(json{{"short_urls", {file.short_url(), unknown}}}.dump(), "application/json", "ann").body),
        expected);
    EXPECT_EQ(json::parse(lookup("", "application/x-www-form-urlencoded", "ann").body), json::array());
    // Other POSTs are not the pages' (the JSON API's write side answers them).
    api_request other;
    other.method = boost::beast::http::verb::post;
    other.path = "/posts.json";
    EXPECT_FALSE(read([&](forum_state const &state) {
                     return answer_page(state, viewer::anonymous(), forumgate::rehearsal::request{other});
                 }).has_value());
}

// -- Topics ---------------------------------------------------------------------------------------

TEST_F(pages_fixture, topic_page_as_the_crawler_view)
{
    auto const page = html(url_of(welcome));
    auto const links = head_links(page);
    EXPECT_EQ(links.at("canonical"), BASE + url_of(welcome));
    EXPECT_FALSE(links.contains("next"));
    EXPECT_FALSE(links.contains("prev"));
    EXPECT_EQ(links.at("alternate nofollow"), BASE + url_of(welcome) + ".rss");
    EXPECT_EQ(page.all("title").at(0)->text, "Welcome to the rehearsal forum - General - Rehearsal forum");
    // Post 3 was deleted and post 4 is a whisper: neither is shown to an anonymous reader.
    EXPECT_EQ(post_numbers(page), (std::vector<int>{1, 2, 5}));
    auto const answer = client.get(url_of(welcome));
    EXPECT_NE(answer.body.find("This is the first post."), std::string::npos);
    EXPECT_EQ(answer.body.find("A whisper only staff can read."), std::string::npos);
    EXPECT_EQ(answer.body.find("A reply that will be deleted."), std::string::npos);
    // The cooked upload points at the file, which answers.
    auto const image = page.all("img");
    ASSERT_EQ(image.size(), 1U);
    EXPECT_EQ(client.get(image[0]->attribute("src").value_or("")).status, 200);
    // Staff see the whisper.
    EXPECT_EQ(post_numbers(html(url_of(welcome), 200, "admin")), (std::vector<int>{1, 2, 4, 5}));
}

TEST_F(pages_fixture, topic_pages_of_twenty_posts)
{
    std::string const url = url_of(long_topic);
    auto const first_page = html(url);
    EXPECT_EQ(post_numbers(first_page), numbers(1, 20));
    EXPECT_EQ(head_links(first_page).at("next"), BASE + url + "?page=2");
    EXPECT_FALSE(head_links(first_page).contains("prev"));
    auto const second_page = html(url + "?page=2");
    EXPECT_EQ(post_numbers(second_page), numbers(21, 40));
    EXPECT_EQ(head_links(second_page).at("canonical"), BASE + url + "?page=2");
    EXPECT_EQ(head_links(second_page).at("prev"), BASE + url);
    EXPECT_EQ(head_links(second_page).at("next"), BASE + url + "?page=3");
    auto const third_page = html(url + "?page=3");
    EXPECT_EQ(post_numbers(third_page), numbers(41, 45));
    EXPECT_EQ(head_links(third_page).at("prev"), BASE + url + "?page=2");
    EXPECT_FALSE(head_links(third_page).contains("next"));
    // The body links the same pages.
    std::set<std::string> body_rels;
    for (auto const *anchor : third_page.all("a")) {
        if (auto const rel = anchor->attribute("rel")) {
            body_rels.insert(*rel + " " + anchor->attribute("href").value_or(""));
        }
    }
    EXPECT_TRUE(body_rels.contains("prev " + std::string{BASE} + url + "?page=2"));
    // Past the end, or negative: 404 as TopicsController decides ((N-1)·20 ≥ highest_post_number).
    html(url + "?page=4", 404);
    html(url + "?page=-1", 404);
    html(url + "?page=9223372036854775807", 404);
    EXPECT_EQ(post_numbers(html(url + "?page=0")), numbers(1, 20));
    // A post number opens the page that holds it; its canonical link names that page.
    auto const at_25 = html(url + "/25");
    EXPECT_EQ(post_numbers(at_25), numbers(21, 40));
    EXPECT_EQ(head_links(at_25).at("canonical"), BASE + url + "?page=2");
    EXPECT_EQ(post_numbers(html(url + "/last")), numbers(41, 45));
    EXPECT_EQ(post_numbers(html(url + "/20")), numbers(1, 20));
}

TEST_F(pages_fixture, topic_redirects)
{
    std::string const id = std::to_string(long_topic);
    std::string const url = url_of(long_topic);
    // No slug, or a wrong one: 301 to the canonical URL, keeping the post number and the page.
    expect_redirect("/t/" + id, 301, url);
    expect_redirect("/t/" + id + "/7", 301, url + "/7");
    expect_redirect("/t/" + id + "/1", 301, url + "/1");
    expect_redirect("/t/" + id + "/last", 301, url + "/99999999");
    expect_redirect("/t/wrong-slug/" + id, 301, url);
    expect_redirect("/t/wrong-slug/" + id + "/7", 301, url + "/7");
    expect_redirect("/t/wrong-slug/" + id + "?page=2", 301, url + "?page=2");
    expect_redirect("/t/wrong-slug/" + id + "/30?page=2&u=ann", 301, url + "/30?page=2");
    // By slug alone, and by external id.
    expect_redirect("/t/" + slug_of(long_topic), 301, url);
    expect_redirect("/t/external_id/old-42", 301, url_of(welcome));
    html("/t/no-such-topic-slug", 404);
    html("/t/external_id/nope", 404);
    html("/t/wrong-slug/999999", 404);
    html("/t/" + slug_of(long_topic) + "/" + id + "/not-a-number", 404);
    // A page past the end is a 404 before any redirect.
    html("/t/wrong-slug/" + id + "?page=9", 404);
}

TEST_F(pages_fixture, topic_visibility)
{
    // Restricted, private, deleted: 404 for anonymous readers, HTML 404 page.
    auto const secret_page = html(url_of(secret), 404);
    EXPECT_EQ(secret_page.all("title").at(0)->text, "Page Not Found - Rehearsal forum");
    html("/t/" + std::to_string(secret), 404);
    html(url_of(message), 404);
    html(url_of(gone), 404);
    // The admin sees all three; the participants see the message, other members do not.
    html(url_of(secret), 200, "admin");
    html(url_of(secret), 404, "cid");
    html(url_of(message), 200, "bob");
    html(url_of(message), 200, "ann");
    html(url_of(message), 404, "cid");
    html(url_of(gone), 200, "admin");
    // Unlisted topics open by URL.
    html(url_of(hidden_topic));
}

TEST_F(pages_fixture, post_links_redirect_with_302)
{
    auto const [second_post, fourth] = read([&](forum_state const &state) {
        return std::pair{state.find_post_by_number(welcome, 2)->id, state.find_post_by_number(long_topic, 44)->id};
    });
    expect_redirect("/p/" + std::to_string(second_post), 302, url_of(welcome) + "/2");
    expect_redirect("/p/" + std::to_string(fourth) + "/" + std::to_string(ann), 302, url_of(long_topic) + "/44");
    html("/p/" + std::to_string(deleted), 404);
    html("/p/" + std::to_string(whisper), 404);
    EXPECT_EQ(client.get("/p/" + std::to_string(whisper), "admin").status, 302);
    html("/p/999999", 404);
}

// -- Categories, users, tags, lists -----------------------------------------------------------

TEST_F(pages_fixture, category_routes)
{
    std::string const general_url = "/c/general/" + std::to_string(general);
    std::string const repairs_url = "/c/general/repairs/" + std::to_string(repairs);
    auto const page = html(general_url);
    EXPECT_EQ(head_links(page).at("canonical"), BASE + general_url);
    EXPECT_EQ(head_links(page).at("next"), BASE + general_url + "?page=1");
    EXPECT_EQ(head_links(page).at("alternate nofollow"), BASE + general_url + ".rss");
    auto const second_page = html(general_url + "?page=1");
    EXPECT_EQ(head_links(second_page).at("prev"), BASE + general_url);
    html(repairs_url);
    html(general_url + "/l/latest");
    html(general_url + "/none");
    // Slug paths that are not the category's: 301 to the same URL with the right one.
    expect_redirect("/c/general", 301, general_url);
    expect_redirect("/c/" + std::to_string(general), 301, general_url);
    expect_redirect("/c/wrong/" + std::to_string(general), 301, general_url);
    expect_redirect("/c/general/l/latest", 301, general_url + "/l/latest");
    expect_redirect("/c/general/repairs", 301, repairs_url);
    expect_redirect("/c/repairs/" + std::to_string(repairs) + "?page=1", 301, repairs_url + "?page=1");
    expect_redirect("/c", 301, "/categories");
    // The pre-2014 form: 302 to /c/…, which may 301 again.
    expect_redirect("/category/general", 302, "/c/general");
    // Only top-level slugs match alone; restricted categories are hidden.
    html("/c/repairs", 404);
    html("/c/nope", 404);
    html("/c/board-room/" + std::to_string(board), 404);
    html("/c/board-room/" + std::to_string(board), 200, "admin");
    auto const categories = client.get("/categories");
    EXPECT_EQ(categories.status, 200);
    EXPECT_NE(categories.body.find(general_url), std::string::npos);
    EXPECT_NE(categories.body.find(repairs_url), std::string::npos);
    EXPECT_EQ(categories.body.find("Board room"), std::string::npos);
    EXPECT_NE(client.get("/categories", "admin").body.find("Board room"), std::string::npos);
}

TEST_F(pages_fixture, user_routes)
{
    auto const page = html("/u/ann");
    EXPECT_EQ(head_links(page).at("canonical"), std::string{BASE} + "/u/ann");
    html("/u/ANN");
    html("/users/ann");
    html("/u/ann/summary");
    html("/u/ann/activity");
    html("/u/ann/activity/topics");
    html("/u/ann/badges");
    html("/u/ann/preferences", 404);
    html("/u/nobody", 404);
    // The topics a user started are listed, not a private message for anonymous readers.
    EXPECT_NE(client.get("/u/bob").body.find(url_of(fix)), std::string::npos);
    EXPECT_NE(client.get("/u/ann?page=1").body.find(url_of(welcome)), std::string::npos);
    EXPECT_EQ(client.get("/u/ann").body.find(url_of(message)), std::string::npos);
    EXPECT_EQ(client.get("/u/ann?page=1").body.find(url_of(message)), std::string::npos);
}

TEST_F(pages_fixture, lists_and_site_pages)
{
    auto const home = html("/");
    EXPECT_EQ(head_links(home).at("canonical"), std::string{BASE} + "/");
    EXPECT_EQ(head_links(home).at("next"), std::string{BASE} + "/?page=1");
    auto const latest = html("/latest");
    EXPECT_EQ(head_links(latest).at("next"), std::string{BASE} + "/latest?page=1");
    // Pages past the end are empty, whatever the number.
    auto const far = html("/latest?page=9223372036854775807");
    EXPECT_TRUE(
        std::ranges::none_of(far.all("a"), [](node const *anchor) { return anchor->attribute("itemprop") == "url"; }));
    EXPECT_FALSE(head_links(far).contains("next"));
    auto const last_page = html("/latest?page=1");
    EXPECT_FALSE(head_links(last_page).contains("next"));
    EXPECT_EQ(head_links(last_page).at("prev"), std::string{BASE} + "/latest");
    // Latest lists 30 topics a page; every listed topic appears once over the pages, never a
    // restricted, private, unlisted or deleted one.
    std::multiset<std::string> listed;
    for (auto const *list_page : {&latest, &last_page}) {
        for (auto const *anchor : list_page->all("a")) {
            if (anchor->attribute("itemprop") == "url") {
                listed.insert(anchor->attribute("href").value_or(""));
            }
        }
    }
    EXPECT_EQ(listed.size(), 39U); // welcome, fix, long, escaped and 35 bulk topics
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), listed.size());
    for (auto const hidden : {secret, message, hidden_topic, gone}) {
        EXPECT_FALSE(listed.contains(BASE + url_of(hidden)));
    }
    html("/top");
    html("/about");
    html("/faq");
    html("/guidelines");
    html("/tos");
    html("/privacy");
    auto const about = json::parse(client.get("/about.json").body);
    EXPECT_EQ(about["about"]["admins"][0]["username"], "admin");
    EXPECT_EQ(about["about"]["stats"]["topic_count"], 39);
    auto const robots = client.get("/robots.txt");
    EXPECT_EQ(robots.status, 200);
    EXPECT_EQ(robots.content_type, "text/plain; charset=utf-8");
    EXPECT_NE(robots.body.find("User-agent: *\nDisallow: /admin/\n"), std::string::npos);
    EXPECT_NE(robots.body.find("\nSitemap: http://forum.test/sitemap.xml\n"), std::string::npos);
    // Unknown paths: Discourse's 404 page.
    for (std::string const target : {"/no/such/page", "/t", "/latest/extra", "/nope.rss", "/nope.txt", "/nope.xml"}) {
        auto const missing = client.get(target);
        EXPECT_EQ(missing.status, 404) << target;
        EXPECT_EQ(missing.content_type, "text/html; charset=utf-8") << target;
    }
    // The JSON API still answers its own routes, and JSON 404s.
    EXPECT_EQ(client.get("/latest.json").status, 200);
    EXPECT_EQ(client.get("/no/such/page.json").content_type, "application/json; charset=utf-8");
    EXPECT_EQ(client.get("/raw/" + std::to_string(welcome) + "/1").content_type, "text/plain; charset=utf-8");
}

TEST_F(pages_fixture, tag_pages_and_json)
{
    html("/tag/faq");
    html("/tag/FAQ");
    html("/tag/bulk/l/top");
    html("/tag/nope", 404);
    expect_redirect("/tags/faq", 301, "/tag/faq");
    auto const index = client.get("/tags");
    EXPECT_EQ(index.status, 200);
    EXPECT_NE(index.body.find("/tag/bulk"), std::string::npos);

    // /tag/{name}.json: a topic list as /latest.json writes it, with the tag.
    auto const faq = json::parse(client.get("/tag/faq.json").body);
    ASSERT_EQ(faq["topic_list"]["topics"].size(), 1U); // not the board's minutes
    EXPECT_EQ(faq["topic_list"]["topics"][0]["id"], welcome);
    EXPECT_EQ(faq["topic_list"]["tags"][0]["name"], "faq");
    EXPECT_FALSE(faq["topic_list"].contains("more_topics_url"));
    EXPECT_EQ(json::parse(client.get("/tag/faq.json", "admin").body)["topic_list"]["topics"].size(), 2U);
    auto const latest = json::parse(client.get("/latest.json").body);
    auto const keys = [](json const &object) {
        std::set<std::string> out;
        for (auto const &[key, value] : object.items()) {
            out.insert(key);
        }
        return out;
    };
    auto const &latest_item = latest["topic_list"]["topics"][0];
    for (auto const &item : faq["topic_list"]["topics"]) {
        EXPECT_EQ(keys(item), keys(latest_item)); // the same fields as the JSON API's lists
    }
    EXPECT_EQ(keys(faq["users"][0]), keys(latest["users"][0]));

    auto const bulk = json::parse(client.get("/tag/bulk.json").body);
    EXPECT_EQ(bulk["topic_list"]["topics"].size(), 30U);
    EXPECT_EQ(bulk["topic_list"]["more_topics_url"], "/tag/bulk?match_all_tags=true&page=1&tags%5B%5D=bulk");
    auto const rest = json::parse(client.get("/tag/bulk.json?match_all_tags=true&page=1&tags%5B%5D=bulk").body);
    EXPECT_EQ(rest["topic_list"]["topics"].size(), 5U);
    EXPECT_FALSE(rest["topic_list"].contains("more_topics_url"));
    EXPECT_EQ(json::parse(client.get("/tag/bulk.json?page=9223372036854775807").body)["topic_list"]["topics"].size(),
              0U);
    auto const missing = client.get("/tag/nope.json");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(json::parse(missing.body)["error_type"], "not_found");
}

// -- Over a real socket ------------------------------------------------------------------------------

TEST_F(pages_fixture, serves_over_loopback)
{
    loopback served{server.handler()};
    auto const port = served.port();
    auto const file = read([&](forum_state const &state) { return *state.find_upload(picture); });

    auto const sitemap = testing::http_request(port, "/sitemap_1.xml", "old.example:8080");
    auto const image = testing::http_request(port, file.url(), "old.example");
    auto const image_head = testing::http_request(port, file.url(), "old.example", "HEAD");
    auto const moved = testing::http_request(port, "/t/" + std::to_string(welcome), "old.example");
    // Without a Host header, absolute URLs name the address the request came in on.
    testing::http_client bare{port};
    ASSERT_TRUE(bare.send("GET /robots.txt HTTP/1.0\r\n\r\n"));
    auto const robots = bare.read_response();
    served.stop();

    ASSERT_TRUE(sitemap);
    EXPECT_EQ(sitemap->status, 200);
    auto const sitemap_root = parse_xml(sitemap->body);
    auto const urls = sitemap_root.all("loc");
    ASSERT_FALSE(urls.empty());
    EXPECT_TRUE(urls[0]->text.starts_with("http://old.example:8080/t/")) << urls[0]->text;
    ASSERT_TRUE(image);
    EXPECT_EQ(image->status, 200);
    EXPECT_EQ(image->body, file.bytes);
    EXPECT_EQ(image->header("Content-Type"), "image/png");
    EXPECT_EQ(image->header("Content-Length"), std::to_string(file.bytes.size()));
    ASSERT_TRUE(image_head);
    EXPECT_EQ(image_head->header("Content-Length"), std::to_string(file.bytes.size()));
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->status, 301);
    EXPECT_EQ(moved->header("Location"), "http://old.example" + url_of(welcome));
    ASSERT_TRUE(robots);
    EXPECT_NE(robots->body.find("Sitemap: http://127.0.0.1:" + std::to_string(port) + "/sitemap.xml"),
              std::string::npos);
}

} // namespace
} // namespace forumgate::rehearsal
