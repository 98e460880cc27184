// The REST API's read side: the site, categories and tags (`/site.json`, `/categories.json`,
// `/c/{id}/show.json`, `/tags.json`), with the category shape the write side shares.

#include "rehearsal/api_reader.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <utility>

namespace forumgate::rehearsal::detail {

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
        parent = parse_id(*text);
        if (!parent) {
            return not_found_answer();
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
    auto const id = parse_id(id_text);
    auto const *place = id ? m_state.find_category(*id) : nullptr;
    if (place == nullptr || !m_state.can_see_category(m_who, *place)) {
        return not_found_answer();
    }
    return json_answer(200, json{{"category", category_json(*place, true)}});
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

} // namespace forumgate::rehearsal::detail
