// The REST API's read side: users (`/u/{username}.json`, `/admin/users/list/{kind}.json`,
// `/admin/users/{id}.json`), with the admin user shape the write side shares.

#include "base/iso_time.hpp"
#include "base/text.hpp"
#include "rehearsal/api_reader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::detail {

namespace {

using serializers::avatar_template;
using serializers::time_or_null;

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

} // namespace

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

api_response reader::user_show(std::string_view username) const
{
    auto const *account = m_state.find_user_by_username(username);
    if (account == nullptr || (account->staged && !m_who.staff())) {
        return not_found_answer();
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
        return not_found_answer();
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
        page = std::max<std::int64_t>(1, parse_id(*text).value_or(1));
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
        return not_found_answer();
    }
    auto const id = parse_id(id_text);
    auto const *account = id ? m_state.find_user(*id) : nullptr;
    if (account == nullptr) {
        return not_found_answer();
    }
    return json_answer(200, admin_user_json(*account, true, true));
}

} // namespace forumgate::rehearsal::detail
