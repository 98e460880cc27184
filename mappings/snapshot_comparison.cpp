#include "mappings/snapshot_comparison.hpp"

#include "base/text.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace forumgate::mappings {
namespace {

template <typename Key>
void sort_unique(std::vector<Key> &keys)
{
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

/// Sorts `rows` and adds to `marked` each key that more than one row has: a layer holding them
/// is refused as a whole map of these rows would be (a file can repeat a row, the store not).
template <typename Key>
void mark_repeated(std::vector<Key> &rows, std::vector<Key> &marked)
{
    std::sort(rows.begin(), rows.end());
    for (auto at = rows.begin(); (at = std::adjacent_find(at, rows.end())) != rows.end(); ++at) {
        marked.push_back(*at);
    }
}

bool contains(std::vector<std::uint32_t> const &sorted, std::uint32_t id)
{
    return std::binary_search(sorted.begin(), sorted.end(), id);
}

/// Marks the names (users or tags) the map finds that no row has: those of the base's table and
/// those each layer holds. `rows` is sorted.
void mark_missing_names(snapshot const &map, string_table snapshot::*table, std::vector<std::string> layer_keys::*keys,
                        std::vector<std::string> const &rows, std::vector<std::string> &marked,
                        snapshot::renamed const *(snapshot::*find)(std::string_view) const noexcept)
{
    auto const check = [&](std::string_view name) {
        if ((map.*find)(name) != nullptr && !std::binary_search(rows.begin(), rows.end(), name)) {
            marked.emplace_back(name);
        }
    };
    snapshot const *level = &map;
    for (; level->below(); level = level->below().get()) {
        for (auto const &name : level->keys().*keys) {
            check(name);
        }
    }
    string_table const &base = level->*table;
    for (std::size_t entry = 0; entry < base.size(); ++entry) {
        check(base.key(entry));
    }
}

} // namespace

snapshot_comparison::snapshot_comparison(snapshot const &map) : m_map{map} {}

void snapshot_comparison::compare(site_settings settings)
{
    normalise(settings);
    site_settings const &mine = m_map.settings();
    m_settings_differ = settings.new_base != mine.new_base || settings.old_hosts != mine.old_hosts ||
                        settings.upload_hosts != mine.upload_hosts;
}

void snapshot_comparison::mark_topic(std::uint64_t old_id)
{
    m_marked_topics.push_back(static_cast<std::uint32_t>(old_id)); // checked by the stored_ forms
}

void snapshot_comparison::add(topic_row const &row)
{
    std::uint32_t const new_id = snapshot_builder::checked_topic(row);
    snapshot_builder::stored_slugs(row, m_new_slug, m_old_slug);
    m_topic_rows.push_back(static_cast<std::uint32_t>(row.old_id));
    snapshot::topic const *t = m_map.find_topic(row.old_id);
    bool const same = t != nullptr && t->new_id == new_id &&
                      ((t->flags & snapshot::TOPIC_RESTRICTED) != 0) == row.restricted &&
                      m_map.new_slug(*t) == m_new_slug && m_map.old_slug(*t) == m_old_slug;
    if (!same) {
        mark_topic(row.old_id);
    }
}

void snapshot_comparison::add(post_row const &row)
{
    snapshot::post const stored = snapshot_builder::stored_post(row);
    snapshot::post const *p = m_map.find_post(row.old_id);
    if (p == nullptr) {
        mark_topic(row.old_topic_id);
        return;
    }
    std::uint32_t const topic = m_map.topic_of(*p).old_id;
    if (topic != row.old_topic_id) {
        mark_topic(row.old_topic_id);
        mark_topic(topic);
        return;
    }
    if (p->old_post_number != stored.old_post_number || p->new_post_number != stored.new_post_number ||
        p->new_topic_id != stored.new_topic_id || p->new_id != stored.new_id) {
        mark_topic(topic);
        return;
    }
    ++m_matched_posts;
}

void snapshot_comparison::add(category_row const &row)
{
    ++m_category_rows;
    if (m_categories_differ) {
        return;
    }
    snapshot::category const *c = m_map.find_category(row.old_id);
    std::string const old_path = snapshot_builder::stored_slug_path(row.old_slug_path);
    if (c == nullptr || c->new_id != row.new_id.value_or(0) || c->restricted != row.restricted ||
        c->new_slug_path != snapshot_builder::stored_slug_path(row.new_slug_path) || old_path.empty()) {
        m_categories_differ = true;
        return;
    }
    // Found by its old path exactly (not by the leaf fallback): the path is its key in the map.
    snapshot const &holder = m_map.category_holder();
    auto const index = holder.m_category_by_path.find(old_path);
    m_categories_differ = !index || &holder.m_categories[*index] != c;
}

void snapshot_comparison::add_name(names &table, std::string_view old_name, std::optional<std::string> const &new_name,
                                   snapshot::renamed const *(snapshot::*find)(std::string_view) const noexcept)
{
    std::string lower = base::ascii_lower(old_name);
    snapshot::renamed const *found = (m_map.*find)(lower);
    if (found != nullptr && found->new_name == new_name.value_or(std::string{})) {
        ++table.matched;
    } else {
        table.marked.push_back(lower);
    }
    table.rows.push_back(std::move(lower));
}

void snapshot_comparison::add(user_row const &row)
{
    add_name(m_users, row.old_username, row.new_username, &snapshot::find_user_lower);
}

void snapshot_comparison::add(tag_row const &row)
{
    add_name(m_tags, row.old_name, row.new_name, &snapshot::find_tag_lower);
}

void snapshot_comparison::add(upload_row const &row)
{
    auto const key = snapshot_builder::stored_upload_key(row.old_path);
    snapshot::renamed const *found =
        key.path.empty() ? m_map.find_upload_by_sha1(key.sha1) : m_map.find_upload_by_path(key.path);
    if (found == nullptr || found->new_name != row.new_url.value_or(std::string{})) {
        m_uploads_differ = true;
    }
    m_upload_entries.push_back(found);
}

void snapshot_comparison::add(rule_row const &row)
{
    m_rules.push_back(row);
}

void snapshot_comparison::add_post_count(std::uint64_t old_topic_id, std::size_t posts)
{
    if (old_topic_id == 0 || old_topic_id > UINT32_MAX) {
        return; // its posts were refused by add(post_row)
    }
    m_counted.push_back(static_cast<std::uint32_t>(old_topic_id));
    snapshot::topic const *t = m_map.find_topic(old_topic_id);
    if (t == nullptr || m_map.posts_of(*t).size() != posts) {
        mark_topic(old_topic_id);
    }
}

void snapshot_comparison::mark_missing_topics()
{
    auto const check = [this](std::uint32_t old_id) {
        if (m_map.find_topic(old_id) != nullptr && !contains(m_topic_rows, old_id)) {
            mark_topic(old_id);
        }
    };
    snapshot const *level = &m_map;
    for (; level->below(); level = level->below().get()) {
        for (std::uint32_t const old_id : level->keys().topics) {
            check(old_id);
        }
    }
    for (snapshot::topic const &t : level->topics()) {
        if (t.old_id != 0) {
            check(t.old_id);
        }
    }
}

void snapshot_comparison::mark_topics_without_posts()
{
    sort_unique(m_counted);
    for (std::uint32_t const old_id : m_topic_rows) {
        snapshot::topic const *t = m_map.find_topic(old_id);
        if (t != nullptr && !m_map.posts_of(*t).empty() && !contains(m_counted, old_id)) {
            mark_topic(old_id);
        }
    }
}

layer_keys snapshot_comparison::finish()
{
    layer_keys keys;
    auto const &rules = m_map.rules();
    bool same_rules = rules.size() == m_rules.size();
    for (std::size_t i = 0; same_rules && i < rules.size(); ++i) {
        same_rules = rules[i].pattern->pattern() == m_rules[i].pattern &&
                     rules[i].replacement == m_rules[i].replacement && rules[i].kind == m_rules[i].kind;
    }
    keys.rules = !same_rules;
    keys.settings = m_settings_differ;

    // Topics: a topic row matched is the map's; the map's other topics are gone or known only
    // through posts (taken again whole). Posts: every row matched and as many as the map's, or
    // else the topics whose number of posts differs.
    mark_repeated(m_topic_rows, m_marked_topics);
    sort_unique(m_topic_rows);
    mark_missing_topics();
    if (needs_post_counts()) {
        mark_topics_without_posts();
    }
    sort_unique(m_marked_topics);
    keys.topics = std::move(m_marked_topics);

    // Users and tags: each name's row matched, and the map's names without a row are gone.
    mark_repeated(m_users.rows, m_users.marked);
    mark_repeated(m_tags.rows, m_tags.marked);
    if (m_users.matched != m_map.size().users) {
        mark_missing_names(m_map, &snapshot::m_user_by_name, &layer_keys::users, m_users.rows, m_users.marked,
                           &snapshot::find_user_lower);
    }
    sort_unique(m_users.marked);
    keys.users = std::move(m_users.marked);
    if (m_tags.matched != m_map.size().tags) {
        mark_missing_names(m_map, &snapshot::m_tag_by_name, &layer_keys::tags, m_tags.rows, m_tags.marked,
                           &snapshot::find_tag_lower);
    }
    sort_unique(m_tags.marked);
    keys.tags = std::move(m_tags.marked);

    // Categories and uploads, taken whole by a layer: the same when every row found its own entry
    // (two rows finding one entry share a key, and which one wins is the build's) and the map
    // has no other.
    keys.categories = m_categories_differ || m_category_rows != m_map.size().categories;
    std::sort(m_upload_entries.begin(), m_upload_entries.end());
    bool const shared_entry =
        std::adjacent_find(m_upload_entries.begin(), m_upload_entries.end()) != m_upload_entries.end();
    keys.uploads = m_uploads_differ || shared_entry || m_upload_entries.size() != m_map.size().uploads;
    return keys;
}

} // namespace forumgate::mappings
