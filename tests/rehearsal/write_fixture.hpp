#pragma once
// Test support for the rehearsal forum's write API (api_write*_test.cpp): a forum on a clock the
// tests move by hand, and requests with form bodies as clients send them.

#include "base/url_codec.hpp"
#include "rehearsal/api.hpp"
#include "rehearsal/forum.hpp"
#include "tests/rehearsal/api_support.hpp"

#include <boost/beast/http/verb.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::test_support {

using verb = boost::beast::http::verb;
using fields = std::vector<std::pair<std::string, std::string>>;

inline constexpr char const *WRITE_ADMIN_KEY = "write-test-admin-key-0123456789";
/// PostCreator's message for a topic that is missing, hidden or closed to the author.
inline constexpr char const *TOPIC_NOT_FOUND =
    "Something has gone wrong. Perhaps this topic was closed or deleted while you were looking at it?";

/// \return `text` percent-encoded for a form body (space as `+`).
inline std::string form_escape(std::string_view text)
{
    std::string out;
    for (char const c : text) {
        if (c == ' ') {
            out.push_back('+');
        } else {
            forumgate::base::append_encoded_query_component(out, std::string_view{&c, 1});
        }
    }
    return out;
}

inline std::string form_body(fields const &values)
{
    std::string body;
    for (auto const &[name, value] : values) {
        body += (body.empty() ? "" : "&") + form_escape(name) + "=" + form_escape(value);
    }
    return body;
}

// A forum with a public category, a category only the group `board` (Bob) sees, an admin and
// two members who signed up years ago, on a clock the tests move by hand.
class write_fixture : public ::testing::Test
{
protected:
    write_fixture()
        : clock(std::make_shared<timestamp>(*parse_time("2024-05-01T12:00:00Z"))),
          shared{forum_state{[c = clock] { return *c; }}}, server{shared, WRITE_ADMIN_KEY}
    {
        shared.write([this](forum_state &state) {
            auto const member_since_2019 = [&state](std::string const &username, std::string name, bool is_admin) {
                return state
                    .create_user({.username = username,
                                  .name = std::move(name),
                                  .email = username + "@example.org",
                                  .created_at = *parse_time("2019-03-01T10:00:00Z"),
                                  .admin = is_admin})
                    .id;
            };
            general = state.create_category({.name = "General"}).id;
            admin = member_since_2019("admin", "Admin", true);
            ann = member_since_2019("ann", "Ann Lee", false);
            bob = member_since_2019("bob", "Bob", false);
            (void)state.create_group("board", {bob});
            board =
                state.create_category({.name = "Board room", .read_restricted = true, .allowed_groups = {"board"}}).id;
        });
    }

    void wait(int seconds) { *clock += std::chrono::seconds{seconds}; }

    /// Answers `method target` with `body` as `username` (with the admin key), or anonymously.
    api_response send(verb method, std::string const &target, std::string body, std::string content_type,
                      std::string const &username, api const *through = nullptr) const
    {
        api_request request;
        request.method = method;
        auto const question = target.find('?');
        request.path = target.substr(0, question);
        request.query = question == std::string::npos ? "" : target.substr(question + 1);
        request.body = std::move(body);
        request.content_type = std::move(content_type);
        request.client = "127.0.0.1";
        if (!username.empty()) {
            request.api_key = WRITE_ADMIN_KEY;
            request.api_username = username;
        }
        return (through != nullptr ? *through : server).handle(request);
    }

    api_response post(std::string const &target, fields const &values, std::string const &username) const
    {
        return send(verb::post, target, form_body(values), "application/x-www-form-urlencoded", username);
    }

    api_response put(std::string const &target, fields const &values, std::string const &username) const
    {
        return send(verb::put, target, form_body(values), "application/x-www-form-urlencoded", username);
    }

    api_response get(std::string const &target, std::string const &username = "") const
    {
        return send(verb::get, target, "", "", username);
    }

    static nlohmann::json body_of(api_response const &answer) { return nlohmann::json::parse(answer.body); }

    /// Posts a topic in General as `username`: `title`, a first post of `raw`, then `more` (which
    /// may name any of these again: the last value counts). \return the answer as it is.
    api_response post_topic(std::string const &username, std::string const &title, std::string const &raw,
                            fields const &more = {}) const
    {
        fields values{{"title", title}, {"raw", raw}, {"category", std::to_string(general)}};
        values.insert(values.end(), more.begin(), more.end());
        return post("/posts.json", values, username);
    }

    /// Creates a topic in General as `username` (post_topic). \return the answer's JSON (the first post).
    nlohmann::json new_topic(std::string const &username, std::string const &title, fields const &more = {})
    {
        auto const answer = post_topic(username, title, "The first post of \"" + title + "\", long enough.", more);
        EXPECT_EQ(answer.status, 200) << title << ": " << answer.body;
        return body_of(answer);
    }

    nlohmann::json reply(std::string const &username, std::int64_t topic_id, std::string const &raw, fields more = {})
    {
        more.emplace_back("topic_id", std::to_string(topic_id));
        more.emplace_back("raw", raw);
        auto const answer = post("/posts.json", more, username);
        EXPECT_EQ(answer.status, 200) << raw << ": " << answer.body;
        return body_of(answer);
    }

    /// The post numbers of a topic's stream as `username` sees it.
    std::vector<int> stream_numbers(std::int64_t topic_id, std::string const &username = "") const
    {
        auto const topic = body_of(get("/t/" + std::to_string(topic_id) + ".json", username));
        std::vector<int> numbers;
        for (auto const &item : topic["post_stream"]["posts"]) {
            numbers.push_back(item["post_number"]);
        }
        return numbers;
    }

    std::shared_ptr<timestamp> clock;
    forum shared;
    api server;
    std::int64_t general = 0, board = 0;
    std::int64_t admin = 0, ann = 0, bob = 0;
};

} // namespace forumgate::rehearsal::test_support
