// Discourse's JSON shapes shared by the rehearsal forum's routes (serializers.hpp).

#include "rehearsal/serializers.hpp"

#include "base/iso_time.hpp"
#include "base/text.hpp"
#include "rehearsal/slug.hpp"

#include <algorithm>

namespace forumgate::rehearsal::serializers {

namespace {

/// Characters of a pinned topic's excerpt (site setting topic_excerpt_maxlength).
constexpr std::size_t EXCERPT_LENGTH = 220;

/// A topic as topic lists serialize it (TopicListItemSerializer); notes its posters in `poster_ids`.
json topic_list_item(forum_state const &state, topic const &subject, std::vector<post const *> const &posts,
                     std::vector<std::int64_t> &poster_ids)
{
    std::int64_t const original = subject.user_id;
    std::int64_t const last = posts.empty() ? original : posts.back()->user_id;
    json posters = json::array();
    auto note = [&](std::int64_t id) {
        if (std::ranges::find(poster_ids, id) == poster_ids.end()) {
            poster_ids.push_back(id);
        }
    };
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
              {"last_poster_username", author(state, last).username},
              {"category_id", subject.category_id ? json(*subject.category_id) : json(nullptr)},
              {"pinned_globally", false},
              {"featured_link", nullptr},
              {"posters", std::move(posters)}};
    // Pinned topics carry their first post's excerpt (TopicListItemSerializer#include_excerpt?).
    if (subject.pinned && !posts.empty() && posts.front()->post_number == 1) {
        item["excerpt"] = excerpt_of(posts.front()->cooked);
    }
    return item;
}

} // namespace

api_response json_answer(int status, json const &body)
{
    return api_response{status, "application/json; charset=utf-8", body.dump(), {}};
}

api_response error_answer(int status, std::string_view message, std::string_view type)
{
    return json_answer(status, json{{"errors", json::array({message})}, {"error_type", type}});
}

api_response not_found_answer()
{
    return error_answer(404, "The requested URL or resource could not be found.", "not_found");
}

user const &author(forum_state const &state, std::int64_t user_id)
{
    if (auto const *account = state.find_user(user_id)) {
        return *account;
    }
    return *state.find_user(SYSTEM_USER_ID);
}

std::string avatar_template(user const &account)
{
    return "/letter_avatar_proxy/v4/letter/" + base::ascii_lower(account.username.substr(0, 1)) + "/0088cc/{size}.png";
}

std::string topic_slug(topic const &subject)
{
    return subject.slug.empty() ? std::string{"topic"} : subject.slug;
}

json time_or_null(std::optional<timestamp> const &when)
{
    return when ? json(format_time(*when)) : json(nullptr);
}

std::string strip_tags(std::string_view html, std::string_view tag_end)
{
    std::string text;
    bool in_tag = false;
    for (char const c : html) {
        if (c == '<') {
            in_tag = true;
        } else if (c == '>') {
            in_tag = false;
            text += tag_end;
        } else if (!in_tag) {
            text.push_back(c);
        }
    }
    return text;
}

std::string excerpt_of(std::string_view cooked)
{
    std::string text = strip_tags(cooked);
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

json user_brief(user const &account)
{
    return json{{"id", account.id},
                {"username", account.username},
                {"name", account.name},
                {"avatar_template", avatar_template(account)}};
}

topic_list_page topic_list_json(forum_state const &state, std::vector<topic const *> const &topics, std::size_t first,
                                std::size_t last, visible_posts_of const &seen)
{
    topic_list_page page;
    std::vector<std::int64_t> poster_ids;
    for (std::size_t i = first; i < last; ++i) {
        page.topics.push_back(topic_list_item(state, *topics[i], seen(*topics[i]), poster_ids));
    }
    for (auto const id : poster_ids) {
        page.users.push_back(user_brief(author(state, id)));
    }
    return page;
}

} // namespace forumgate::rehearsal::serializers
