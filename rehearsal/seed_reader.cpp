// Reading seed files (load_seed, load_seed_file): one reader per section of the document, in
// the order the sections name each other (users before everything that names them).

#include "base/digest.hpp"
#include "base/error.hpp" // forumgate::input_error
#include "rehearsal/seed.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

namespace forumgate::rehearsal {
namespace {

using json = nlohmann::ordered_json;

/// The automatic groups a category may allow besides the seed's own groups.
constexpr std::string_view AUTOMATIC_GROUPS[] = {"everyone",      "admins",        "moderators",
                                                 "staff",         "trust_level_0", "trust_level_1",
                                                 "trust_level_2", "trust_level_3", "trust_level_4"};

/// Represents the reading of one seed document into a forum: the typed field readers, one
/// reader per section, and what the sections know of each other (ids and names seen so far).
/// Every message starts with the file name and the item.
class seed_reader
{
public:
    seed_reader(std::string_view source, std::filesystem::path base_directory, std::function<timestamp()> clock)
        : m_source(source), m_base_directory(std::move(base_directory)), m_state(std::move(clock))
    {}

    forum_state read(json const &document);

private:
    // -- Fields.
    [[noreturn]] void fail(std::string const &where, std::string const &what) const;
    void check_keys(json const &object, std::string const &where,
                    std::initializer_list<std::string_view> allowed) const;
    static json const *field(json const &object, std::string_view key);
    std::int64_t require_int(json const &object, std::string_view key, std::string const &where) const;
    /// \return the field `key` of `object` as a Value, nullopt when absent or null.
    /// \throws input_error ("\"key\" must be {must_be}") when it is not of that type.
    template <typename Value>
    std::optional<Value> optional_typed(json const &object, std::string_view key, std::string const &where,
                                        bool (json::*is_type)() const noexcept, std::string_view must_be) const;
    std::optional<std::int64_t> optional_int(json const &object, std::string_view key, std::string const &where) const;
    std::string require_string(json const &object, std::string_view key, std::string const &where) const;
    std::optional<std::string> optional_string(json const &object, std::string_view key,
                                               std::string const &where) const;
    bool optional_bool(json const &object, std::string_view key, std::string const &where, bool fallback) const;
    std::optional<timestamp> optional_time(json const &object, std::string_view key, std::string const &where) const;
    timestamp require_time(json const &object, std::string_view key, std::string const &where) const;
    /// \return the array `key` of `object` ([] when absent), each element read by `read_item`
    /// after `is_item` accepted it; `kind` names the element type in the message.
    template <typename Value, typename Check, typename Read>
    std::vector<Value> array_field(json const &object, std::string_view key, std::string const &where,
                                   std::string_view kind, Check is_item, Read read_item) const;
    std::vector<std::int64_t> int_array(json const &object, std::string_view key, std::string const &where) const;
    std::vector<std::string> string_array(json const &object, std::string_view key, std::string const &where) const;
    json const &array_of(json const &document, std::string_view key) const;

    /// Starts reading one entry of a section: checks it is an object with an integer "id" and
    /// only the `allowed` keys. \return where the entry is ("{singular} {id}") for messages.
    std::string open_entry(json const &item, std::string const &section, std::string_view singular, std::int64_t &id,
                           std::initializer_list<std::string_view> allowed) const;
    /// Adds `value` to `seen`; fails with "{what} used twice" if it was there.
    template <typename Value>
    void once(std::set<Value> &seen, Value const &value, std::string const &where, std::string const &what) const
    {
        if (!seen.insert(value).second) {
            fail(where, what + " used twice");
        }
    }
    void require_user(std::int64_t id, std::string const &where, std::string_view role) const;

    // -- Sections, in the order they are read.
    void read_header(json const &document) const;
    void read_settings(json const &document);
    void read_users(json const &document);
    void read_groups(json const &document);
    void read_categories(json const &document);
    void check_category_tree() const;
    void read_tags(json const &document);
    void read_uploads(json const &document);
    std::string upload_bytes(json const &item, std::string const &where, upload &record) const;
    void read_topics(json const &document);
    topic read_topic(json const &item, std::string const &where, std::int64_t id);
    std::vector<post> read_posts(json const &item, std::string const &where, std::int64_t topic_id);
    /// Reads one post of topic `topic_id` (at `where`), adding its number to the topic's `numbers`.
    post read_post(json const &entry, std::string const &where, std::string const &post_where, std::int64_t id,
                   std::int64_t topic_id, std::set<int> &numbers);

