// The JSON routes that share their routing with the HTML pages: a tag's topic list
// (TagsController#show: /tag/{name}.json, /tag/{name}/l/{filter}.json) in the shape of the JSON
// API's /latest.json, and /about.json.

#include "rehearsal/api.hpp"
#include "rehearsal/pages_parts.hpp"
#include "rehearsal/serializers.hpp"

#include <algorithm>

namespace forumgate::rehearsal::pages {

namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t TOPICS_PER_PAGE = api::TOPICS_PER_PAGE;
/// `/tag/{name}.json` (TagsController#show): the tag's topics as /latest.json lists them, plus
/// `topic_list.tags`; `more_topics_url` as Discourse builds it while more pages remain.
api_response tag_json(page_request const &request)
{
    std::string filter;
    tag const *found = requested_tag(request, filter);
    if (found == nullptr) {
        return not_found_answer();
    }
    auto const topics = list_topics(request.state, request.who, list_filter{.tag = found->name},
                                    filter == "top" ? list_order::top : list_order::latest);
    // Pages past the end are empty; the bound keeps the arithmetic below from overflowing.
    std::int64_t const page = std::clamp<std::int64_t>(request.page(), 0, static_cast<std::int64_t>(topics.size()));
    auto const first = static_cast<std::size_t>(page) * TOPICS_PER_PAGE;
    auto const last = std::min(topics.size(), first + TOPICS_PER_PAGE);
    // The same shape as the JSON API's /latest.json, with the posts the topic page shows.
    auto page_of_list = serializers::topic_list_json(request.state, topics, first, last, [&](topic const &subject) {
        return visible_posts(request.state, request.who, subject);
    });
    json list{{"can_create_topic", !request.who.is_anonymous()}};
    if (last < topics.size()) {
        list["more_topics_url"] = tag_path(found->name) + (filter == "latest" ? "" : "/l/" + filter) +
                                  "?match_all_tags=true&page=" + std::to_string(page + 1) +
                                  "&tags%5B%5D=" + percent_encode(found->name);
    }
    auto const visible_count =
        list_topics(request.state, viewer::anonymous(), list_filter{.tag = found->name}, list_order::latest).size();
    list.update(json{
        {"draft", nullptr},
        {"draft_key", "new_topic"},
        {"draft_sequence", request.who.is_anonymous() ? json(nullptr) : json(0)},
        {"per_page", TOPICS_PER_PAGE},
        {"tags", json::array({json{
                     {"id", found->id}, {"name", found->name}, {"topic_count", visible_count}, {"staff", false}}})},
        {"topics", std::move(page_of_list.topics)}});
    return json_answer(200, json{{"users", std::move(page_of_list.users)},
                                 {"primary_groups", json::array()},
                                 {"topic_list", std::move(list)}});
}

/// `/about.json`: the parts of AboutSerializer a client reads (title, admins, moderators, stats).
api_response about_json(page_request const &request)
{
    auto const counts = count_site(request.state);
    auto const users_json = [&](bool admins) {
        json out = json::array();
        for (auto const *account : staff_of(request.state, admins)) {
            auto user = serializers::user_brief(*account);
            user["title"] = nullptr;
            out.push_back(std::move(user));
        }
        return out;
    };
    json stats{{"topic_count", counts.topics},
               {"post_count", counts.posts},
               {"user_count", counts.users},
               {"like_count", counts.likes}};
    return json_answer(200, json{{"about",
                                  {{"stats", std::move(stats)},
                                   {"description", ""},
                                   {"title", SITE_TITLE},
                                   {"locale", "en"},
                                   {"https", false},
                                   {"can_see_about_stats", true},
                                   {"contact_url", ""},
                                   {"contact_email", ""},
                                   {"admins", users_json(true)},
                                   {"moderators", users_json(false)}}}});
}

} // namespace

std::optional<api_response> answer_page_json(page_request const &request)
{
    auto const &p = request.parts;
    if (!p.empty() && p[0] == "tag") {
        return tag_json(request);
    }
    if (request.is({"about"})) {
        return about_json(request);
    }
    return std::nullopt;
}

} // namespace forumgate::rehearsal::pages
