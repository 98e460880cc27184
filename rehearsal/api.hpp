#pragma once
// The rehearsal forum's REST API, read side: the GET routes of Discourse that a migration
// uses (site and categories, topic lists, topics and their post streams, posts, users, tags),
// answered from the forum in memory with Discourse's JSON shapes, visibility rules and errors.

#include "forum.hpp"
#include "http_server.hpp"

#include <string>

namespace forumgate::rehearsal {

/// Represents the REST API over one forum. Thread-safe: each request reads the forum under
/// its shared lock.
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
    api(forum &state, std::string admin_key);

    /// Answers one request. Never throws: unknown routes and hidden records are 404 JSON,
    /// bad credentials 403 JSON, as Discourse answers them.
    [[nodiscard]] api_response handle(api_request const &request) const;

    /// Makes an api_handler for http_server. The api must outlive the server.
    [[nodiscard]] api_handler handler() const;

private:
    forum &m_forum;
    std::string m_admin_key;
};

} // namespace forumgate::rehearsal
