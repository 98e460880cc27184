// The read side of the rehearsal forum's REST API. Each request takes the forum's shared lock
// once, works out who asks (Api-Key / Api-Username), routes on the path and builds the JSON
// Discourse would send. Shapes follow the recorded responses in tests/fixtures/discourse and
// Discourse's API schemas (discourse.md §2, §3.1, §3.6).

#include "rehearsal/api.hpp"

#include "base/text.hpp"
#include "rehearsal/api_detail.hpp"
#include "rehearsal/pages.hpp"
#include "rehearsal/request.hpp"
#include "rehearsal/serializers.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <limits>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {

namespace detail {

api_response json_answer(int status, json const &body)
{
    api_response answer;
    answer.status = status;
    answer.body = body.dump();
    return answer;
}

api_response error_answer(int status, std::string_view message, std::string_view type)
{
    return json_answer(status, json{{"errors", json::array({message})}, {"error_type", type}});
}

} // namespace detail

namespace {

using json = nlohmann::ordered_json;
using detail::error_answer;
using detail::json_answer;
using serializers::avatar_template;
using serializers::time_or_null;
using serializers::topic_slug;
using serializers::user_brief;

constexpr std::string_view NOT_FOUND_MESSAGE = "The requested URL or resource could not be found.";
constexpr std::string_view INVALID_API_CREDENTIALS =
    "You are not permitted to view the requested resource. The API username or key is invalid.";

api_response not_found()
{
    return error_answer(404, NOT_FOUND_MESSAGE, "not_found");
}

std::optional<std::int64_t> to_id(std::string_view text)
{
    std::int64_t value = 0;
    auto const *end = text.data() + text.size();
    auto const [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty()) {
        return std::nullopt;
    }
    return value;
}

// -- Serializers -------------------------------------------------------------------------------

/// \return an age as the admin user list writes it (AgeWithUnits: "< 1m", "17m", "3h", "2d",
/// "4mon", "1y").
std::string age_text(timestamp from, timestamp to)
{
    auto const minutes = std::chrono::duration_cast<std::chrono::minutes>(to - from).count();
    if (minutes < 1) {
        return "< 1m";
    }
    if (minutes < 60) {
        return std::to_string(minutes) + "m";
    }
    if (minutes < 60 * 24) {
        return std::to_string(minutes / 60) + "h";
    }
    auto const days = minutes / (60 * 24);
    if (days < 30) {
        return std::to_string(days) + "d";
    }
    if (days < 365) {
        return std::to_string(days / 30) + "mon";
    }
    return std::to_string(days / 365) + "y";
}

/// Reads the forum for one request: the state, who asks, and the serializers that depend on both.
class reader
{
public:
    reader(forum_state const &state, viewer who) : m_state(state), m_who(who) {}

