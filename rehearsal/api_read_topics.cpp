// The REST API's read side: topic lists, topics and their post streams, posts (`/latest.json`,
// `/c/…/l/latest.json`, `/t/…json`, `/t/{id}/posts.json`, `/posts/{id}.json`), with the post
// shape the write side shares.

#include "base/iso_time.hpp"
#include "rehearsal/api_reader.hpp"
#include "rehearsal/pages_parts.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::detail {

namespace {

using serializers::avatar_template;
using serializers::time_or_null;
using serializers::topic_slug;
using serializers::user_brief;

/// \return a 301 to `location` with Rails' small HTML body.
api_response moved_to(std::string const &location)
{
    api_response answer;
    answer.status = 301;
    answer.content_type = "text/html; charset=utf-8";
    answer.headers.emplace_back("Location", location);
    answer.body = "<html><body>You are being <a href=\"" + location + "\">redirected</a>.</body></html>";
    return answer;
}

} // namespace

int reader::reply_count(topic const &subject, int number) const
{
    int count = 0;
    for (auto const &[later, post_id] : subject.post_ids_by_number) {
        if (later <= number) {
            continue;
        }
        auto const *item = m_state.find_post(post_id);
        if (item != nullptr && item->reply_to_post_number == number && m_state.can_see_post(m_who, *item, false)) {
            ++count;
        }
    }
    return count;
}

std::vector<post const *> reader::visible_posts(topic const &subject) const
{
    std::vector<post const *> out;
    for (auto const &[number, id] : subject.post_ids_by_number) {
        auto const *item = m_state.find_post(id);
        if (item != nullptr && m_state.can_see_post(m_who, *item, false)) {
            out.push_back(item);
        }
    }
    return out;
}

json reader::post_json(post const &item, topic const &subject, bool in_stream, bool with_raw) const
{
    auto const &writer = author(item.user_id);
    bool const yours = m_who.user_id() == item.user_id;
    bool const can_edit = m_who.staff() || yours;
    json out{{"id", item.id},
             {"name", writer.name},
             {"username", writer.username},
             {"avatar_template", avatar_template(writer)},
             {"created_at", format_time(item.created_at)},
             {"cooked", item.cooked},
             {"post_number", item.post_number},
             {"post_type", static_cast<int>(item.type)},
             {"updated_at", format_time(item.updated_at)},
             {"reply_count", reply_count(subject, item.post_number)},
             {"reply_to_post_number", item.reply_to_post_number ? json(*item.reply_to_post_number) : json(nullptr)},
             {"quote_count", 0},
             {"incoming_link_count", 0},
             {"reads", item.reads},
             {"readers_count", std::max(0, item.reads - 1)},
             {"score", 0.0},
             {"yours", yours},
             {"topic_id", subject.id},
             {"topic_slug", topic_slug(subject)},
             {"display_username", writer.name.empty() ? writer.username : writer.name},
             {"primary_group_name", nullptr},
             {"flair_name", nullptr},
             {"flair_url", nullptr},
             {"flair_bg_color", nullptr},
             {"flair_color", nullptr},
             {"version", item.version},
             {"can_edit", can_edit},
             {"can_delete", can_edit && item.post_number != 1},
             {"can_recover", m_who.staff() && item.deleted_at.has_value()},
             {"can_wiki", m_who.staff()},
             {"user_title", nullptr},
             {"bookmarked", false},
             {"actions_summary", json::array()},
             {"moderator", writer.moderator},
             {"admin", writer.admin},
             {"staff", writer.staff()},
             {"user_id", writer.id},
             {"hidden", item.hidden},
             {"trust_level", writer.trust_level},
             {"deleted_at", time_or_null(item.deleted_at)},
             {"user_deleted", false},
             {"edit_reason", nullptr},
             {"can_view_edit_history", true},
             {"wiki", item.wiki},
             {"reviewable_id", 0},
             {"reviewable_score_count", 0},
             {"reviewable_score_pending_count", 0}};
    // Likes: PostSerializer#actions_summary sends the count only when there is one.
    json like{{"id", 2}};
    if (item.like_count > 0) {
        like["count"] = item.like_count;
    }
    like["can_act"] = !m_who.is_anonymous() && !yours;
    out["actions_summary"].push_back(std::move(like));
    if (in_stream) {
        out["link_counts"] = json::array();
        out["read"] = true;
    } else {
        out["uploaded_avatar_id"] = nullptr;
        out["avg_time"] = nullptr;
        out["hidden_reason_id"] = nullptr;
        out["topic_auto_close_at"] = nullptr;
        out["mentioned_users"] = json::array();
    }
    if (!item.action_code.empty()) {
        out["action_code"] = item.action_code;
    }
    if (with_raw) {
        out["raw"] = item.raw;
    }
    return out;
}

