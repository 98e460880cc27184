// The JSON routes that share their routing with the HTML pages: a tag's topic list
// (TagsController#show: /tag/{name}.json, /tag/{name}/l/{filter}.json) in the shape of the JSON
// API's /latest.json, and /about.json.

#include "rehearsal/api.hpp"
#include "rehearsal/pages_parts.hpp"

#include <algorithm>

namespace forumgate::rehearsal::pages {

namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t TOPICS_PER_PAGE = api::TOPICS_PER_PAGE;
/// Characters of a pinned topic's excerpt (topic_excerpt_maxlength).
constexpr std::size_t EXCERPT_LENGTH = 220;

/// \return the text of `cooked` without its tags, cut at EXCERPT_LENGTH characters with
/// "&hellip;" when cut, as the JSON API writes a pinned topic's excerpt.
std::string excerpt_of(std::string_view cooked)
{
    std::string text;
    bool in_tag = false;
    for (char const c : cooked) {
        if (c == '<') {
            in_tag = true;
        } else if (c == '>') {
            in_tag = false;
        } else if (!in_tag) {
            text.push_back(c);
        }
    }
    std::size_t pos = 0;
    std::size_t characters = 0;
    while (pos < text.size() && characters < EXCERPT_LENGTH) {
        (void)next_code_point(text, pos);
        ++characters;
    }
    if (pos < text.size()) {
        text.resize(pos);
        text += "&hellip;";
    }
    return text;
}

std::string avatar_template(user const &account)
{
    return "/letter_avatar_proxy/v4/letter/" + base::ascii_lower(account.username.substr(0, 1)) + "/0088cc/{size}.png";
}

/// A topic as topic lists serialize it: the same keys as the JSON API's /latest.json (api.cpp).
json topic_list_item(page_request const &request, topic const &subject, std::vector<std::int64_t> &poster_ids)
{
    auto const posts = visible_posts(request.state, request.who, subject);
    std::int64_t const original = subject.user_id;
    std::int64_t const last = posts.empty() ? original : posts.back()->user_id;
    auto const note = [&](std::int64_t id) {
        if (std::ranges::find(poster_ids, id) == poster_ids.end()) {
            poster_ids.push_back(id);
        }
    };
    json posters = json::array();
    if (original == last) {
        posters.push_back({{"extras", "latest single"},
                           {"description", "Original Poster, Most Recent Poster"},
                           {"user_id", original}});
        note(original);
    } else {
        posters.push_back({{"extras", nullptr}, {"description", "Original Poster"}, {"user_id", original}});
        posters.push_back({{"extras", "latest"}, {"description", "Most Recent Poster"}, {"user_id", last}});
        note(original);
        note(last);
    }
    json item{{"id", subject.id},
              {"title", subject.title},
              {"fancy_title", subject.fancy_title},
              {"slug", topic_slug(subject)},
              {"posts_count", subject.posts_count},
              {"reply_count", std::max(0, subject.posts_count - 1)},
              {"highest_post_number", subject.highest_post_number},
              {"image_url", nullptr},
              {"created_at", format_time(subject.created_at)},
              {"last_posted_at", format_time(subject.last_posted_at)},
              {"bumped", true},
              {"bumped_at", format_time(subject.bumped_at)},
              {"archetype", to_string(subject.kind)},
              {"unseen", false},
              {"last_read_post_number", nullptr},
              {"unread", 0},
              {"new_posts", 0},
              {"unread_posts", 0},
              {"pinned", subject.pinned},
              {"unpinned", nullptr},
              {"visible", subject.visible},
              {"closed", subject.closed},
              {"archived", subject.archived},
              {"notification_level", nullptr},
              {"bookmarked", nullptr},
              {"liked", nullptr},
              {"tags", subject.tags},
              {"views", subject.views},
              {"like_count", subject.like_count},
              {"has_summary", false},
              {"has_best_of", false},
              {"starred", false},
              {"last_poster_username", author(request.state, last).username},
              {"category_id", subject.category_id ? json(*subject.category_id) : json(nullptr)},
              {"pinned_globally", false},
              {"featured_link", nullptr},
              {"posters", std::move(posters)}};
    if (subject.pinned && !posts.empty() && posts.front()->post_number == 1) {
        item["excerpt"] = excerpt_of(posts.front()->cooked);
    }
    return item;
}

/// `/tag/{name}.json` (TagsController#show): the tag's topics as /latest.json lists them, plus
/// `topic_list.tags`; `more_topics_url` as Discourse builds it while more pages remain.
api_response tag_json(page_request const &request)
{
    std::string filter;
    tag const *found = requested_tag(request, filter);
    if (found == nullptr) {
        return json_error(404, "The requested URL or resource could not be found.", "not_found");
    }
    auto const topics = list_topics(request.state, request.who, list_filter{.tag = found->name},
                                    filter == "top" ? list_order::top : list_order::latest);
    // Pages past the end are empty; the bound keeps the arithmetic below from overflowing.
    std::int64_t const page = std::clamp<std::int64_t>(request.page(), 0, static_cast<std::int64_t>(topics.size()));
    auto const first = static_cast<std::size_t>(page) * TOPICS_PER_PAGE;
    auto const last = std::min(topics.size(), first + TOPICS_PER_PAGE);
    json items = json::array();
    std::vector<std::int64_t> poster_ids;
    for (std::size_t i = first; i < last; ++i) {
        items.push_back(topic_list_item(request, *topics[i], poster_ids));
    }
    json users = json::array();
    for (auto const id : poster_ids) {
        auto const &account = author(request.state, id);
        users.push_back(json{{"id", account.id},
                             {"username", account.username},
                             {"name", account.name},
                             {"avatar_template", avatar_template(account)}});
    }
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
        {"topics", std::move(items)}});
    return json_answer(
        200, json{{"users", std::move(users)}, {"primary_groups", json::array()}, {"topic_list", std::move(list)}});
}

/// `/about.json`: the parts of AboutSerializer a client reads (title, admins, moderators, stats).
api_response about_json(page_request const &request)
{
    auto const counts = count_site(request.state);
    auto const users_json = [&](bool admins) {
        json out = json::array();
        for (auto const *account : staff_of(request.state, admins)) {
            out.push_back(json{{"id", account->id},
                               {"username", account->username},
                               {"name", account->name},
                               {"avatar_template", avatar_template(*account)},
                               {"title", nullptr}});
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
