#pragma once
// Test support for the rehearsal forum's pages (pages*_test.cpp): a small forum served by the
// whole API, a client that asks it as a browser or a crawler would, and what a page's test reads
// off it (head links, post numbers).

#include "rehearsal/api.hpp"
#include "rehearsal/forum.hpp"
#include "rehearsal/generator.hpp"
#include "rehearsal/pages.hpp"
#include "tests/rehearsal/api_support.hpp"
#include "tests/rehearsal/markup.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::test_support {

inline constexpr char const *ADMIN_KEY = "test-admin-key-0123456789";
inline constexpr char const *HOST = "forum.test";
inline constexpr char const *BASE = "http://forum.test";

/// Answers requests through the whole API (authentication, then the page routes, then JSON).
class client_of
{
public:
    explicit client_of(api const &server) : m_server(server) {}

    [[nodiscard]] api_response get(std::string const &target, std::string const &username = "",
                                   std::string const &host = HOST) const
    {
        return m_server.handle(get_request(target, ADMIN_KEY, username, host));
    }

private:
    api const &m_server;
};

// A small forum: a public category with a subcategory, a restricted one, an admin and three
// members; a tagged topic with a deleted reply, a whisper and an upload; a topic of 45 posts;
// 35 topics tagged "bulk"; a topic whose title and body need escaping; a restricted topic, a
// private message, an unlisted and a deleted topic.
class pages_fixture : public ::testing::Test, protected small_forum
{
protected:
    pages_fixture() : shared{forum_state{ticking_clock()}}, server{shared, ADMIN_KEY}, client{server}
    {
        shared.write([this](forum_state &state) {
            state.set_rate_limits(false); // the fixture writes faster than Discourse lets a user post
            add_people_and_places(state, *this);
            state.create_user({.username = "cid", .name = "Cid", .email = "cid@example.org"});
            state.create_tag("bulk");
            picture = state
                          .add_upload({.user_id = ann,
                                       .original_filename = "red dot.png",
                                       .bytes = make_png(2, 1, std::string_view{"\xff\0\0\xff\0\0", 6})})
                          .id;
            add_welcome_topic(state, *this,
                              "This is the first post. ![dot|2x1](" + state.find_upload(picture)->short_url() + ")");
            fix = add_topic(state, bob, repairs, "Fixing a bicycle puncture", "Patch kits work well enough.");
            long_topic =
                add_topic(state, ann, general, "A long thread about everything", "Post number one of the long thread.");
            for (int n = 2; n <= 45; ++n) {
                state.create_post({.user_id = n % 2 == 0 ? bob : ann,
                                   .topic_id = long_topic,
                                   .raw = "Reply number " + std::to_string(n) + " of the long thread.",
                                   .skip_validations = true});
            }
            for (int i = 0; i < 35; ++i) {
                add_topic(state, ann, general, "Bulk topic number " + std::to_string(i) + " for paging",
                          "Bulk body text that is long enough.", {.tags = {"bulk"}, .skip_validations = true});
            }
            escaped = add_topic(state, bob, general, "Fish & chips <b>\"best\"</b> it's ]]> here",
                                "Code: `a ]]> b` and <script>alert(1)</script> & more \x01 text.",
                                {.skip_validations = true});
            add_restricted_topics(state, *this, {"faq"});
            hidden_topic = add_topic(state, ann, general, "An unlisted topic for testing", "Nobody lists this one.",
                                     {.visible = false});
            gone = add_topic(state, ann, general, "A topic that was deleted", "This topic goes away soon.");
            state.delete_post(state.find_post_by_number(gone, 1)->id, admin);
        });
    }

    /// Adds `user_id`'s topic `title` in `category_id`, its first post `raw`; `more` gives the
    /// rest of the request (tags, flags). \return its id.
    static std::int64_t add_topic(forum_state &state, std::int64_t user_id, std::int64_t category_id, std::string title,
                                  std::string raw, create_topic_request more = {})
    {
        more.user_id = user_id;
        more.title = std::move(title);
        more.raw = std::move(raw);
        more.category_id = category_id;
        return state.create_topic(more).id;
    }

    template <typename Reader>
    auto read(Reader &&reader) const
    {
        return shared.read(std::forward<Reader>(reader));
    }

    [[nodiscard]] std::string slug_of(std::int64_t topic_id) const
    {
        return read([&](forum_state const &state) { return state.find_topic(topic_id)->slug; });
    }
    [[nodiscard]] std::string url_of(std::int64_t topic_id) const
    {
        return "/t/" + slug_of(topic_id) + "/" + std::to_string(topic_id);
    }

    /// GETs an HTML page, checks its status, type and well-formedness, and parses it.
    node html(std::string const &target, int status = 200, std::string const &username = "") const
    {
        auto const answer = client.get(target, username);
        EXPECT_EQ(answer.status, status) << target;
        EXPECT_EQ(answer.content_type, "text/html; charset=utf-8") << target;
        try {
            return parse_html(answer.body);
        } catch (std::exception const &problem) {
            ADD_FAILURE() << target << ": " << problem.what();
            return {};
        }
    }

    /// GETs an XML document (feed or sitemap), checks status and type, and parses it.
    node xml(std::string const &target, std::string const &type, std::string const &username = "") const
    {
        auto const answer = client.get(target, username);
        EXPECT_EQ(answer.status, 200) << target;
        EXPECT_EQ(answer.content_type, type) << target;
        try {
            return parse_xml(answer.body);
        } catch (std::exception const &problem) {
            ADD_FAILURE() << target << ": " << problem.what();
            return {};
        }
    }

    /// Expects a redirect with that status to `location` (absolute on the test host).
    void expect_redirect(std::string const &target, int status, std::string const &location) const
    {
        auto const answer = client.get(target);
        EXPECT_EQ(answer.status, status) << target;
        EXPECT_EQ(header_of(answer, "Location").value_or(""), BASE + location) << target;
    }

    forum shared;
    api server;
    client_of client;
    std::int64_t picture = 0, fix = 0, long_topic = 0, escaped = 0, hidden_topic = 0, gone = 0;
};

/// The canonical link, rel=next and rel=prev of a page's head ("" when absent).
inline std::map<std::string, std::string> head_links(node const &page)
{
    std::map<std::string, std::string> out;
    for (auto const *item : page.all("link")) {
        out[item->attribute("rel").value_or("")] = item->attribute("href").value_or("");
    }
    return out;
}

/// The post numbers on a topic page (`id="post_N"`).
inline std::vector<int> post_numbers(node const &page)
{
    std::vector<int> out;
    for (auto const *item : page.all("div")) {
        auto const id = item->attribute("id").value_or("");
        if (id.starts_with("post_")) {
            out.push_back(std::stoi(id.substr(5)));
        }
    }
    return out;
}

inline std::vector<int> numbers(int from, int to)
{
    std::vector<int> out;
    for (int n = from; n <= to; ++n) {
        out.push_back(n);
    }
    return out;
}

} // namespace forumgate::rehearsal::test_support