api_response reader::topic_list(std::optional<std::int64_t> category_id, parameters const &query) const
{
    int page = 0;
    if (auto const text = query.first("page")) {
        page = static_cast<int>(std::max<std::int64_t>(0, parse_id(*text).value_or(0)));
    }
    std::set<std::int64_t> places;
    if (category_id) {
        places.insert(*category_id);
        for (auto const &[id, child] : m_state.categories()) {
            if (child.parent_id == category_id) {
                places.insert(id);
            }
        }
    }
    // Pinned topics first, then by bump time, newest first; ids break ties.
    std::vector<topic const *> listed;
    for (auto const &[id, subject] : m_state.topics()) {
        // Deleted topics stay out of lists even for staff (TopicQuery lists deleted_at IS NULL).
        if (!m_state.listed_for(m_who, subject) || subject.deleted_at) {
            continue;
        }
        if (category_id && (!subject.category_id || !places.contains(*subject.category_id))) {
            continue;
        }
        listed.push_back(&subject);
    }
    pages::sort_topics(listed, pages::list_order::latest);
    std::size_t const first = static_cast<std::size_t>(page) * api::TOPICS_PER_PAGE;
    std::size_t const last = std::min(listed.size(), first + api::TOPICS_PER_PAGE);
    auto page_of_list = serializers::topic_list_json(m_state, listed, first, last,
                                                     [this](topic const &subject) { return visible_posts(subject); });
    json list{{"can_create_topic", !m_who.is_anonymous()}};
    if (last < listed.size()) {
        std::string base = "/latest.json";
        if (category_id) {
            base = "/c/" + m_state.category_slug_path(*category_id) + "/" + std::to_string(*category_id) +
                   "/l/latest.json";
        }
        list["more_topics_url"] = base + "?page=" + std::to_string(page + 1);
    }
    list.update(json{{"draft", nullptr},
                     {"draft_key", "new_topic"},
                     {"draft_sequence", m_who.is_anonymous() ? json(nullptr) : json(0)},
                     {"per_page", api::TOPICS_PER_PAGE},
                     {"topics", std::move(page_of_list.topics)}});
    return json_answer(200, json{{"users", std::move(page_of_list.users)}, {"topic_list", std::move(list)}});
}

api_response reader::topic_show(std::string_view id_text, parameters const &query, std::optional<int> near_post_number,
                                std::optional<std::string> url_slug) const
{
    auto const id = parse_id(id_text);
    auto const *subject = id ? m_state.find_topic(*id) : nullptr;
    if (subject == nullptr || !m_state.can_see_topic(m_who, *subject)) {
        return not_found_answer();
    }

    // ?page=N (1-based; 0 and 1 are the first page): 20 posts by position in the stream.
    // Discourse answers 404 for N < 0 or (N-1)·20 ≥ highest_post_number (discourse.md §1).
    auto const page_text = query.first("page");
    std::int64_t const asked_page = page_text ? parse_id(*page_text).value_or(0) : 0;
    std::int64_t const page = std::max<std::int64_t>(1, asked_page);
    if (asked_page < 0 || (page - 1) * api::POSTS_PER_PAGE >= std::max(1, subject->highest_post_number)) {
        return not_found_answer();
    }

    // A slug that is not the topic's: 301 to the canonical URL, keeping the post number and
    // the page (redirect_to_correct_topic).
    if (url_slug && *url_slug != topic_slug(*subject)) {
        std::string location = "/t/" + topic_slug(*subject) + "/" + std::to_string(subject->id);
        if (near_post_number) {
            location += "/" + std::to_string(*near_post_number);
        }
        location += ".json";
        if (asked_page > 0) {
            location += "?page=" + std::to_string(asked_page);
        }
        return moved_to(location);
    }

    bool const show_deleted = m_who.staff() && query.flag("show_deleted");
    auto const stream = m_state.post_stream(m_who, subject->id, show_deleted);
    auto const [first, last] = post_window(stream, page, page_text ? std::nullopt : near_post_number);
    json posts = json::array();
    for (std::size_t i = first; i < last; ++i) {
        posts.push_back(post_json(*m_state.find_post(stream[i]), *subject, true, false));
    }
    json stream_ids = json::array();
    for (auto const post_id : stream) {
        stream_ids.push_back(post_id);
    }
    int const current_post_number =
        stream.empty() ? 1 : m_state.find_post(stream[first < last ? first : 0])->post_number;
    return json_answer(200,
                       topic_view_json(*subject, json{{"posts", std::move(posts)}, {"stream", std::move(stream_ids)}},
                                       current_post_number, people_of(*subject)));
}

