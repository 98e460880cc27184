// Tests of importer/discourse_json (reading Discourse's answers with every field checked, and
// finding mentions and uploads in posts) and of printable_text, against the recorded answers in
// tests/fixtures/discourse and hand-made broken ones.

#include "importer/discourse_json.hpp"

#include "importer/archive.hpp"
#include "tests/support/json_shape.hpp"

#include <gtest/gtest.h>

using namespace forumgate::importer;
using nlohmann::json;

namespace {

json fixture(std::string const &name)
{
    return forumgate::testing::read_json_file(std::string{FORUMGATE_FIXTURES} + "/discourse/" + name);
}

std::string error_of(std::function<void()> const &action)
{
    try {
        action();
    } catch (bad_answer const &e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(discourse_json, reads_recorded_topic_lists_and_both_forms_of_more_topics_url)
{
    auto list = fixture("api-latest-topics.json");
    auto const page = read_topic_list("https://old/latest.json", list);
    EXPECT_EQ(page.topics.size(), list["topic_list"]["topics"].size());
    EXPECT_FALSE(page.topics.front().signature.empty());

    list["topic_list"]["more_topics_url"] = "/latest.json?page=3";
    EXPECT_EQ(read_topic_list("u", list).next_page, 3);
    list["topic_list"]["more_topics_url"] = "/latest?no_definitions=true&page=4";
    EXPECT_EQ(read_topic_list("u", list).next_page, 4);
    list["topic_list"].erase("more_topics_url");
    EXPECT_EQ(read_topic_list("u", list).next_page, std::nullopt);
    list["topic_list"]["more_topics_url"] = "/latest?order=created";
    EXPECT_NE(
        error_of([&] {
            (void)read_topic_list("https://old/latest.json", list);
        }).find("https://old/latest.json: topic_list.more_topics_url /latest?order=created has no page parameter"),
        std::string::npos);
}

TEST(discourse_json, reads_a_recorded_topic_and_its_posts)
{
    auto const topic = read_topic("https://old/t/57.json", fixture("api-topic-show.json"));
    EXPECT_GT(topic.id, 0);
    EXPECT_FALSE(topic.title.empty());
    EXPECT_FALSE(topic.stream.empty());
    EXPECT_FALSE(topic.first_posts.empty());
    EXPECT_FALSE(topic.data.contains("post_stream"));

    // The recording's raw is a parsed document (an array), not markdown: refused by name.
    auto recorded = fixture("api-topic-posts-by-ids.json");
    auto const first_id = recorded["post_stream"]["posts"][0]["id"].get<long>();
    EXPECT_NE(error_of([&] {
                  (void)read_posts("https://old/t/1/posts.json", recorded, true);
              }).find("post " + std::to_string(first_id) + ".raw is array, expected a string"),
              std::string::npos);
    for (auto &post : recorded["post_stream"]["posts"]) {
        post["raw"] = "Markdown of post " + std::to_string(post["id"].get<long>());
    }
    auto const posts = read_posts("https://old/t/1/posts.json", recorded, true);
    EXPECT_EQ(posts.front().raw, "Markdown of post " + std::to_string(first_id));
    ASSERT_FALSE(posts.empty());
    EXPECT_GT(posts.front().post_number, 0);
    EXPECT_FALSE(posts.front().created_at.empty());
    // Without raw, a posts answer is refused when raw is needed, naming the post.
    auto without_raw = recorded;
    for (auto &post : without_raw["post_stream"]["posts"]) {
        post.erase("raw");
    }
    EXPECT_NE(error_of([&] {
                  (void)read_posts("https://old/t/1/posts.json", without_raw, true);
              }).find("https://old/t/1/posts.json: post " + std::to_string(posts.front().id) + " has no field 'raw'"),
              std::string::npos);
}

TEST(discourse_json, names_the_url_and_field_of_what_is_wrong)
{
    auto topic = fixture("api-topic-show.json");
    topic["highest_post_number"] = "seven";
    EXPECT_NE(error_of([&] { (void)read_topic("https://old/t/57.json", topic); })
                  .find("https://old/t/57.json: topic " + std::to_string(topic["id"].get<long>()) +
                        ".highest_post_number is string, expected an integer"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  (void)parse_answer("https://old/site.json", "<html>Bad gateway</html>");
              }).find("https://old/site.json: not JSON"),
              std::string::npos);
    EXPECT_NE(
        error_of([&] { (void)parse_answer("https://old/t/1.json", "{\"title\":\"\xC3\x28\"}"); }).find("not JSON"),
        std::string::npos);
    EXPECT_NE(error_of([&] {
                  (void)read_site_categories("https://old/site.json", json::parse(R"({"categories":[{"id":3}]})"));
              }).find("https://old/site.json: category 3 has no field 'name'"),
              std::string::npos);
}

TEST(discourse_json, reads_users_from_both_answers)
{
    auto const shown = read_user("https://old/u/x.json", fixture("api-user-show.json"));
    EXPECT_FALSE(shown.username.empty());
    auto const listed = fixture("api-admin-users-list.json");
    auto const first = read_user("https://old/admin/users/list/all.json", listed.at(0));
    EXPECT_FALSE(first.email.empty());
}

TEST(discourse_json, tags_as_names_or_objects)
{
    auto const tags = read_tags(
        "u", json::parse(R"({"tags":[{"id":"agm","text":"agm","count":3},{"id":"x","name":"minutes","count":1}]})"));
    ASSERT_EQ(tags.size(), 2U);
    EXPECT_EQ(tags[0], (std::pair<std::string, int>{"agm", 3}));
    EXPECT_EQ(tags[1], (std::pair<std::string, int>{"minutes", 1}));
}

TEST(mentioned_usernames, finds_live_mentions_only)
{
    EXPECT_EQ(mentioned_usernames("Thanks @Zoe and @bob.smith, also @_x.\nmail me at ann@example.org"),
              (std::vector<std::string>{"_x", "bob.smith", "zoe"}));
    EXPECT_EQ(mentioned_usernames("`@code` and\n```\n@fenced\n```\n@real"), (std::vector<std::string>{"real"}));
    EXPECT_EQ(mentioned_usernames("see https://x.org/@someone"), (std::vector<std::string>{}));
}

TEST(referenced_uploads, finds_short_urls_and_original_paths_once)
{
    auto const refs = referenced_uploads(
        "![a|10x10](upload://aBc123.png) and again upload://aBc123.png and [doc](upload://Zz9.pdf)",
        R"(<img src="/uploads/default/original/1X/0123456789abcdef0123456789abcdef01234567.png"> )"
        R"(<a href="https://cdn.example/uploads/default/original/2X/a/b/0123456789abcdef0123456789abcdef01234568.jpeg">)");
    ASSERT_EQ(refs.size(), 4U);
    EXPECT_EQ(refs[0].short_url, "upload://aBc123.png");
    EXPECT_EQ(refs[1].short_url, "upload://Zz9.pdf");
    EXPECT_EQ(refs[2].path, "/uploads/default/original/1X/0123456789abcdef0123456789abcdef01234567.png");
    EXPECT_EQ(refs[3].path, "/uploads/default/original/2X/a/b/0123456789abcdef0123456789abcdef01234568.jpeg");
}

TEST(printable_text, escapes_what_is_not_utf8_text)
{
    EXPECT_EQ(printable_text("café ✓"), "café ✓");
    EXPECT_EQ(printable_text("a\xC3\x28z"), "a\\xC3(z");
    EXPECT_EQ(printable_text("line\r\nbreak\x7F"), "line\\x0D\\x0Abreak\\x7F");
    EXPECT_EQ(printable_text("\xF0\x9F"), "\\xF0\\x9F");
}

TEST(pg_text_array, quotes_every_element)
{
    EXPECT_EQ(forumgate::pg::text_array_literal({}), "{}");
    EXPECT_EQ(forumgate::pg::text_array_literal({"a", "b c", "q\"uote", "back\\slash", "NULL"}),
              R"({"a","b c","q\"uote","back\\slash","NULL"})");
}
