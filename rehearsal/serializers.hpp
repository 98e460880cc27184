#pragma once
// Discourse's JSON shapes that more than one route of the rehearsal forum writes: JSON answers
// and errors, the JSON API's topic lists and the tag pages' topic lists, users as lists name
// them, and the small pieces (avatar templates, slugs, excerpts) every shape uses.

#include "rehearsal/forum.hpp"
#include "rehearsal/http_server.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::rehearsal::serializers {

using json = nlohmann::ordered_json;

/// \return an answer with `body` as JSON.
[[nodiscard]] api_response json_answer(int status, json const &body);
/// \return Discourse's generic JSON error: `{"errors":[message],"error_type":type}`.
[[nodiscard]] api_response error_answer(int status, std::string_view message, std::string_view type);
/// \return Discourse's 404 JSON error (Discourse::NotFound).
[[nodiscard]] api_response not_found_answer();

/// \return the user `user_id`, or the system user when there is none (a deleted author).
[[nodiscard]] user const &author(forum_state const &state, std::int64_t user_id);
/// \return the letter avatar's URL template of `account`.
[[nodiscard]] std::string avatar_template(user const &account);
/// \return the topic's slug, or "topic" when it has none (Discourse's slug for such titles).
[[nodiscard]] std::string topic_slug(topic const &subject);
/// \return `when` as ISO 8601, or JSON null.
[[nodiscard]] json time_or_null(std::optional<timestamp> const &when);
/// \return `html` with its tags left out, `tag_end` standing where each one ended.
[[nodiscard]] std::string strip_tags(std::string_view html, std::string_view tag_end = "");
/// \return the text of `cooked` without its tags, cut at 220 characters (topic_excerpt_maxlength)
/// with "&hellip;" when cut, as Discourse's excerpt of a pinned topic's first post.
[[nodiscard]] std::string excerpt_of(std::string_view cooked);

/// \return a user as lists name them (BasicUserSerializer): id, username, name, avatar_template.
[[nodiscard]] json user_brief(user const &account);

/// The posts of a topic that a topic list counts as seen.
using visible_posts_of = std::function<std::vector<post const *>(topic const &)>;

/// One page of a topic list as `/latest.json` has it: its topics and the users they name.
struct topic_list_page
{
    json topics = json::array(); ///< TopicListItemSerializer, one per topic
    json users = json::array();  ///< every poster the topics name, once, in order of first mention
};

/// \return `topics[first, last)` as a topic list's page writes them (none when `first >= last`);
/// `seen` gives the posts of each topic that decide its last poster and its excerpt.
[[nodiscard]] topic_list_page topic_list_json(forum_state const &state, std::vector<topic const *> const &topics,
                                              std::size_t first, std::size_t last, visible_posts_of const &seen);

} // namespace forumgate::rehearsal::serializers
