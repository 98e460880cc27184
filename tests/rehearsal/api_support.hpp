#pragma once
// Test support for the rehearsal forum's REST API and pages (api_test.cpp, api_write*_test.cpp,
// pages*_test.cpp): the recorded Discourse responses, a ticking clock, requests as the API
// receives them, and the API served on a loopback port.

#include "rehearsal/api.hpp"
#include "rehearsal/forum.hpp"
#include "rehearsal/http_server.hpp"
#include "tests/support/json_shape.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::test_support {

/// \return the recorded Discourse response or schema `name` (tests/fixtures/discourse).
inline nlohmann::json discourse_fixture(std::string const &name)
{
    return forumgate::testing::read_json_file(std::string{FORUMGATE_FIXTURES} + "/discourse/" + name);
}

/// \return `lines`, each ended by a newline ("" for none), so that a list of problems prints well.
inline std::string joined(std::vector<std::string> const &lines)
{
    std::string out;
    for (auto const &line : lines) {
        out += line + "\n";
    }
    return out;
}

/// A clock that moves one minute per reading, so topics and posts have distinct times.
inline std::function<timestamp()> ticking_clock()
{
    auto now = std::make_shared<timestamp>(*parse_time("2024-05-01T12:00:00Z"));
    return [now] { return *now += std::chrono::minutes{1}; };
}

/// \return the value of header `name` of an answer, or nullopt.
inline std::optional<std::string> header_of(api_response const &answer, std::string_view name)
{
    for (auto const &[key, value] : answer.headers) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

/// \return a GET of `target` (path and query) as the API receives it: as `username` with
/// `api_key`, or anonymously when `username` is empty.
inline api_request get_request(std::string const &target, std::string const &api_key, std::string const &username,
                               std::string host = {})
{
    api_request request;
    auto const question = target.find('?');
    request.path = target.substr(0, question);
    request.query = question == std::string::npos ? "" : target.substr(question + 1);
    request.host = std::move(host);
    if (!username.empty()) {
        request.api_key = api_key;
        request.api_username = username;
    }
    return request;
}

/// The ids of the small forum the API and page tests start from (add_people_and_places,
/// add_welcome_topic, add_restricted_topics fill them in).
struct small_forum
{
    std::int64_t general = 0, repairs = 0, board = 0;
    std::int64_t admin = 0, ann = 0, bob = 0;
    std::int64_t welcome = 0, first_post = 0, second = 0, deleted = 0, whisper = 0, last = 0;
    std::int64_t secret = 0, message = 0;
};

/// Adds a public category General with a subcategory Repairs, a Board room only the group
/// `board` reads, an admin, two members (Ann, Bob) and the tag faq.
inline void add_people_and_places(forum_state &state, small_forum &ids)
{
    ids.general = state.create_category({.name = "General", .description = "Talk about anything."}).id;
    ids.repairs = state.create_category({.name = "Repairs", .parent_id = ids.general}).id;
    ids.board = state.create_category({.name = "Board room", .read_restricted = true, .allowed_groups = {"board"}}).id;
    ids.admin =
        state.create_user({.username = "admin", .name = "Admin", .email = "admin@example.org", .admin = true}).id;
    ids.ann = state.create_user({.username = "ann", .name = "Ann Lee", .email = "ann@example.org"}).id;
    ids.bob = state.create_user({.username = "bob", .name = "Bob", .email = "bob@example.org"}).id;
    state.create_tag("faq");
}

/// Adds Ann's topic "Welcome to the rehearsal forum" in General (tagged faq, external id old-42,
/// first post `raw`) and its replies: Bob's, one of Bob's that the admin deleted, the admin's
/// whisper and Ann's.
inline void add_welcome_topic(forum_state &state, small_forum &ids, std::string raw)
{
    ids.welcome = state
                      .create_topic({.user_id = ids.ann,
                                     .title = "Welcome to the rehearsal forum",
                                     .raw = std::move(raw),
                                     .category_id = ids.general,
                                     .tags = {"faq"},
                                     .external_id = "old-42"})
                      .id;
    ids.first_post = state.find_post_by_number(ids.welcome, 1)->id;
    ids.second =
        state.create_post({.user_id = ids.bob, .topic_id = ids.welcome, .raw = "A reply that is long enough."}).id;
    ids.deleted =
        state.create_post({.user_id = ids.bob, .topic_id = ids.welcome, .raw = "A reply that will be deleted."}).id;
    state.delete_post(ids.deleted, ids.admin);
    ids.whisper = state
                      .create_post({.user_id = ids.admin,
                                    .topic_id = ids.welcome,
                                    .raw = "A whisper only staff can read.",
                                    .type = post_type::whisper})
                      .id;
    ids.last =
        state.create_post({.user_id = ids.ann, .topic_id = ids.welcome, .raw = "Another reply, long enough too."}).id;
}

/// Adds the admin's "Minutes of the board meeting" in the Board room (tagged `secret_tags`) and
/// Ann's private message to Bob.
inline void add_restricted_topics(forum_state &state, small_forum &ids, std::vector<std::string> secret_tags)
{
    ids.secret = state
                     .create_topic({.user_id = ids.admin,
                                    .title = "Minutes of the board meeting",
                                    .raw = "Only the board may read these minutes.",
                                    .category_id = ids.board,
                                    .tags = std::move(secret_tags)})
                     .id;
    ids.message = state
                      .create_topic({.user_id = ids.ann,
                                     .title = "A private word with Bob",
                                     .raw = "Just between the two of us, Bob.",
                                     .kind = archetype::private_message,
                                     .recipient_ids = {ids.bob}})
                      .id;
}

/// Serves `handler` on a loopback port, from a thread of its own, until stop() or destruction.
class loopback
{
public:
    explicit loopback(api_handler handler)
        : m_listener{m_io, {boost::asio::ip::make_address("127.0.0.1"), 0}, std::move(handler), {}}, m_runner{[this] {
              m_io.run();
          }}
    {}
    ~loopback() { stop(); }
    loopback(loopback const &) = delete;
    loopback &operator=(loopback const &) = delete;

    [[nodiscard]] std::uint16_t port() const { return m_listener.local_endpoint().port(); }

    /// Stops serving and waits for the thread.
    void stop()
    {
        m_io.stop();
        if (m_runner.joinable()) {
            m_runner.join();
        }
    }

private:
    boost::asio::io_context m_io;
    http_server m_listener;
    std::thread m_runner;
};

} // namespace forumgate::rehearsal::test_support
