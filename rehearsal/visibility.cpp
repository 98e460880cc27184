#include "rehearsal/visibility.hpp"

#include "rehearsal/forum.hpp"

#include <algorithm>

namespace forumgate::rehearsal {

viewer viewer::of(user const &account)
{
    viewer who;
    who.m_user_id = account.id;
    who.m_admin = account.admin;
    who.m_moderator = account.moderator;
    who.m_trust_level = account.trust_level;
    return who;
}

// ---- forum_state: who sees what.

bool forum_state::in_group(viewer const &who, std::string_view group_name) const
{
    if (group_name == "everyone") {
        return true;
    }
    if (who.is_anonymous()) {
        return false;
    }
    if (group_name == "admins") {
        return who.admin();
    }
    if (group_name == "moderators") {
        return who.moderator();
    }
    if (group_name == "staff") {
        return who.staff();
    }
    if (group_name.substr(0, 12) == "trust_level_" && group_name.size() == 13) {
        return who.trust_level() >= group_name[12] - '0';
    }
    group const *const custom = find_group(group_name);
    return custom != nullptr && std::binary_search(custom->user_ids.begin(), custom->user_ids.end(), *who.user_id());
}

bool forum_state::can_see_category(viewer const &who, category const &place) const
{
    if (place.parent_id) {
        category const *const parent = find_category(*place.parent_id);
        if (parent != nullptr && parent->id != place.id && !can_see_category(who, *parent)) {
            return false;
        }
    }
    if (!place.read_restricted || who.staff()) {
        return true;
    }
    return std::any_of(place.allowed_groups.begin(), place.allowed_groups.end(),
                       [&](std::string const &name) { return in_group(who, name); });
}

bool forum_state::can_see_topic(viewer const &who, topic const &subject) const
{
    if (subject.deleted_at && !who.staff()) {
        return false;
    }
    if (subject.kind == archetype::private_message) {
        if (who.admin()) {
            return true;
        }
        auto const id = who.user_id();
        return id &&
               (subject.user_id == *id || std::find(subject.allowed_user_ids.begin(), subject.allowed_user_ids.end(),
                                                    *id) != subject.allowed_user_ids.end());
    }
    if (subject.category_id) {
        category const *const place = find_category(*subject.category_id);
        return place == nullptr || can_see_category(who, *place);
    }
    return true;
}

bool forum_state::listed_for(viewer const &who, topic const &subject) const
{
    return subject.kind == archetype::regular && !subject.deleted_at && (subject.visible || who.staff()) &&
           can_see_topic(who, subject);
}

bool forum_state::can_see_post_type(viewer const &who, post const &item) const
{
    if (item.type != post_type::whisper) {
        return true;
    }
    return who.staff() || (who.user_id() && *who.user_id() == item.user_id);
}

bool forum_state::can_see_post(viewer const &who, post const &item, bool include_deleted) const
{
    topic const *const subject = find_topic(item.topic_id);
    if (subject == nullptr || !can_see_topic(who, *subject) || !can_see_post_type(who, item)) {
        return false;
    }
    return !item.deleted_at || (include_deleted && who.staff());
}

std::vector<std::int64_t> forum_state::post_stream(viewer const &who, std::int64_t topic_id, bool show_deleted) const
{
    std::vector<std::int64_t> stream;
    topic const *const subject = find_topic(topic_id);
    if (subject == nullptr || !can_see_topic(who, *subject)) {
        return stream;
    }
    for (auto const &[number, id] : subject->post_ids_by_number) {
        post const &item = m_posts.at(id);
        if (!can_see_post_type(who, item)) {
            continue;
        }
        if (item.deleted_at && !(who.staff() && (show_deleted || number == 1))) {
            continue;
        }
        stream.push_back(id);
    }
    return stream;
}

} // namespace forumgate::rehearsal
