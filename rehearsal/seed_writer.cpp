// Writing seed files (save_seed, save_seed_file): one writer per section of the document.

#include "rehearsal/seed.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>
#include <type_traits>

namespace forumgate::rehearsal {
namespace {

using json = nlohmann::ordered_json;

json time_value(timestamp when)
{
    return format_time(when);
}

/// Writes `value` under `key` unless it is `omitted`, the value the reader assumes for a
/// missing key.
template <typename Value>
void put_unless(json &entry, char const *key, Value const &value, Value const &omitted)
{
    if (!(value == omitted)) {
        entry[key] = value;
    }
}

/// Writes a list or text under `key` unless it is empty.
template <typename Container>
void put_unless_empty(json &entry, char const *key, Container const &value)
{
    if (!value.empty()) {
        entry[key] = value;
    }
}

/// Writes an optional field (a time in ISO-8601) when it is set.
template <typename Value>
void put_if_set(json &entry, char const *key, std::optional<Value> const &value)
{
    if (!value) {
        return;
    }
    if constexpr (std::is_same_v<Value, timestamp>) {
        entry[key] = time_value(*value);
    } else {
        entry[key] = *value;
    }
}

json write_settings(site_settings const &settings)
{
    json object = json::object();
    for (auto const &info : setting_table()) {
        std::string const value = get_setting(settings, info.name);
        if (value == info.default_value) {
            continue;
        }
        switch (info.type) {
        case setting_type::integer:
            object[std::string{info.name}] = std::stoll(value);
            break;
        case setting_type::boolean:
            object[std::string{info.name}] = value == "true";
            break;
        case setting_type::string:
        case setting_type::enumeration:
            object[std::string{info.name}] = value;
            break;
        }
    }
    return object;
}

/// \return the records of `table`, by id, each written by `write`; a record `write` turns
/// into null is left out.
template <typename Table, typename Write>
json write_table(Table const &table, Write const &write)
{
    json records = json::array();
    for (auto const &[id, item] : table) {
        json entry = write(item);
        if (!entry.is_null()) {
            records.push_back(std::move(entry));
        }
    }
    return records;
}

bool is_builtin_system_user(user const &account)
{
    return account.id == SYSTEM_USER_ID && account.username == "system" && account.name == "system" &&
           account.email == "no_email" && account.trust_level == 4 && account.admin && account.moderator &&
           account.active && !account.staged && !account.external_id;
}

json write_group(group const &item)
{
    json entry = json::object();
    entry["id"] = item.id;
    entry["name"] = item.name;
    entry["user_ids"] = item.user_ids;
    return entry;
}

json write_category(category const &item)
{
    json entry = json::object();
    entry["id"] = item.id;
    entry["name"] = item.name;
    entry["slug"] = item.slug;
    put_if_set(entry, "parent_id", item.parent_id);
    put_unless(entry, "read_restricted", item.read_restricted, false);
    put_unless_empty(entry, "allowed_groups", item.allowed_groups);
    put_unless_empty(entry, "description", item.description);
    entry["color"] = item.color;
    entry["text_color"] = item.text_color;
    entry["position"] = item.position;
    return entry;
}

json write_user(user const &item)
{
    if (is_builtin_system_user(item)) {
        return json{}; // every forum has it; it is written only when changed
    }
    json entry = json::object();
    entry["id"] = item.id;
    entry["username"] = item.username;
    entry["name"] = item.name;
    entry["email"] = item.email;
    entry["created_at"] = time_value(item.created_at);
    entry["trust_level"] = item.trust_level;
    put_unless(entry, "admin", item.admin, false);
    put_unless(entry, "moderator", item.moderator, false);
    put_unless(entry, "active", item.active, true);
    put_unless(entry, "staged", item.staged, false);
    put_if_set(entry, "external_id", item.external_id);
    return entry;
}

json write_tag(tag const &item)
{
    return json{{"id", item.id}, {"name", item.name}};
}

json write_upload(upload const &item)
{
    json entry = json::object();
    entry["id"] = item.id;
    entry["user_id"] = item.user_id;
    entry["original_filename"] = item.original_filename;
    entry["created_at"] = time_value(item.created_at);
    entry["sha1"] = item.sha1;
    if (!item.seed_path.empty()) {
        entry["path"] = item.seed_path;
    } else {
        entry["bytes_base64"] = encode_base64(item.bytes);
    }
    return entry;
}

json write_post(post const &reply)
{
    json p = json::object();
    p["id"] = reply.id;
    p["post_number"] = reply.post_number;
    p["user_id"] = reply.user_id;
    p["created_at"] = time_value(reply.created_at);
    if (reply.updated_at != reply.created_at) {
        p["updated_at"] = time_value(reply.updated_at);
    }
    put_unless(p, "post_type", static_cast<int>(reply.type), static_cast<int>(post_type::regular));
    put_unless_empty(p, "action_code", reply.action_code);
    p["raw"] = reply.raw;
    put_if_set(p, "reply_to_post_number", reply.reply_to_post_number);
    put_if_set(p, "deleted_at", reply.deleted_at);
    put_unless(p, "hidden", reply.hidden, false);
    put_unless(p, "version", reply.version, 1);
    put_unless(p, "like_count", reply.like_count, 0);
    put_unless(p, "reads", reply.reads, 0);
    put_unless(p, "wiki", reply.wiki, false);
    return p;
}

json write_topic(forum_state const &state, topic const &item)
{
    json entry = json::object();
    entry["id"] = item.id;
    entry["title"] = item.title;
    entry["slug"] = item.slug;
    put_if_set(entry, "category_id", item.category_id);
    entry["user_id"] = item.user_id;
    entry["created_at"] = time_value(item.created_at);
    entry["bumped_at"] = time_value(item.bumped_at);
    entry["last_posted_at"] = time_value(item.last_posted_at);
    if (item.kind == archetype::private_message) {
        entry["archetype"] = "private_message";
        entry["allowed_user_ids"] = item.allowed_user_ids;
    }
    put_unless(entry, "visible", item.visible, true);
    put_unless(entry, "closed", item.closed, false);
    put_unless(entry, "archived", item.archived, false);
    put_unless(entry, "pinned", item.pinned, false);
    put_if_set(entry, "deleted_at", item.deleted_at);
    put_unless_empty(entry, "tags", item.tags);
    put_if_set(entry, "external_id", item.external_id);
    put_unless(entry, "views", item.views, 0);
    json posts = json::array();
    for (auto const &[number, post_id] : item.post_ids_by_number) {
        posts.push_back(write_post(*state.find_post(post_id)));
    }
    entry["posts"] = std::move(posts);
    return entry;
}

} // namespace

std::string save_seed(forum_state const &state)
{
    json document = json::object();
    document["format"] = SEED_FORMAT;
    document["version"] = SEED_VERSION;
    document["site_settings"] = write_settings(state.settings());
    document["groups"] = write_table(state.groups(), write_group);
    document["categories"] = write_table(state.categories(), write_category);
    document["users"] = write_table(state.users(), write_user);
    document["tags"] = write_table(state.tags(), write_tag);
    document["uploads"] = write_table(state.uploads(), write_upload);
    document["topics"] = write_table(state.topics(), [&state](topic const &item) { return write_topic(state, item); });
    // Invalid UTF-8 (possible in raw posts) is replaced rather than refused, so saving never
    // fails on data a client sent.
    return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

void save_seed_file(forum_state const &state, std::filesystem::path const &file)
{
    std::string const text = save_seed(state);
    std::filesystem::path temporary = file;
    temporary += ".tmp";
    {
        std::ofstream out{temporary, std::ios::binary | std::ios::trunc};
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.close();
        if (!out) {
            throw std::runtime_error{"writing the seed file " + temporary.string() + ": write failed"};
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, file, error);
    if (error) {
        throw std::runtime_error{"writing the seed file " + file.string() + ": " + error.message()};
    }
}

} // namespace forumgate::rehearsal