    [[nodiscard]] api_response answer(request const &asked) const;

private:
    // Routes.
    [[nodiscard]] api_response site() const;
    [[nodiscard]] api_response categories(parameters const &query) const;
    [[nodiscard]] api_response category_show(std::string_view id_text) const;
    [[nodiscard]] api_response topic_list(std::optional<std::int64_t> category_id, parameters const &query) const;
    [[nodiscard]] api_response topic_show(std::string_view id_text, parameters const &query,
                                          std::optional<int> near_post_number = std::nullopt,
                                          std::optional<std::string> url_slug = std::nullopt) const;
    /// /t/{x}.json where x is not an id: a topic found by its slug is a 301 to its URL.
    [[nodiscard]] api_response topic_by_slug(std::string const &slug) const;
    [[nodiscard]] api_response topic_posts(std::string_view id_text, parameters const &query) const;
    [[nodiscard]] api_response post_show(std::string_view id_text) const;
    [[nodiscard]] api_response topic_by_external_id(std::string const &external_id) const;
    [[nodiscard]] api_response user_show(std::string_view username) const;
    [[nodiscard]] api_response admin_users_list(std::string const &kind, parameters const &query) const;
    [[nodiscard]] api_response admin_user_show(std::string_view id_text) const;
    [[nodiscard]] api_response tags() const;

public:
    // Pieces (public for the write side's answers, api_detail.hpp).
    [[nodiscard]] user const &author(std::int64_t user_id) const;
    [[nodiscard]] json category_json(category const &place, bool flat) const;
    [[nodiscard]] json post_json(post const &item, topic const &subject, bool in_stream, bool with_raw) const;
    [[nodiscard]] json admin_user_json(user const &account, bool with_email, bool detailed) const;
    [[nodiscard]] std::vector<post const *> visible_posts(topic const &subject) const;

private:
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

user const &reader::author(std::int64_t user_id) const
{
    return serializers::author(m_state, user_id);
}

std::map<std::int64_t, reader::authored> const &reader::authored_counts() const
{
    if (!m_authored) {
        m_authored.emplace();
        for (auto const &[id, item] : m_state.posts()) {
            if (!item.deleted_at) {
                (*m_authored)[item.user_id].posts += 1;
            }
        }
        for (auto const &[id, subject] : m_state.topics()) {
            if (!subject.deleted_at) {
                auto &mine = (*m_authored)[subject.user_id];
                (subject.kind == archetype::private_message ? mine.private_topics : mine.topics) += 1;
            }
        }
    }
    return *m_authored;
}

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

json reader::category_json(category const &place, bool flat) const
{
    json out{{"id", place.id},
             {"name", place.name},
             {"color", place.color},
             {"text_color", place.text_color},
             {"slug", place.slug},
             {"topic_count", place.topic_count},
             {"post_count", place.post_count},
             {"position", place.position},
             {"description", place.description.empty() ? json(nullptr) : json(place.description)},
             {"description_text", place.description.empty() ? json(nullptr) : json(place.description)},
             {"description_excerpt", place.description.empty() ? json(nullptr) : json(place.description)},
             {"topic_url", nullptr},
             {"read_restricted", place.read_restricted},
             {"permission", m_who.is_anonymous() ? json(nullptr) : json(m_who.staff() ? 1 : 2)},
             {"notification_level", 1},
             {"topics_day", 0},
             {"topics_week", 0},
             {"topics_month", 0},
             {"topics_year", 0},
             {"topics_all_time", place.topic_count},
             {"uploaded_logo", nullptr},
             {"uploaded_background", nullptr}};
    if (flat || place.parent_id) {
        out["parent_category_id"] = place.parent_id ? json(*place.parent_id) : json(nullptr);
    }
    json subcategory_ids = json::array();
    for (auto const &[id, child] : m_state.categories()) {
        if (child.parent_id == place.id && m_state.can_see_category(m_who, child)) {
            subcategory_ids.push_back(id);
        }
    }
    out["has_children"] = !subcategory_ids.empty();
    if (!flat) {
        out["subcategory_ids"] = std::move(subcategory_ids);
        out["featured_user_ids"] = json::array();
        out["topics"] = json::array();
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

json reader::admin_user_json(user const &account, bool with_email, bool detailed) const
{
    json out{{"id", account.id},
             {"username", account.username},
             {"name", account.name},
             {"uploaded_avatar_id", nullptr},
             {"avatar_template", avatar_template(account)}};
    if (with_email) {
        out["email"] = account.email;
        out["secondary_emails"] = json::array();
    }
    out.update(json{{"active", account.active},
                    {"admin", account.admin},
                    {"moderator", account.moderator},
                    {"last_seen_at", nullptr},
                    {"last_emailed_at", nullptr},
                    {"created_at", format_time(account.created_at)},
                    {"last_seen_age", nullptr},
                    {"last_emailed_age", nullptr},
                    {"created_at_age", age_text(account.created_at, m_state.now())},
                    {"username_lower", base::ascii_lower(account.username)},
                    {"trust_level", account.trust_level},
                    {"trust_level_locked", false},
                    {"flag_level", 0},
                    {"title", nullptr},
                    {"suspended_at", nullptr},
                    {"suspended_till", nullptr},
                    {"suspended", nullptr},
                    {"silenced", false},
                    {"blocked", false},
                    {"time_read", "< 1m"},
                    {"staged", account.staged},
                    {"days_visited", 0},
                    {"posts_read_count", 0},
                    {"topics_entered", 0},
                    {"post_count", 0}});
    auto const &counts = authored_counts();
    auto const found = counts.find(account.id);
    authored const mine = found == counts.end() ? authored{} : found->second;
    int const posts = mine.posts;
    int const topics = mine.topics;
    int const private_topics = mine.private_topics;
    out["post_count"] = posts;
    if (detailed) {
        out.update(json{{"can_send_activation_email", !account.active},
                        {"can_activate", !account.active},
                        {"can_deactivate", account.active && !account.admin},
                        {"ip_address", "127.0.0.1"},
                        {"registration_ip_address", nullptr},
                        {"can_grant_admin", !account.admin},
                        {"can_revoke_admin", account.admin && account.id > 0},
                        {"can_grant_moderation", !account.moderator},
                        {"can_revoke_moderation", account.moderator},
                        {"can_impersonate", !account.admin},
                        {"like_count", 0},
                        {"like_given_count", 0},
                        {"topic_count", topics},
                        {"flags_given_count", 0},
                        {"flags_received_count", 0},
                        {"private_topics_count", private_topics},
                        {"can_delete_all_posts", !account.admin},
                        {"can_be_deleted", !account.admin && posts == 0},
                        {"can_be_anonymized", !account.admin},
                        {"suspend_reason", nullptr},
                        {"primary_group_id", nullptr},
                        {"badge_count", 0},
                        {"warnings_received_count", 0},
                        {"bounce_score", 0},
                        {"reset_bounce_score_after", nullptr},
                        {"can_view_action_logs", true},
                        {"single_sign_on_record", account.external_id ? json{{"user_id", account.id},
                                                                             {"external_id", *account.external_id},
                                                                             {"external_username", account.username},
                                                                             {"external_email", account.email},
                                                                             {"external_name", account.name}}
                                                                      : json(nullptr)},
                        {"approved_by", nullptr},
                        {"suspended_by", nullptr},
                        {"groups", json::array()}});
    }
    return out;
}

// -- Routes ------------------------------------------------------------------------------------

api_response reader::site() const
{
    json categories = json::array();
    for (auto const &[id, place] : m_state.categories()) {
        if (m_state.can_see_category(m_who, place)) {
            categories.push_back(category_json(place, true));
        }
    }
    return json_answer(
        200, json{{"default_archetype", "regular"},
                  {"notification_levels", {{"muted", 0}, {"regular", 1}, {"tracking", 2}, {"watching", 3}}},
                  {"post_types", {{"regular", 1}, {"moderator_action", 2}, {"small_action", 3}, {"whisper", 4}}},
                  {"trust_levels", {{"newuser", 0}, {"basic", 1}, {"member", 2}, {"regular", 3}, {"leader", 4}}},
                  {"groups", json::array()},
                  {"filters", {"latest", "unread", "new", "top", "categories"}},
                  {"can_create_tag", m_who.staff()},
                  {"can_tag_topics", !m_who.is_anonymous() && m_state.settings().tagging_enabled},
                  {"uncategorized_category_id", nullptr},
                  {"categories", std::move(categories)}});
}

api_response reader::categories(parameters const &query) const
{
    std::optional<std::int64_t> parent;
    if (auto const text = query.first("parent_category_id")) {
        parent = to_id(*text);
        if (!parent) {
            return not_found();
        }
    }
    json list = json::array();
    for (auto const &[id, place] : m_state.categories()) {
        if (place.parent_id == parent && m_state.can_see_category(m_who, place)) {
            list.push_back(category_json(place, false));
        }
    }
    return json_answer(200, json{{"featured_users", json::array()},
                                 {"category_list",
                                  {{"can_create_category", m_who.admin()},
                                   {"can_create_topic", !m_who.is_anonymous()},
                                   {"draft", nullptr},
                                   {"draft_key", "new_topic"},
                                   {"draft_sequence", m_who.is_anonymous() ? json(nullptr) : json(0)},
                                   {"categories", std::move(list)}}}});
}

api_response reader::category_show(std::string_view id_text) const
{
    auto const id = to_id(id_text);
    auto const *place = id ? m_state.find_category(*id) : nullptr;
    if (place == nullptr || !m_state.can_see_category(m_who, *place)) {
        return not_found();
    }
    return json_answer(200, json{{"category", category_json(*place, true)}});
}

api_response reader::topic_list(std::optional<std::int64_t> category_id, parameters const &query) const
{
    int page = 0;
    if (auto const text = query.first("page")) {
        page = static_cast<int>(std::max<std::int64_t>(0, to_id(*text).value_or(0)));
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
    std::ranges::sort(listed, [](topic const *a, topic const *b) {
        if (a->pinned != b->pinned) {
            return a->pinned;
        }
        if (a->bumped_at != b->bumped_at) {
            return a->bumped_at > b->bumped_at;
        }
        return a->id > b->id;
    });
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
    auto const id = to_id(id_text);
    auto const *subject = id ? m_state.find_topic(*id) : nullptr;
    if (subject == nullptr || !m_state.can_see_topic(m_who, *subject)) {
        return not_found();
    }
    bool const show_deleted = m_who.staff() && query.flag("show_deleted");
    auto const stream = m_state.post_stream(m_who, subject->id, show_deleted);

    // ?page=N (1-based; 0 and 1 are the first page): 20 posts by position in the stream.
    // Discourse answers 404 for N < 0 or (N-1)·20 ≥ highest_post_number (discourse.md §1).
    std::int64_t page = 1;
    std::int64_t asked_page = 0;
    if (auto const text = query.first("page")) {
        asked_page = to_id(*text).value_or(0);
        if (asked_page < 0) {
            return not_found();
        }
        page = std::max<std::int64_t>(1, asked_page);
    }
    if ((page - 1) * api::POSTS_PER_PAGE >= std::max(1, subject->highest_post_number)) {
        return not_found();
    }

    // A slug that is not the topic's: 301 to the canonical URL, keeping the post number and
    // the page (redirect_to_correct_topic).
    if (url_slug && *url_slug != topic_slug(*subject)) {
        api_response answer;
        answer.status = 301;
        answer.content_type = "text/html; charset=utf-8";
        std::string location = "/t/" + topic_slug(*subject) + "/" + std::to_string(subject->id);
        if (near_post_number) {
            location += "/" + std::to_string(*near_post_number);
        }
        location += ".json";
        if (asked_page > 0) {
            location += "?page=" + std::to_string(asked_page);
        }
        answer.headers.emplace_back("Location", location);
        answer.body = "<html><body>You are being <a href=\"" + location + "\">redirected</a>.</body></html>";
        return answer;
    }
    std::size_t first = std::min(stream.size(), static_cast<std::size_t>(page - 1) * api::POSTS_PER_PAGE);
    if (near_post_number && !query.first("page")) {
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
    std::size_t const last = std::min(stream.size(), first + api::POSTS_PER_PAGE);
    json posts = json::array();
    for (std::size_t i = first; i < last; ++i) {
        posts.push_back(post_json(*m_state.find_post(stream[i]), *subject, true, false));
    }

    // Participants: everyone with a visible post, by post count.
    std::map<std::int64_t, int> counts;
    bool has_deleted = false;
    std::int64_t last_poster = subject->user_id;
    for (auto const &[number, post_id] : subject->post_ids_by_number) {
        auto const *item = m_state.find_post(post_id);
        if (item == nullptr) {
            continue;
        }
        has_deleted = has_deleted || item->deleted_at.has_value();
        if (m_state.can_see_post(m_who, *item, false)) {
            counts[item->user_id] += 1;
            last_poster = item->user_id;
        }
    }
    json participants = json::array();
    for (auto const &[user_id, count] : counts) {
        auto entry = user_brief(author(user_id));
        entry["post_count"] = count;
        entry["primary_group_name"] = nullptr;
        entry["flair_name"] = nullptr;
        entry["flair_url"] = nullptr;
        entry["flair_color"] = nullptr;
        entry["flair_bg_color"] = nullptr;
        entry["admin"] = author(user_id).admin;
        entry["moderator"] = author(user_id).moderator;
        entry["trust_level"] = author(user_id).trust_level;
        participants.push_back(std::move(entry));
    }
    bool const staff = m_who.staff();
    bool const signed_in = !m_who.is_anonymous();
    bool const own = m_who.user_id() == subject->user_id;
    json details{{"can_edit", staff || own},
                 {"notification_level", 1},
                 {"can_move_posts", staff},
                 {"can_delete", staff},
                 {"can_remove_allowed_users", staff && subject->kind == archetype::private_message},
                 {"can_invite_to", signed_in && subject->kind == archetype::private_message},
                 {"can_invite_via_email", staff},
                 {"can_create_post", signed_in && (!subject->closed || staff)},
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
                 {"participants", std::move(participants)},
                 {"created_by", user_brief(author(subject->user_id))},
                 {"last_poster", user_brief(author(last_poster))}};
    if (subject->kind == archetype::private_message) {
        // TopicViewDetailsSerializer: who a private message is between.
        json allowed = json::array();
        for (auto const user_id : subject->allowed_user_ids) {
            allowed.push_back(user_brief(author(user_id)));
        }
        details["allowed_users"] = std::move(allowed);
        details["allowed_groups"] = json::array();
    }
    json stream_ids = json::array();
    for (auto const post_id : stream) {
        stream_ids.push_back(post_id);
    }
    json out{
        {"post_stream", {{"posts", std::move(posts)}, {"stream", std::move(stream_ids)}}},
        {"timeline_lookup", json::array()},
        {"suggested_topics", json::array()},
        {"tags", subject->tags},
        {"tags_descriptions", json::object()},
        {"id", subject->id},
        {"title", subject->title},
        {"fancy_title", subject->fancy_title},
        {"posts_count", subject->posts_count},
        {"created_at", format_time(subject->created_at)},
        {"views", subject->views},
        {"reply_count", std::max(0, subject->posts_count - 1)},
        {"like_count", subject->like_count},
        {"last_posted_at", format_time(subject->last_posted_at)},
        {"visible", subject->visible},
        {"closed", subject->closed},
        {"archived", subject->archived},
        {"has_summary", false},
        {"archetype", to_string(subject->kind)},
        {"slug", topic_slug(*subject)},
        {"category_id", subject->category_id ? json(*subject->category_id) : json(nullptr)},
        {"word_count", nullptr},
        {"deleted_at", time_or_null(subject->deleted_at)},
        {"user_id", subject->user_id},
        {"featured_link", nullptr},
        {"pinned_globally", false},
        {"pinned_at", subject->pinned ? json(format_time(subject->created_at)) : json(nullptr)},
        {"pinned_until", nullptr},
        {"image_url", nullptr},
        {"slow_mode_seconds", 0},
        {"draft", nullptr},
        {"draft_key", "topic_" + std::to_string(subject->id)},
        {"draft_sequence", 0},
        {"unpinned", nullptr},
        {"pinned", subject->pinned},
        {"current_post_number", stream.empty() ? 1 : m_state.find_post(stream[first < last ? first : 0])->post_number},
        {"highest_post_number", subject->highest_post_number},
        {"deleted_by", nullptr},
        {"has_deleted", staff && has_deleted},
        {"actions_summary", json::array()},
        {"chunk_size", api::POSTS_PER_PAGE},
        {"bookmarked", false},
        {"bookmarks", json::array()},
        {"topic_timer", nullptr},
        {"message_bus_last_id", 0},
        {"participant_count", static_cast<int>(counts.size())},
        {"show_read_indicator", false},
        {"thumbnails", nullptr},
        {"slow_mode_enabled_until", nullptr},
        {"summarizable", false},
        {"details", std::move(details)}};
    return json_answer(200, out);
}

api_response reader::topic_posts(std::string_view id_text, parameters const &query) const
{
    auto const id = to_id(id_text);
    auto const *subject = id ? m_state.find_topic(*id) : nullptr;
    if (subject == nullptr || !m_state.can_see_topic(m_who, *subject)) {
        return not_found();
    }
    bool const with_raw = query.flag("include_raw");
    auto ids = query.all("post_ids[]");
    for (auto const &more : query.all("post_ids")) {
        ids.push_back(more);
    }
    std::set<std::int64_t> wanted;
    for (auto const &text : ids) {
        if (auto const post_id = to_id(text)) {
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
    auto const id = to_id(id_text);
    auto const *item = id ? m_state.find_post(*id) : nullptr;
    auto const *subject = item ? m_state.find_topic(item->topic_id) : nullptr;
    if (subject == nullptr || !m_state.can_see_post(m_who, *item, true)) {
        return not_found();
    }
    return json_answer(200, post_json(*item, *subject, false, true));
}

api_response reader::topic_by_slug(std::string const &slug) const
{
    for (auto const &[id, subject] : m_state.topics()) {
        if (subject.slug == slug && m_state.can_see_topic(m_who, subject)) {
            api_response answer;
            answer.status = 301;
            answer.content_type = "text/html; charset=utf-8";
            auto const location = "/t/" + topic_slug(subject) + "/" + std::to_string(id) + ".json";
            answer.headers.emplace_back("Location", location);
            answer.body = "<html><body>You are being <a href=\"" + location + "\">redirected</a>.</body></html>";
            return answer;
        }
    }
    return not_found();
}

api_response reader::topic_by_external_id(std::string const &external_id) const
{
    auto const *subject = m_state.find_topic_by_external_id(external_id);
    if (subject == nullptr || !m_state.can_see_topic(m_who, *subject)) {
        return not_found();
    }
    api_response answer;
    answer.status = 301;
    answer.content_type = "text/html; charset=utf-8";
    auto const location = "/t/" + topic_slug(*subject) + "/" + std::to_string(subject->id) + ".json";
    answer.headers.emplace_back("Location", location);
    answer.body = "<html><body>You are being <a href=\"" + location + "\">redirected</a>.</body></html>";
    return answer;
}

api_response reader::user_show(std::string_view username) const
{
    auto const *account = m_state.find_user_by_username(username);
    if (account == nullptr || (account->staged && !m_who.staff())) {
        return not_found();
    }
    bool const self = m_who.user_id() == account->id;
    json user{{"id", account->id},
              {"username", account->username},
              {"name", account->name},
              {"uploaded_avatar_id", nullptr},
              {"avatar_template", avatar_template(*account)}};
    if (m_who.staff() || self) {
        user["email"] = account->email;
    }
    std::optional<timestamp> last_posted;
    for (auto const &[id, item] : m_state.posts()) {
        if (item.user_id == account->id && m_state.can_see_post(m_who, item, false)) {
            last_posted = std::max(last_posted.value_or(item.created_at), item.created_at);
        }
    }
    user.update(json{{"last_posted_at", time_or_null(last_posted)},
                     {"last_seen_at", nullptr},
                     {"bio_cooked", nullptr},
                     {"created_at", format_time(account->created_at)},
                     {"can_edit", m_who.staff() || self},
                     {"can_edit_username", m_who.staff() || self},
                     {"can_edit_email", m_who.staff() || self},
                     {"can_edit_name", m_who.staff() || self},
                     {"stats", json::array()},
                     {"can_send_private_message_to_user", !m_who.is_anonymous() && !self},
                     {"bio_excerpt", nullptr},
                     {"trust_level", account->trust_level},
                     {"moderator", account->moderator},
                     {"admin", account->admin},
                     {"title", nullptr},
                     {"badge_count", 0},
                     {"has_title_badges", false},
                     {"custom_fields", json::object()},
                     {"number_of_deleted_posts", 0},
                     {"number_of_flagged_posts", 0},
                     {"number_of_flags_given", 0},
                     {"number_of_suspensions", 0},
                     {"locale", nullptr},
                     {"email_digests", true},
                     {"email_private_messages", true},
                     {"email_direct", true},
                     {"email_always", false},
                     {"digest_after_days", 7},
                     {"mailing_list_mode", false},
                     {"auto_track_topics_after_msecs", 240000},
                     {"new_topic_duration_minutes", 2880},
                     {"external_links_in_new_tab", false},
                     {"dynamic_favicon", false},
                     {"enable_quoting", true},
                     {"muted_category_ids", json::array()},
                     {"tracked_category_ids", json::array()},
                     {"watched_category_ids", json::array()},
                     {"private_messages_stats", {{"all", 0}, {"mine", 0}, {"unread", 0}}},
                     {"disable_jump_reply", false},
                     {"gravatar_avatar_upload_id", nullptr},
                     {"custom_avatar_upload_id", nullptr},
                     {"invited_by", nullptr},
                     {"custom_groups", json::array()},
                     {"featured_user_badge_ids", json::array()},
                     {"staged", account->staged}});
    return json_answer(200, json{{"user_badges", json::array()}, {"user", std::move(user)}});
}

api_response reader::admin_users_list(std::string const &kind, parameters const &query) const
{
    if (!m_who.staff()) {
        return not_found();
    }
    // The classifications of AdminUserIndexQuery; any other word filters nothing.
    static std::map<std::string, int, std::less<>> const trust_levels{
        {"newuser", 0}, {"basic", 1}, {"member", 2}, {"regular", 3}, {"leader", 4}};
    auto const matches = [&](user const &account) {
        if (kind == "active") {
            return account.active;
        }
        if (kind == "staff") {
            return account.staff();
        }
        if (kind == "admins") {
            return account.admin;
        }
        if (kind == "moderators") {
            return account.moderator;
        }
        if (kind == "staged") {
            return account.staged;
        }
        if (kind == "pending") {
            return !account.active;
        }
        if (kind == "silenced" || kind == "suspended") {
            return false;
        }
        if (auto const level = trust_levels.find(kind); level != trust_levels.end()) {
            return account.trust_level == level->second;
        }
        return true;
    };
    std::vector<user const *> users;
    for (auto const &[id, account] : m_state.users()) {
        if (id > 0 && matches(account)) {
            users.push_back(&account);
        }
    }
    // Newest accounts first, as the admin list orders by default.
    std::ranges::sort(users, [](user const *a, user const *b) {
        return a->created_at != b->created_at ? a->created_at > b->created_at : a->id > b->id;
    });
    std::int64_t page = 1;
    if (auto const text = query.first("page")) {
        page = std::max<std::int64_t>(1, to_id(*text).value_or(1));
    }
    bool const with_email = query.flag("show_emails");
    std::size_t const first = static_cast<std::size_t>(page - 1) * api::USERS_PER_PAGE;
    json list = json::array();
    for (std::size_t i = first; i < users.size() && i < first + api::USERS_PER_PAGE; ++i) {
        list.push_back(admin_user_json(*users[i], with_email, false));
    }
    return json_answer(200, list);
}

api_response reader::admin_user_show(std::string_view id_text) const
{
    if (!m_who.staff()) {
        return not_found();
    }
    auto const id = to_id(id_text);
    auto const *account = id ? m_state.find_user(*id) : nullptr;
    if (account == nullptr) {
        return not_found();
    }
    return json_answer(200, admin_user_json(*account, true, true));
}

api_response reader::tags() const
{
    std::map<std::string, int> counts;
    for (auto const &[id, tag] : m_state.tags()) {
        counts[tag.name] = 0;
    }
    for (auto const &[id, subject] : m_state.topics()) {
        if (m_state.listed_for(m_who, subject)) {
            for (auto const &name : subject.tags) {
                counts[name] += 1;
            }
        }
    }
    json list = json::array();
    for (auto const &[name, count] : counts) {
        list.push_back(json{
            {"id", name}, {"text", name}, {"name", name}, {"count", count}, {"pm_count", 0}, {"target_tag", nullptr}});
    }
    return json_answer(200, json{{"tags", std::move(list)}, {"extras", {{"categories", json::array()}}}});
}

api_response reader::answer(request const &asked) const
{
    if (!asked.is_read()) {
        return not_found();
    }
    auto const &query = asked.query;
    auto const &p = asked.api_parts;
    auto const is = [&](std::initializer_list<std::string_view> pattern) { return asked.api_is(pattern); };
    if (asked.format != "json") {
        // Raw markdown as plain text: /raw/{topic_id}[/{post_number}], /posts/{id}/raw.
        post const *item = nullptr;
        if ((is({"raw", "*"}) || is({"raw", "*", "*"})) && to_id(p[1])) {
            auto const number = p.size() == 3 ? to_id(p[2]) : std::optional<std::int64_t>{1};
            item = number ? m_state.find_post_by_number(*to_id(p[1]), static_cast<int>(*number)) : nullptr;
        } else if (is({"posts", "*", "raw"}) && to_id(p[1])) {
            item = m_state.find_post(*to_id(p[1]));
        }
        if (item != nullptr && m_state.can_see_post(m_who, *item, false)) {
            return api_response{200, "text/plain; charset=utf-8", item->raw, {}};
        }
        return not_found();
    }
    if (is({"site"})) {
        return site();
    }
    if (is({"categories"})) {
        return categories(query);
    }
    if (is({"c", "*", "show"})) {
        return category_show(p[1]);
    }
    if (is({"latest"})) {
        return topic_list(std::nullopt, query);
    }
    if (p.size() >= 4 && p[0] == "c" && p[p.size() - 2] == "l" && p.back() == "latest") {
        // /c/{slug…}/{id}/l/latest.json (a subcategory has its parent's slug first), or
        // /c/{slug}/l/latest.json as the Ruby client asks.
        auto const &named = p[p.size() - 3];
        category const *found = nullptr;
        if (auto const id = to_id(named); id && p.size() >= 5) {
            found = m_state.find_category(*id);
        } else {
            for (auto const &[place_id, place] : m_state.categories()) {
                if (place.slug == named || std::to_string(place_id) + "-category" == named) {
                    found = &place;
                    break;
                }
            }
        }
        if (found == nullptr || !m_state.can_see_category(m_who, *found)) {
            return not_found();
        }
        return topic_list(found->id, query);
    }
    if (is({"t", "external_id", "*"})) {
        return topic_by_external_id(p[2]);
    }
    if (is({"t", "*"})) {
        if (!to_id(p[1])) {
            return topic_by_slug(p[1]);
        }
        return topic_show(p[1], query);
    }
    if (is({"t", "*", "posts"})) {
        return topic_posts(p[1], query);
    }
    if (is({"t", "*", "*"})) {
        // /t/{id}/{post_number} or /t/{slug}/{id}: slugs are never all digits.
        if (to_id(p[1]) && to_id(p[2])) {
            return topic_show(p[1], query, static_cast<int>(*to_id(p[2])));
        }
        return topic_show(p[2], query, std::nullopt, p[1]);
    }
    if (is({"t", "*", "*", "*"}) && to_id(p[3])) {
        return topic_show(p[2], query, static_cast<int>(*to_id(p[3])), p[1]);
    }
    if (is({"posts", "*"})) {
        return post_show(p[1]);
    }
    if (is({"u", "*"}) || is({"users", "*"})) {
        return user_show(p[1]);
    }
    if (is({"admin", "users", "list", "*"})) {
        return admin_users_list(p[3], query);
    }
    if (is({"admin", "users", "*"})) {
        return admin_user_show(p[2]);
    }
    if (is({"tags"})) {
        return tags();
    }
    return not_found();
}

} // namespace

namespace detail {

std::optional<std::int64_t> parse_id(std::string_view text)
{
    return to_id(text);
}

json category_json(forum_state const &state, viewer const &who, category const &place)
{
    return reader{state, who}.category_json(place, true);
}

json post_json(forum_state const &state, viewer const &who, post const &item)
{
    return reader{state, who}.post_json(item, *state.find_topic(item.topic_id), false, true);
}

json admin_user_json(forum_state const &state, viewer const &who, user const &account)
{
    return reader{state, who}.admin_user_json(account, true, true);
}

} // namespace detail

namespace {

/// Works out who asks: no key is anonymous; the all-users key acts as Api-Username (system
/// when none is named); anything else is refused as Discourse refuses it.
/// \return the refusal, or nullopt with `asking` filled in.
std::optional<api_response> authenticate(forum_state const &state, api_request const &request,
                                         std::string const &admin_key, detail::caller &asking)
{
    if (request.api_key.empty()) {
        return std::nullopt;
    }
    if (admin_key.empty() || request.api_key != admin_key) {
        return error_answer(403, INVALID_API_CREDENTIALS, "invalid_access");
    }
    auto const *acting = request.api_username.empty() ? state.find_user(SYSTEM_USER_ID)
                                                      : state.find_user_by_username(request.api_username);
    if (acting == nullptr || !acting->active) {
        return error_answer(403, INVALID_API_CREDENTIALS, "invalid_access");
    }
    asking.who = viewer::of(*acting);
    asking.account = acting;
    asking.api = true;
    return std::nullopt;
}

std::int64_t seconds_of(timestamp when)
{
    return std::chrono::floor<std::chrono::seconds>(when).time_since_epoch().count();
}

} // namespace

api::api(forum &state, std::string admin_key, api_options options)
    : m_forum(state), m_admin_key(std::move(admin_key)), m_options(options),
      m_memory(std::make_unique<detail::api_memory>())
{}

api::~api() = default;

api_response api::handle(api_request const &received) const
{
    // Every request with a valid Api-Key is charged to the one site-wide budget, reads too.
    auto const charge = [this](forum_state const &state, detail::caller const &asking) -> std::optional<api_response> {
        if (!asking.api || m_options.admin_api_requests_per_minute <= 0) {
            return std::nullopt;
        }
        return detail::charge_admin_api(*m_memory, seconds_of(state.now()), m_options.admin_api_requests_per_minute);
    };
    try {
        // Parsed once, outside the forum's lock, for every route below.
        request const asked{received};
        if (asked.is_read()) {
            return m_forum.read([&](forum_state const &state) {
                detail::caller asking;
                if (auto refused = authenticate(state, received, m_admin_key, asking)) {
                    return *std::move(refused);
                }
                if (auto spent = charge(state, asking)) {
                    return *std::move(spent);
                }
                if (auto admin = detail::answer_admin_read(state, asking, asked)) {
                    return *std::move(admin);
                }
                if (auto page = answer_page(state, asking.who, asked)) {
                    return *std::move(page);
                }
                return reader{state, asking.who}.answer(asked);
            });
        }
        // Writes (POST, PUT, DELETE) hold the forum exclusively for the whole request.
        return m_forum.write([&](forum_state &state) {
            detail::caller asking;
            if (auto refused = authenticate(state, received, m_admin_key, asking)) {
                return *std::move(refused);
            }
            if (auto spent = charge(state, asking)) {
                return *std::move(spent);
            }
            // POST /uploads/lookup-urls reads, but is a POST: the page routes answer it.
            if (auto page = answer_page(state, asking.who, asked)) {
                return *std::move(page);
            }
            return detail::answer_write(state, asking, asked, *m_memory);
        });
    } catch (not_found_error const &) {
        return not_found();
    } catch (permission_error const &) {
        return error_answer(403, "You are not permitted to view the requested resource.", "invalid_access");
    } catch (std::exception const &problem) {
        return error_answer(500, problem.what(), "server_error");
    }
}

api_handler api::handler() const
{
    return [this](api_request const &request) { return handle(request); };
}

} // namespace forumgate::rehearsal
