#pragma once
// Private to the REST API's read side (api.cpp routes; api_read_site.cpp, api_read_topics.cpp
// and api_read_users.cpp answer): the reader, which reads the forum for one request and builds
// the JSON Discourse would send.

#include "rehearsal/api_detail.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::detail {

/// Reads the forum for one request: the state, who asks, and the serializers that depend on both.
class reader
{
public:
    reader(forum_state const &state, viewer who) : m_state(state), m_who(who) {}

    /// Routes a GET or HEAD request (api.cpp).
    [[nodiscard]] api_response answer(request const &asked) const;

    // Pieces (public for the write side's answers, api_detail.hpp).
    [[nodiscard]] user const &author(std::int64_t user_id) const;
    [[nodiscard]] json category_json(category const &place, bool flat) const;
    [[nodiscard]] json post_json(post const &item, topic const &subject, bool in_stream, bool with_raw) const;
    [[nodiscard]] json admin_user_json(user const &account, bool with_email, bool detailed) const;
    [[nodiscard]] std::vector<post const *> visible_posts(topic const &subject) const;

private:
    // Routes: the site and categories (api_read_site.cpp).
    [[nodiscard]] api_response site() const;
    [[nodiscard]] api_response categories(parameters const &query) const;
    [[nodiscard]] api_response category_show(std::string_view id_text) const;
    [[nodiscard]] api_response tags() const;

    // Routes: topics and posts (api_read_topics.cpp).
    [[nodiscard]] api_response topic_list(std::optional<std::int64_t> category_id, parameters const &query) const;
    [[nodiscard]] api_response topic_show(std::string_view id_text, parameters const &query,
                                          std::optional<int> near_post_number = std::nullopt,
                                          std::optional<std::string> url_slug = std::nullopt) const;
    /// /t/{x}.json where x is not an id: a topic found by its slug is a 301 to its URL.
    [[nodiscard]] api_response topic_by_slug(std::string const &slug) const;
    [[nodiscard]] api_response topic_posts(std::string_view id_text, parameters const &query) const;
    [[nodiscard]] api_response post_show(std::string_view id_text) const;
    [[nodiscard]] api_response topic_by_external_id(std::string const &external_id) const;

    // Routes: users (api_read_users.cpp).
    [[nodiscard]] api_response user_show(std::string_view username) const;
    [[nodiscard]] api_response admin_users_list(std::string const &kind, parameters const &query) const;
    [[nodiscard]] api_response admin_user_show(std::string_view id_text) const;

    /// Who took part in a topic, as its view counts them.
    struct topic_people
    {
        json participants = json::array(); ///< everyone with a visible post, by post count
        int participant_count = 0;         ///< how many they are
        std::int64_t last_poster = 0;      ///< the author of the last visible post
        bool has_deleted = false;          ///< whether the topic has a deleted post
    };
    /// \return the positions `[first, last)` in `stream` of the posts a topic view shows: page
    /// `page` (1-based), or the posts around post `near_post_number` when given.
    [[nodiscard]] std::pair<std::size_t, std::size_t>
    post_window(std::vector<std::int64_t> const &stream, std::int64_t page, std::optional<int> near_post_number) const;
    [[nodiscard]] topic_people people_of(topic const &subject) const;
    /// \return a topic view's `details` (TopicViewDetailsSerializer).
    [[nodiscard]] json topic_details_json(topic const &subject, topic_people people) const;
    /// \return a topic view (TopicViewSerializer) around its post stream.
    [[nodiscard]] json topic_view_json(topic const &subject, json post_stream, int current_post_number,
                                       topic_people people) const;

    /// What one user wrote (not deleted), for the admin views.
    struct authored
    {
        int posts = 0;
        int topics = 0;
        int private_topics = 0;
    };
    /// \return every user's authored counts, worked out once per request (one pass over posts
    /// and topics instead of one per user listed).
    [[nodiscard]] std::map<std::int64_t, authored> const &authored_counts() const;
    /// \return how many posts of `subject` that the viewer sees reply to post `number`.
    [[nodiscard]] int reply_count(topic const &subject, int number) const;

    forum_state const &m_state;
    viewer m_who;
    mutable std::optional<std::map<std::int64_t, authored>> m_authored;
};

} // namespace forumgate::rehearsal::detail
