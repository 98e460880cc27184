#pragma once
// The rehearsal forum's REST API: the GET routes of Discourse that a migration uses (site and
// categories, topic lists, topics and their post streams, posts, users, tags) and its writes
// (categories, users, topics and posts, edits, uploads, site settings, DiscourseConnect sync),
// answered from the forum in memory with Discourse's JSON shapes, visibility rules, errors and
// rate limits.

#include "rehearsal/forum.hpp"
#include "rehearsal/http_server.hpp"

#include <memory>
#include <string>

namespace forumgate::rehearsal {

namespace detail {
struct api_memory;
}

/// Settings of the API itself, as opposed to the forum's site settings.
struct api_options
{
    /// Requests a minute that all requests with a valid Api-Key share, whatever the key and
    /// the user (Discourse's max_admin_api_reqs_per_minute, 60 there); 0: no limit.
    int admin_api_requests_per_minute = 0;
};

/// Represents the REST API over one forum. Thread-safe: each GET or HEAD request reads the
/// forum under its shared lock, each other request writes under its exclusive lock.
class api
{
public:
    /// Topics per page of a topic list (TopicQuery's per_page).
    static constexpr int TOPICS_PER_PAGE = 30;
    /// Posts per page of a topic (TopicView.chunk_size).
    static constexpr int POSTS_PER_PAGE = 20;
    /// Users per page of the admin user list (AdminUserIndexQuery).
    static constexpr int USERS_PER_PAGE = 100;

    /// `admin_key` is an all-users key: with it, Api-Username names the acting user. An empty
    /// key accepts no credentials at all (every client is anonymous or refused).
    api(forum &state, std::string admin_key, api_options options = {});
    ~api();
    api(api const &) = delete;
    api &operator=(api const &) = delete;

    /// Answers one request. Never throws: unknown routes and hidden records are 404 JSON,
    /// bad credentials 403 JSON, writes without credentials 403 `not_logged_in`, a spent
    /// admin-API budget 429, as Discourse answers them.
    [[nodiscard]] api_response handle(api_request const &received) const;

    /// Makes an api_handler for http_server. The api must outlive the server.
    [[nodiscard]] api_handler handler() const;

    /// What the admin-API budget did since start-up (all zero without one).
    struct budget_use
    {
        std::uint64_t admitted = 0; ///< Api-Key requests charged to the budget
        std::uint64_t refused = 0;  ///< answered 429 because it was spent
    };
    [[nodiscard]] budget_use admin_api_use() const;

private:
    forum &m_forum;
    std::string m_admin_key;
    api_options m_options;
    std::unique_ptr<detail::api_memory> m_memory;
};

} // namespace forumgate::rehearsal