std::pair<std::size_t, std::size_t> reader::post_window(std::vector<std::int64_t> const &stream, std::int64_t page,
                                                        std::optional<int> near_post_number) const
{
    std::size_t first = std::min(stream.size(), static_cast<std::size_t>(page - 1) * api::POSTS_PER_PAGE);
    if (near_post_number) {
        // /t/{id}/{n}.json: the 20 posts around post n, as TopicView#filter_posts_near: a
        // quarter of a chunk before the post nearest n, the rest after, kept inside the stream.
        std::size_t closest = 0;
        int best = std::numeric_limits<int>::max();
        for (std::size_t i = 0; i < stream.size(); ++i) {
            int const distance = std::abs(m_state.find_post(stream[i])->post_number - *near_post_number);
            if (distance < best) {
                best = distance;
                closest = i;
            }
        }
        std::size_t const before = api::POSTS_PER_PAGE / 4;
        first = closest > before ? closest - before : 0;
        if (stream.size() >= api::POSTS_PER_PAGE) {
            first = std::min(first, stream.size() - api::POSTS_PER_PAGE);
        } else {
            first = 0;
        }
    }
    return {first, std::min(stream.size(), first + api::POSTS_PER_PAGE)};
}

reader::topic_people reader::people_of(topic const &subject) const
{
    // Participants: everyone with a visible post, by post count.
    std::map<std::int64_t, int> counts;
    topic_people people;
    people.last_poster = subject.user_id;
    for (auto const &[number, post_id] : subject.post_ids_by_number) {
        auto const *item = m_state.find_post(post_id);
        if (item == nullptr) {
            continue;
        }
        people.has_deleted = people.has_deleted || item->deleted_at.has_value();
        if (m_state.can_see_post(m_who, *item, false)) {
            counts[item->user_id] += 1;
            people.last_poster = item->user_id;
        }
    }
    for (auto const &[user_id, count] : counts) {
        user const &writer = author(user_id);
        auto entry = user_brief(writer);
        entry.update(json{{"post_count", count},
                          {"primary_group_name", nullptr},
                          {"flair_name", nullptr},
                          {"flair_url", nullptr},
                          {"flair_color", nullptr},
                          {"flair_bg_color", nullptr},
                          {"admin", writer.admin},
                          {"moderator", writer.moderator},
                          {"trust_level", writer.trust_level}});
        people.participants.push_back(std::move(entry));
    }
    people.participant_count = static_cast<int>(counts.size());
    return people;
}

json reader::topic_details_json(topic const &subject, topic_people people) const
{
    bool const staff = m_who.staff();
    bool const signed_in = !m_who.is_anonymous();
    bool const own = m_who.user_id() == subject.user_id;
    bool const private_message = subject.kind == archetype::private_message;
    json details{{"can_edit", staff || own},
                 {"notification_level", 1},
                 {"can_move_posts", staff},
                 {"can_delete", staff},
                 {"can_remove_allowed_users", staff && private_message},
                 {"can_invite_to", signed_in && private_message},
                 {"can_invite_via_email", staff},
                 {"can_create_post", signed_in && (!subject.closed || staff)},
                 {"can_reply_as_new_topic", signed_in},
                 {"can_flag_topic", signed_in && !own},
                 {"can_convert_topic", staff},
                 {"can_review_topic", staff},
                 {"can_close_topic", staff},
                 {"can_archive_topic", staff},
                 {"can_split_merge_topic", staff},
                 {"can_edit_staff_notes", staff},
                 {"can_toggle_topic_visibility", staff},
                 {"can_pin_unpin_topic", staff},
                 {"can_moderate_category", staff},
                 {"can_remove_self_id", m_who.user_id().value_or(0)},
                 {"participants", std::move(people.participants)},
                 {"created_by", user_brief(author(subject.user_id))},
                 {"last_poster", user_brief(author(people.last_poster))}};
    if (private_message) {
        // TopicViewDetailsSerializer: who a private message is between.
        json allowed = json::array();
        for (auto const user_id : subject.allowed_user_ids) {
            allowed.push_back(user_brief(author(user_id)));
        }
        details["allowed_users"] = std::move(allowed);
        details["allowed_groups"] = json::array();
    }
    return details;
}