    std::string m_source;
    std::filesystem::path m_base_directory;
    forum_state m_state;

    // What the sections read so far, for the references between them.
    std::set<std::int64_t> m_user_ids{SYSTEM_USER_ID};
    std::set<std::string> m_usernames;
    std::set<std::string> m_group_names;
    std::map<std::int64_t, std::optional<std::int64_t>> m_category_parents;
    std::set<std::string> m_tag_names;
    std::set<std::int64_t> m_post_ids;
};

// ---- Fields.

void seed_reader::fail(std::string const &where, std::string const &what) const
{
    throw input_error{m_source + ": " + (where.empty() ? what : where + ": " + what)};
}

void seed_reader::check_keys(json const &object, std::string const &where,
                             std::initializer_list<std::string_view> allowed) const
{
    if (!object.is_object()) {
        fail(where, "must be a JSON object");
    }
    for (auto const &item : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
            fail(where, "unknown key \"" + item.key() + "\"");
        }
    }
}

json const *seed_reader::field(json const &object, std::string_view key)
{
    auto const it = object.find(std::string{key});
    return (it == object.end() || it->is_null()) ? nullptr : &*it;
}

std::int64_t seed_reader::require_int(json const &object, std::string_view key, std::string const &where) const
{
    auto const value = optional_int(object, key, where);
    if (!value) {
        fail(where, "\"" + std::string{key} + "\" is missing");
    }
    return *value;
}

template <typename Value>
std::optional<Value> seed_reader::optional_typed(json const &object, std::string_view key, std::string const &where,
                                                 bool (json::*is_type)() const noexcept, std::string_view must_be) const
{
    json const *const value = field(object, key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!(value->*is_type)()) {
        fail(where, "\"" + std::string{key} + "\" must be " + std::string{must_be});
    }
    return value->get<Value>();
}

std::optional<std::int64_t> seed_reader::optional_int(json const &object, std::string_view key,
                                                      std::string const &where) const
{
    return optional_typed<std::int64_t>(object, key, where, &json::is_number_integer, "an integer");
}

std::string seed_reader::require_string(json const &object, std::string_view key, std::string const &where) const
{
    auto value = optional_string(object, key, where);
    if (!value) {
        fail(where, "\"" + std::string{key} + "\" is missing");
    }
    return std::move(*value);
}

std::optional<std::string> seed_reader::optional_string(json const &object, std::string_view key,
                                                        std::string const &where) const
{
    return optional_typed<std::string>(object, key, where, &json::is_string, "a string");
}

bool seed_reader::optional_bool(json const &object, std::string_view key, std::string const &where, bool fallback) const
{
    return optional_typed<bool>(object, key, where, &json::is_boolean, "true or false").value_or(fallback);
}

std::optional<timestamp> seed_reader::optional_time(json const &object, std::string_view key,
                                                    std::string const &where) const
{
    auto const text = optional_string(object, key, where);
    if (!text) {
        return std::nullopt;
    }
    auto const when = parse_time(*text);
    if (!when) {
        fail(where, "\"" + std::string{key} + "\" is not an ISO-8601 time: " + *text);
    }
    return when;
}

timestamp seed_reader::require_time(json const &object, std::string_view key, std::string const &where) const
{
    auto const when = optional_time(object, key, where);
    if (!when) {
        fail(where, "\"" + std::string{key} + "\" is missing");
    }
    return *when;
}

template <typename Value, typename Check, typename Read>
std::vector<Value> seed_reader::array_field(json const &object, std::string_view key, std::string const &where,
                                            std::string_view kind, Check is_item, Read read_item) const
{
    std::vector<Value> values;
    json const *const value = field(object, key);
    if (value == nullptr) {
        return values;
    }
    std::string const message = "\"" + std::string{key} + "\" must be an array of " + std::string{kind};
    if (!value->is_array()) {
        fail(where, message);
    }
    for (auto const &item : *value) {
        if (!is_item(item)) {
            fail(where, message);
        }
        values.push_back(read_item(item));
    }
    return values;
}

std::vector<std::int64_t> seed_reader::int_array(json const &object, std::string_view key,
                                                 std::string const &where) const
{
    return array_field<std::int64_t>(
        object, key, where, "integers", [](json const &item) { return item.is_number_integer(); },
        [](json const &item) { return item.get<std::int64_t>(); });
}

std::vector<std::string> seed_reader::string_array(json const &object, std::string_view key,
                                                   std::string const &where) const
{
    return array_field<std::string>(
        object, key, where, "strings", [](json const &item) { return item.is_string(); },
        [](json const &item) { return item.get<std::string>(); });
}

json const &seed_reader::array_of(json const &document, std::string_view key) const
{
    static json const EMPTY = json::array();
    json const *const value = field(document, key);
    if (value == nullptr) {
        return EMPTY;
    }
    if (!value->is_array()) {
        fail("", "\"" + std::string{key} + "\" must be an array");
    }
    return *value;
}

std::string seed_reader::open_entry(json const &item, std::string const &section, std::string_view singular,
                                    std::int64_t &id, std::initializer_list<std::string_view> allowed) const
{
    if (!item.is_object()) {
        fail(section, "each entry must be a JSON object");
    }
    id = require_int(item, "id", section);
    std::string where = std::string{singular} + " " + std::to_string(id);
    check_keys(item, where, allowed);
    return where;
}

void seed_reader::require_user(std::int64_t id, std::string const &where, std::string_view role) const
{
    if (!m_user_ids.contains(id)) {
        fail(where, std::string{role} + " " + std::to_string(id) + " does not exist");
    }
}

// ---- Sections.

forum_state seed_reader::read(json const &document)
{
    read_header(document);
    read_settings(document);
    read_users(document); // first: everything else names them
    read_groups(document);
    read_categories(document);
    check_category_tree();
    read_tags(document);
    read_uploads(document);
    read_topics(document);
    m_state.rebuild_derived();
    return std::move(m_state);
}

void seed_reader::read_header(json const &document) const
{
    check_keys(document, "",
               {"format", "version", "site_settings", "groups", "categories", "users", "tags", "uploads", "topics"});
    if (optional_string(document, "format", "") != std::string{SEED_FORMAT}) {
        fail("", "\"format\" must be \"" + std::string{SEED_FORMAT} + "\"");
    }
    if (optional_int(document, "version", "") != SEED_VERSION) {
        fail("", "\"version\" must be " + std::to_string(SEED_VERSION));
    }
}

void seed_reader::read_settings(json const &document)
{
    json const *const object = field(document, "site_settings");
    if (object == nullptr) {
        return;
    }
    if (!object->is_object()) {
        fail("site_settings", "must be a JSON object");
    }
    auto const &table = setting_table();
    for (auto const &item : object->items()) {
        std::string const where = "site setting " + item.key();
        auto const info = std::find_if(table.begin(), table.end(), [&](auto const &e) { return e.name == item.key(); });
        if (info == table.end()) {
            fail(where, "no such setting");
        }
        std::string text;
        switch (info->type) {
        case setting_type::integer:
            if (!item.value().is_number_integer()) {
                fail(where, "must be an integer");
            }
            text = std::to_string(item.value().get<std::int64_t>());
            break;
        case setting_type::boolean:
            if (!item.value().is_boolean()) {
                fail(where, "must be true or false");
            }
            text = item.value().get<bool>() ? "true" : "false";
            break;
        case setting_type::string:
        case setting_type::enumeration:
            if (!item.value().is_string()) {
                fail(where, "must be a string");
            }
            text = item.value().get<std::string>();
            break;
        }
        try {
            set_setting(m_state.settings(), item.key(), text);
        } catch (validation_error const &e) {
            fail(where, e.what());
        }
    }
}

void seed_reader::read_users(json const &document)
{
    std::set<std::string> external_ids;
    bool system_given = false;
    for (auto const &item : array_of(document, "users")) {
        user record;
        std::string const where = open_entry(item, "users", "user", record.id,
                                             {"id", "username", "name", "email", "created_at", "trust_level", "admin",
                                              "moderator", "active", "staged", "external_id"});
        bool const is_system = record.id == SYSTEM_USER_ID && !system_given;
        if (!m_user_ids.insert(record.id).second && !is_system) {
            fail(where, "id used twice");
        }
        system_given = system_given || record.id == SYSTEM_USER_ID;
        record.username = require_string(item, "username", where);
        once(m_usernames, lowercase_utf8(record.username), where, "username \"" + record.username + "\"");
        record.name = optional_string(item, "name", where).value_or("");
        record.email = optional_string(item, "email", where).value_or("");
        record.created_at = require_time(item, "created_at", where);
        record.trust_level = static_cast<int>(optional_int(item, "trust_level", where).value_or(1));
        if (record.trust_level < 0 || record.trust_level > 4) {
            fail(where, "trust_level must be 0 to 4");
        }
        record.admin = optional_bool(item, "admin", where, false);
        record.moderator = optional_bool(item, "moderator", where, false);
        record.active = optional_bool(item, "active", where, true);
        record.staged = optional_bool(item, "staged", where, false);
        record.external_id = optional_string(item, "external_id", where);
        if (record.external_id) {
            once(external_ids, *record.external_id, where, "external_id \"" + *record.external_id + "\"");
        }
        m_state.insert_user(std::move(record));
    }
    if (!system_given && m_usernames.contains("system")) {
        fail("users", "username \"system\" belongs to the system user (id -1)");
    }
}

void seed_reader::read_groups(json const &document)
{
    std::set<std::int64_t> ids;
    for (auto const &item : array_of(document, "groups")) {
        group record;
        std::string const where = open_entry(item, "groups", "group", record.id, {"id", "name", "user_ids"});
        once(ids, record.id, where, "id");
        record.name = require_string(item, "name", where);
        once(m_group_names, record.name, where, "name \"" + record.name + "\"");
        record.user_ids = int_array(item, "user_ids", where);
        for (auto const member : record.user_ids) {
            require_user(member, where, "member");
        }
        m_state.insert_group(std::move(record));
    }
}

void seed_reader::read_categories(json const &document)
{
    for (auto const &item : array_of(document, "categories")) {
        category record;
        std::string const where = open_entry(item, "categories", "category", record.id,
                                             {"id", "name", "slug", "parent_id", "read_restricted", "allowed_groups",
                                              "description", "color", "text_color", "position"});
        if (m_category_parents.contains(record.id)) {
            fail(where, "id used twice");
        }
        record.name = require_string(item, "name", where);
        auto const slug = optional_string(item, "slug", where);
        record.slug = slug ? *slug : slug_for(record.name, m_state.settings().slug_generation_method, "");
        record.parent_id = optional_int(item, "parent_id", where);
        record.read_restricted = optional_bool(item, "read_restricted", where, false);
        record.allowed_groups = string_array(item, "allowed_groups", where);
        record.description = optional_string(item, "description", where).value_or("");
        record.color = optional_string(item, "color", where).value_or("0088CC");
        record.text_color = optional_string(item, "text_color", where).value_or("FFFFFF");
        record.position = static_cast<int>(optional_int(item, "position", where).value_or(0));
        m_category_parents[record.id] = record.parent_id;
        m_state.insert_category(std::move(record));
    }
}

void seed_reader::check_category_tree() const
{
    for (auto const &[id, parent] : m_category_parents) {
        std::string const where = "category " + std::to_string(id);
        std::optional<std::int64_t> current = parent;
        for (std::size_t depth = 0; current; ++depth) {
            if (!m_category_parents.contains(*current)) {
                fail(where, "parent category " + std::to_string(*current) + " does not exist");
            }
            if (*current == id || depth > m_category_parents.size()) {
                fail(where, "is its own ancestor");
            }
            current = m_category_parents.at(*current);
        }
        for (auto const &name : m_state.find_category(id)->allowed_groups) {
            if (!m_group_names.contains(name) && std::find(std::begin(AUTOMATIC_GROUPS), std::end(AUTOMATIC_GROUPS),
                                                           name) == std::end(AUTOMATIC_GROUPS)) {
                fail(where, "group \"" + name + "\" does not exist");
            }
        }
    }
}

void seed_reader::read_tags(json const &document)
{
    std::set<std::int64_t> ids;
    for (auto const &item : array_of(document, "tags")) {
        tag record;
        std::string const where = open_entry(item, "tags", "tag", record.id, {"id", "name"});
        once(ids, record.id, where, "id");
        record.name = require_string(item, "name", where);
        once(m_tag_names, record.name, where, "name \"" + record.name + "\"");
        m_state.insert_tag(std::move(record));
    }
}

void seed_reader::read_uploads(json const &document)
{
    std::set<std::int64_t> ids;
    std::set<std::string> sha1s;
    for (auto const &item : array_of(document, "uploads")) {
        upload record;
        std::string const where =
            open_entry(item, "uploads", "upload", record.id,
                       {"id", "user_id", "original_filename", "created_at", "sha1", "bytes_base64", "path"});
        once(ids, record.id, where, "id");
        record.user_id = require_int(item, "user_id", where);
        require_user(record.user_id, where, "user");
        record.original_filename = require_string(item, "original_filename", where);
        record.created_at = require_time(item, "created_at", where);
        record.bytes = upload_bytes(item, where, record);
        record.sha1 = base::sha1_hex(record.bytes);
        if (auto const given = optional_string(item, "sha1", where); given && *given != record.sha1) {
            fail(where, "\"sha1\" is " + *given + " but the bytes' SHA-1 is " + record.sha1);
        }
        if (!sha1s.insert(record.sha1).second) {
            fail(where, "same bytes (sha1 " + record.sha1 + ") as another upload");
        }
        if (auto const dot = record.original_filename.rfind('.'); dot != std::string::npos) {
            record.extension = lowercase_utf8(record.original_filename.substr(dot + 1));
        }
        record.filesize = static_cast<std::int64_t>(record.bytes.size());
        if (auto const size = image_size(record.bytes)) {
            record.width = size->first;
            record.height = size->second;
        }
        m_state.insert_upload(std::move(record));
    }
}

std::string seed_reader::upload_bytes(json const &item, std::string const &where, upload &record) const
{
    auto const base64 = optional_string(item, "bytes_base64", where);
    auto const path = optional_string(item, "path", where);
    if (base64.has_value() == path.has_value()) {
        fail(where, "needs exactly one of \"bytes_base64\" and \"path\"");
    }
    if (base64) {
        auto bytes = decode_base64(*base64);
        if (!bytes) {
            fail(where, "\"bytes_base64\" is not valid Base64");
        }
        return std::move(*bytes);
    }
    std::filesystem::path const file = m_base_directory / *path;
    std::ifstream in{file, std::ios::binary};
    if (!in) {
        fail(where, "cannot read " + file.string());
    }
    std::ostringstream content;
    content << in.rdbuf();
    record.seed_path = *path;
    return content.str();
}

void seed_reader::read_topics(json const &document)
{
    std::set<std::int64_t> ids;
    std::set<std::string> external_ids;
    for (auto const &item : array_of(document, "topics")) {
        std::int64_t id = 0;
        std::string const where =
            open_entry(item, "topics", "topic", id,
                       {"id", "title", "slug", "category_id", "user_id", "created_at", "bumped_at", "last_posted_at",
                        "archetype", "allowed_user_ids", "visible", "closed", "archived", "pinned", "deleted_at",
                        "tags", "external_id", "views", "posts"});
        once(ids, id, where, "id");
        topic record = read_topic(item, where, id);
        if (record.external_id) {
            once(external_ids, *record.external_id, where, "external_id \"" + *record.external_id + "\"");
        }
        record.views = static_cast<int>(optional_int(item, "views", where).value_or(0));
        std::vector<post> topic_posts = read_posts(item, where, id);
        m_state.insert_topic(std::move(record));
        for (auto &reply : topic_posts) {
            m_state.insert_post(std::move(reply));
        }
    }
}

topic seed_reader::read_topic(json const &item, std::string const &where, std::int64_t id)
{
    topic record;
    record.id = id;
    record.title = require_string(item, "title", where);
    auto const slug = optional_string(item, "slug", where);
    record.slug = slug ? *slug : slug_for(record.title, m_state.settings().slug_generation_method, "topic");
    std::string const kind = optional_string(item, "archetype", where).value_or("regular");
    if (kind == "private_message") {
        record.kind = archetype::private_message;
    } else if (kind != "regular") {
        fail(where, "archetype must be \"regular\" or \"private_message\"");
    }
    record.category_id = optional_int(item, "category_id", where);
    if (record.category_id) {
        if (record.kind == archetype::private_message) {
            fail(where, "a private message has no category");
        }
        if (!m_category_parents.contains(*record.category_id)) {
            fail(where, "category " + std::to_string(*record.category_id) + " does not exist");
        }
    }
    record.user_id = require_int(item, "user_id", where);
    require_user(record.user_id, where, "user");
    record.created_at = require_time(item, "created_at", where);
    record.bumped_at = optional_time(item, "bumped_at", where).value_or(record.created_at);
    record.last_posted_at = optional_time(item, "last_posted_at", where).value_or(record.created_at);
    record.allowed_user_ids = int_array(item, "allowed_user_ids", where);
    for (auto const user_id : record.allowed_user_ids) {
        require_user(user_id, where, "allowed user");
    }
    record.visible = optional_bool(item, "visible", where, true);
    record.closed = optional_bool(item, "closed", where, false);
    record.archived = optional_bool(item, "archived", where, false);
    record.pinned = optional_bool(item, "pinned", where, false);
    record.deleted_at = optional_time(item, "deleted_at", where);
    record.tags = string_array(item, "tags", where);
    for (auto const &name : record.tags) {
        if (!m_tag_names.contains(name)) {
            fail(where, "tag \"" + name + "\" does not exist");
        }
    }
    record.external_id = optional_string(item, "external_id", where);
    return record;
}

std::vector<post> seed_reader::read_posts(json const &item, std::string const &where, std::int64_t topic_id)
{
    json const *const posts = field(item, "posts");
    if (posts == nullptr || !posts->is_array() || posts->empty()) {
        fail(where, "\"posts\" must be a non-empty array");
    }
    std::vector<post> topic_posts;
    std::set<int> numbers;
    for (auto const &entry : *posts) {
        std::int64_t id = 0;
        std::string const post_where =
            open_entry(entry, where + ": posts", where + ": post", id,
                       {"id", "post_number", "user_id", "created_at", "updated_at", "post_type", "action_code", "raw",
                        "reply_to_post_number", "deleted_at", "hidden", "version", "like_count", "reads", "wiki"});
        once(m_post_ids, id, post_where, "id");
        topic_posts.push_back(read_post(entry, where, post_where, id, topic_id, numbers));
    }
    if (!numbers.contains(1)) {
        fail(where, "has no post number 1");
    }
    for (auto const &reply : topic_posts) {
        if (reply.reply_to_post_number && !numbers.contains(*reply.reply_to_post_number)) {
            fail(where + ": post " + std::to_string(reply.id),
                 "replies to post number " + std::to_string(*reply.reply_to_post_number) + ", which does not exist");
        }
    }
    return topic_posts;
}

post seed_reader::read_post(json const &entry, std::string const &where, std::string const &post_where, std::int64_t id,
                            std::int64_t topic_id, std::set<int> &numbers)
{
    post reply;
    reply.id = id;
    reply.topic_id = topic_id;
    reply.post_number = static_cast<int>(require_int(entry, "post_number", post_where));
    if (reply.post_number < 1) {
        fail(post_where, "post number must be 1 or more");
    }
    if (!numbers.insert(reply.post_number).second) {
        fail(where,
             "post " + std::to_string(reply.id) + " has post number " + std::to_string(reply.post_number) + " twice");
    }
    reply.user_id = require_int(entry, "user_id", post_where);
    require_user(reply.user_id, post_where, "user");
    reply.created_at = require_time(entry, "created_at", post_where);
    reply.updated_at = optional_time(entry, "updated_at", post_where).value_or(reply.created_at);
    auto const type = optional_int(entry, "post_type", post_where).value_or(1);
    if (type < 1 || type > 4) {
        fail(post_where, "post_type must be 1 to 4");
    }
    reply.type = static_cast<post_type>(type);
    reply.action_code = optional_string(entry, "action_code", post_where).value_or("");
    reply.raw = optional_string(entry, "raw", post_where).value_or("");
    if (auto const to = optional_int(entry, "reply_to_post_number", post_where)) {
        reply.reply_to_post_number = static_cast<int>(*to);
    }
    reply.deleted_at = optional_time(entry, "deleted_at", post_where);
    reply.hidden = optional_bool(entry, "hidden", post_where, false);
    reply.version = static_cast<int>(optional_int(entry, "version", post_where).value_or(1));
    reply.like_count = static_cast<int>(optional_int(entry, "like_count", post_where).value_or(0));
    reply.reads = static_cast<int>(optional_int(entry, "reads", post_where).value_or(0));
    reply.wiki = optional_bool(entry, "wiki", post_where, false);
    return reply;
}

} // namespace

forum_state load_seed(std::string_view json_text, std::string_view source_name,
                      std::filesystem::path const &base_directory, std::function<timestamp()> clock)
{
    json document;
    try {
        document = json::parse(json_text);
    } catch (json::parse_error const &e) {
        throw input_error{std::string{source_name} + ": not valid JSON: " + e.what()};
    }
    seed_reader reader{source_name, base_directory, std::move(clock)};
    return reader.read(document);
}

forum_state load_seed_file(std::filesystem::path const &file, std::function<timestamp()> clock)
{
    std::ifstream in{file, std::ios::binary};
    if (!in) {
        throw input_error{file.string() + ": cannot open the seed file"};
    }
    std::ostringstream content;
    content << in.rdbuf();
    return load_seed(content.str(), file.filename().string(), file.parent_path(), std::move(clock));
}

} // namespace forumgate::rehearsal
