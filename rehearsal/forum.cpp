#include "rehearsal/forum.hpp"

#include "base/digest.hpp"
#include "rehearsal/cook.hpp"

#include <algorithm>
#include <chrono>

namespace forumgate::rehearsal {
namespace {

/// \return the record with key `id` in one of the forum's tables, or nullptr.
template <typename Table>
auto *find_in(Table &table, typename Table::key_type const &id)
{
    auto const it = table.find(id);
    return it == table.end() ? nullptr : &it->second;
}

/// \return the first record of one of the forum's tables whose name is `name`, or nullptr.
template <typename Table>
auto const *find_named(Table const &table, std::string_view name)
{
    for (auto const &[id, item] : table) {
        if (item.name == name) {
            return &item;
        }
    }
    return static_cast<typename Table::mapped_type const *>(nullptr);
}

/// \return the record of `table` that an index of the forum (username, external id, sha1 → id)
/// names for `key`, or nullptr.
template <typename Table, typename Index>
auto const *find_indexed(Table const &table, Index const &index, std::string_view key)
{
    auto const it = index.find(key);
    return it == index.end() ? nullptr : find_in(table, it->second);
}

} // namespace

// ---- forum_state: construction and lookups.

forum_state::forum_state(std::function<timestamp()> clock) : m_clock(std::move(clock))
{
    user system;
    system.id = SYSTEM_USER_ID;
    system.username = "system";
    system.name = "system";
    system.email = "no_email";
    system.created_at = now();
    system.trust_level = 4;
    system.admin = true;
    system.moderator = true;
    insert_user(system);
}

timestamp forum_state::now() const
{
    if (m_clock) {
        return m_clock();
    }
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

category const *forum_state::find_category(std::int64_t id) const
{
    return find_in(m_categories, id);
}

user const *forum_state::find_user(std::int64_t id) const
{
    return find_in(m_users, id);
}

user const *forum_state::find_user_by_username(std::string_view username) const
{
    return find_indexed(m_users, m_user_by_username, lowercase_utf8(username));
}

user const *forum_state::find_user_by_external_id(std::string_view external_id) const
{
    for (auto const &[id, account] : m_users) {
        if (account.external_id && *account.external_id == external_id) {
            return &account;
        }
    }
    return nullptr;
}

user const *forum_state::find_user_by_email(std::string_view email) const
{
    std::string const wanted = lowercase_utf8(email);
    for (auto const &[id, account] : m_users) {
        if (lowercase_utf8(account.email) == wanted) {
            return &account;
        }
    }
    return nullptr;
}

topic const *forum_state::find_topic(std::int64_t id) const
{
    return find_in(m_topics, id);
}

topic const *forum_state::find_topic_by_external_id(std::string_view external_id) const
{
    return find_indexed(m_topics, m_topic_by_external_id, external_id);
}

post const *forum_state::find_post(std::int64_t id) const
{
    return find_in(m_posts, id);
}

post const *forum_state::find_post_by_number(std::int64_t topic_id, int post_number) const
{
    topic const *const subject = find_topic(topic_id);
    if (subject == nullptr) {
        return nullptr;
    }
    auto const it = subject->post_ids_by_number.find(post_number);
    return it == subject->post_ids_by_number.end() ? nullptr : find_post(it->second);
}

tag const *forum_state::find_tag(std::string_view name) const
{
    return find_named(m_tags, name);
}

upload const *forum_state::find_upload(std::int64_t id) const
{
    return find_in(m_uploads, id);
}

upload const *forum_state::find_upload_by_sha1(std::string_view sha1) const
{
    return find_indexed(m_uploads, m_upload_by_sha1, sha1);
}

upload const *forum_state::find_upload_by_short_url(std::string_view short_url) const
{
    if (short_url.substr(0, 9) == "upload://") {
        short_url.remove_prefix(9);
    }
    short_url = short_url.substr(0, short_url.find('.'));
    auto const sha1 = base::sha1_from_base62(short_url);
    return sha1 ? find_upload_by_sha1(*sha1) : nullptr;
}

group const *forum_state::find_group(std::string_view name) const
{
    return find_named(m_groups, name);
}

std::string forum_state::category_slug_path(std::int64_t category_id) const
{
    std::vector<std::string> parts;
    std::optional<std::int64_t> current = category_id;
    // Discourse nests at most three levels; the bound also stops a cycle in bad data.
    for (int level = 0; current && level < 8; ++level) {
        category const *const place = find_category(*current);
        if (place == nullptr) {
            break;
        }
        parts.push_back(place->slug.empty() ? std::to_string(place->id) + "-category" : place->slug);
        current = place->parent_id;
    }
    std::reverse(parts.begin(), parts.end());
    return join(parts, "/");
}

std::string forum_state::cook_post(std::string_view raw) const
{
    return cook(raw, [this](std::string_view short_url) {
        upload const *const file = find_upload_by_short_url(short_url);
        return file == nullptr ? std::string{} : file->url();
    });
}

user const &forum_state::require_user(std::int64_t id) const
{
    user const *const account = find_user(id);
    if (account == nullptr) {
        throw not_found_error{"user " + std::to_string(id) + " not found"};
    }
    return *account;
}

std::int64_t forum_state::now_seconds() const
{
    return std::chrono::floor<std::chrono::seconds>(now()).time_since_epoch().count();
}

// ---- Direct inserts.

void forum_state::insert_category(category record)
{
    m_next_category_id = std::max(m_next_category_id, record.id + 1);
    m_categories.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_user(user record)
{
    m_next_user_id = std::max(m_next_user_id, record.id + 1);
    m_user_by_username[lowercase_utf8(record.username)] = record.id;
    m_users.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_group(group record)
{
    std::sort(record.user_ids.begin(), record.user_ids.end());
    m_next_group_id = std::max(m_next_group_id, record.id + 1);
    m_groups.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_tag(tag record)
{
    m_next_tag_id = std::max(m_next_tag_id, record.id + 1);
    m_tags.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_topic(topic record)
{
    m_next_topic_id = std::max(m_next_topic_id, record.id + 1);
    if (record.external_id) {
        m_topic_by_external_id[*record.external_id] = record.id;
    }
    std::sort(record.allowed_user_ids.begin(), record.allowed_user_ids.end());
    m_topics.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_post(post record)
{
    m_next_post_id = std::max(m_next_post_id, record.id + 1);
    if (auto const it = m_topics.find(record.topic_id); it != m_topics.end()) {
        it->second.post_ids_by_number[record.post_number] = record.id;
        it->second.highest_post_number = std::max(it->second.highest_post_number, record.post_number);
    }
    m_posts.insert_or_assign(record.id, std::move(record));
}

void forum_state::insert_upload(upload record)
{
    m_next_upload_id = std::max(m_next_upload_id, record.id + 1);
    m_upload_by_sha1[record.sha1] = record.id;
    m_uploads.insert_or_assign(record.id, std::move(record));
}

post *forum_state::mutable_post(std::int64_t id)
{
    return find_in(m_posts, id);
}

topic *forum_state::mutable_topic(std::int64_t id)
{
    return find_in(m_topics, id);
}

user *forum_state::mutable_user(std::int64_t id)
{
    return find_in(m_users, id);
}

void forum_state::rebuild_derived()
{
    m_user_by_username.clear();
    for (auto const &[id, account] : m_users) {
        m_user_by_username[lowercase_utf8(account.username)] = id;
    }
    m_topic_by_external_id.clear();
    for (auto &[id, subject] : m_topics) {
        subject.post_ids_by_number.clear();
        subject.fancy_title = fancy_title(subject.title);
        if (subject.external_id) {
            m_topic_by_external_id[*subject.external_id] = id;
        }
    }
    m_upload_by_sha1.clear();
    for (auto const &[id, file] : m_uploads) {
        m_upload_by_sha1[file.sha1] = id;
    }
    m_limits.clear_first_posts();
    for (auto &[id, item] : m_posts) {
        if (auto const it = m_topics.find(item.topic_id); it != m_topics.end()) {
            it->second.post_ids_by_number[item.post_number] = id;
        }
        item.cooked = cook_post(item.raw);
        if (item.type != post_type::small_action) {
            m_limits.note_earlier_post(item.user_id, item.created_at);
        }
    }
    for (auto &[id, subject] : m_topics) {
        recount_topic(subject);
    }
    recount_categories();
}

} // namespace forumgate::rehearsal