json reader::topic_view_json(topic const &subject, json post_stream, int current_post_number, topic_people people) const
{
    bool const has_deleted = m_who.staff() && people.has_deleted;
    int const participant_count = people.participant_count;
    return json{{"post_stream", std::move(post_stream)},
                {"timeline_lookup", json::array()},
                {"suggested_topics", json::array()},
                {"tags", subject.tags},
                {"tags_descriptions", json::object()},
                {"id", subject.id},
                {"title", subject.title},
                {"fancy_title", subject.fancy_title},
                {"posts_count", subject.posts_count},
                {"created_at", format_time(subject.created_at)},
                {"views", subject.views},
                {"reply_count", std::max(0, subject.posts_count - 1)},
                {"like_count", subject.like_count},
                {"last_posted_at", format_time(subject.last_posted_at)},
                {"visible", subject.visible},
                {"closed", subject.closed},
                {"archived", subject.archived},
                {"has_summary", false},
                {"archetype", to_string(subject.kind)},
                {"slug", topic_slug(subject)},
                {"category_id", subject.category_id ? json(*subject.category_id) : json(nullptr)},
                {"word_count", nullptr},
                {"deleted_at", time_or_null(subject.deleted_at)},
                {"user_id", subject.user_id},
                {"featured_link", nullptr},
                {"pinned_globally", false},
                {"pinned_at", subject.pinned ? json(format_time(subject.created_at)) : json(nullptr)},
                {"pinned_until", nullptr},
                {"image_url", nullptr},
                {"slow_mode_seconds", 0},
                {"draft", nullptr},
                {"draft_key", "topic_" + std::to_string(subject.id)},
                {"draft_sequence", 0},
                {"unpinned", nullptr},
                {"pinned", subject.pinned},
                {"current_post_number", current_post_number},
                {"highest_post_number", subject.highest_post_number},
                {"deleted_by", nullptr},
                {"has_deleted", has_deleted},
                {"actions_summary", json::array()},
                {"chunk_size", api::POSTS_PER_PAGE},
                {"bookmarked", false},
                {"bookmarks", json::array()},
                {"topic_timer", nullptr},
                {"message_bus_last_id", 0},
                {"participant_count", participant_count},
                {"show_read_indicator", false},
                {"thumbnails", nullptr},
                {"slow_mode_enabled_until", nullptr},
                {"summarizable", false},
                {"details", topic_details_json(subject, std::move(people))}};
}

api_response reader::topic_posts(std::string_view id_text, parameters const &query) const
{
    auto const id = parse_id(id_text);
    auto const *subject = id ? m_state.find_topic(*id) : nullptr;
    if (subject == nullptr || !m_state.can_see_topic(m_who, *subject)) {
        return not_found_answer();
    }
    bool const with_raw = query.flag("include_raw");
    auto ids = query.all("post_ids[]");
    for (auto const &more : query.all("post_ids")) {
        ids.push_back(more);
    }
    std::set<std::int64_t> wanted;
    for (auto const &text : ids) {
        if (auto const post_id = parse_id(text)) {
            wanted.insert(*post_id);
        }
    }
    // Answered in stream order, as TopicView#filter_posts_by_ids does; asked for by id, deleted
    // posts come back to staff (with deleted_at), never to anyone else (discourse.md §2.1).
    json posts = json::array();
    for (auto const post_id : m_state.post_stream(m_who, subject->id, true)) {
        if (wanted.contains(post_id)) {
            posts.push_back(post_json(*m_state.find_post(post_id), *subject, true, with_raw));
        }
    }
    return json_answer(200, json{{"post_stream", {{"posts", std::move(posts)}}}, {"id", subject->id}});
}

api_response reader::post_show(std::string_view id_text) const
{
    auto const id = parse_id(id_text);
    auto const *item = id ? m_state.find_post(*id) : nullptr;
    auto const *subject = item ? m_state.find_topic(item->topic_id) : nullptr;
    if (subject == nullptr || !m_state.can_see_post(m_who, *item, true)) {
        return not_found_answer();
    }
    return json_answer(200, post_json(*item, *subject, false, true));
}

api_response reader::topic_by_slug(std::string const &slug) const
{
    for (auto const &[id, subject] : m_state.topics()) {
        if (subject.slug == slug && m_state.can_see_topic(m_who, subject)) {
            return moved_to("/t/" + topic_slug(subject) + "/" + std::to_string(id) + ".json");
        }
    }
    return not_found_answer();
}

api_response reader::topic_by_external_id(std::string const &external_id) const
{
    auto const *subject = m_state.find_topic_by_external_id(external_id);
    if (subject == nullptr || !m_state.can_see_topic(m_who, *subject)) {
        return not_found_answer();
    }
    return moved_to("/t/" + topic_slug(*subject) + "/" + std::to_string(subject->id) + ".json");
}

} // namespace forumgate::rehearsal::detail
