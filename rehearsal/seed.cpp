#include "rehearsal/seed.hpp"

#include "base/digest.hpp"
#include "base/error.hpp" // forumgate::input_error

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

namespace forumgate::rehearsal {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Reads one seed document; every message starts with the file name and the item.
class seed_reader
{
public:
    seed_reader(std::string_view source, std::filesystem::path base_directory)
        : m_source(source), m_base_directory(std::move(base_directory))
    {}

    forum_state read(json const &document, std::function<timestamp()> clock);

private:
    [[noreturn]] void fail(std::string const &where, std::string const &what) const
    {
        throw input_error{m_source + ": " + (where.empty() ? what : where + ": " + what)};
    }

    void check_keys(json const &object, std::string const &where, std::initializer_list<std::string_view> allowed) const
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

    json const *field(json const &object, std::string_view key) const
    {
        auto const it = object.find(std::string{key});
        return (it == object.end() || it->is_null()) ? nullptr : &*it;
    }

    std::int64_t require_int(json const &object, std::string_view key, std::string const &where) const
    {
        auto const value = optional_int(object, key, where);
        if (!value) {
            fail(where, "\"" + std::string{key} + "\" is missing");
        }
        return *value;
    }

    std::optional<std::int64_t> optional_int(json const &object, std::string_view key, std::string const &where) const
    {
        json const *const value = field(object, key);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_number_integer()) {
            fail(where, "\"" + std::string{key} + "\" must be an integer");
        }
        return value->get<std::int64_t>();
    }

    std::string require_string(json const &object, std::string_view key, std::string const &where) const
    {
        auto value = optional_string(object, key, where);
        if (!value) {
            fail(where, "\"" + std::string{key} + "\" is missing");
        }
        return std::move(*value);
    }

    std::optional<std::string> optional_string(json const &object, std::string_view key, std::string const &where) const
    {
        json const *const value = field(object, key);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_string()) {
            fail(where, "\"" + std::string{key} + "\" must be a string");
        }
        return value->get<std::string>();
    }

    bool optional_bool(json const &object, std::string_view key, std::string const &where, bool fallback) const
    {
        json const *const value = field(object, key);
        if (value == nullptr) {
            return fallback;
        }
        if (!value->is_boolean()) {
            fail(where, "\"" + std::string{key} + "\" must be true or false");
        }
        return value->get<bool>();
    }

    std::optional<timestamp> optional_time(json const &object, std::string_view key, std::string const &where) const
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

    timestamp require_time(json const &object, std::string_view key, std::string const &where) const
    {
        auto const when = optional_time(object, key, where);
        if (!when) {
            fail(where, "\"" + std::string{key} + "\" is missing");
        }
        return *when;
    }

    std::vector<std::int64_t> int_array(json const &object, std::string_view key, std::string const &where) const
    {
        std::vector<std::int64_t> values;
        json const *const value = field(object, key);
        if (value == nullptr) {
            return values;
        }
        if (!value->is_array()) {
            fail(where, "\"" + std::string{key} + "\" must be an array of integers");
        }
        for (auto const &item : *value) {
            if (!item.is_number_integer()) {
                fail(where, "\"" + std::string{key} + "\" must be an array of integers");
            }
            values.push_back(item.get<std::int64_t>());
        }
        return values;
    }

    std::vector<std::string> string_array(json const &object, std::string_view key, std::string const &where) const
    {
        std::vector<std::string> values;
        json const *const value = field(object, key);
        if (value == nullptr) {
            return values;
        }
        if (!value->is_array()) {
            fail(where, "\"" + std::string{key} + "\" must be an array of strings");
        }
        for (auto const &item : *value) {
            if (!item.is_string()) {
                fail(where, "\"" + std::string{key} + "\" must be an array of strings");
            }
            values.push_back(item.get<std::string>());
        }
        return values;
    }

    json const &array_of(json const &document, std::string_view key) const
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

    void read_settings(json const &document, site_settings &settings) const;

    std::string m_source;
    std::filesystem::path m_base_directory;
};

void seed_reader::read_settings(json const &document, site_settings &settings) const
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
            set_setting(settings, item.key(), text);
        } catch (validation_error const &e) {
            fail(where, e.what());
        }
    }
}

forum_state seed_reader::read(json const &document, std::function<timestamp()> clock)
{
    check_keys(document, "",
               {"format", "version", "site_settings", "groups", "categories", "users", "tags", "uploads", "topics"});
    if (optional_string(document, "format", "") != std::string{SEED_FORMAT}) {
        fail("", "\"format\" must be \"" + std::string{SEED_FORMAT} + "\"");
    }
    if (optional_int(document, "version", "") != SEED_VERSION) {
        fail("", "\"version\" must be " + std::to_string(SEED_VERSION));
    }
    forum_state state{std::move(clock)};
    read_settings(document, state.settings());

    // Users first: everything else names them.
    std::set<std::int64_t> user_ids{SYSTEM_USER_ID};
    std::set<std::string> usernames;
    std::set<std::string> user_external_ids;
    bool system_given = false;
    for (auto const &item : array_of(document, "users")) {
        std::string where = "users";
        if (!item.is_object()) {
            fail(where, "each entry must be a JSON object");
        }
        user record;
        record.id = require_int(item, "id", where);
        where = "user " + std::to_string(record.id);
        check_keys(item, where,
                   {"id", "username", "name", "email", "created_at", "trust_level", "admin", "moderator", "active",
                    "staged", "external_id"});
        bool const is_system = record.id == SYSTEM_USER_ID && !system_given;
        if (!user_ids.insert(record.id).second && !is_system) {
            fail(where, "id used twice");
        }
        system_given = system_given || record.id == SYSTEM_USER_ID;
        record.username = require_string(item, "username", where);
        if (!usernames.insert(lowercase_utf8(record.username)).second) {
            fail(where, "username \"" + record.username + "\" used twice");
        }
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
        if (record.external_id && !user_external_ids.insert(*record.external_id).second) {
            fail(where, "external_id \"" + *record.external_id + "\" used twice");
        }
        state.insert_user(std::move(record));
    }
    if (!system_given && usernames.contains("system")) {
        fail("users", "username \"system\" belongs to the system user (id -1)");
    }
    auto const require_user = [&](std::int64_t id, std::string const &where, std::string_view role) {
        if (!user_ids.contains(id)) {
            fail(where, std::string{role} + " " + std::to_string(id) + " does not exist");
        }
    };

    std::set<std::int64_t> group_ids;
    std::set<std::string> group_names;
    for (auto const &item : array_of(document, "groups")) {
        std::string where = "groups";
        if (!item.is_object()) {
            fail(where, "each entry must be a JSON object");
        }
        group record;
        record.id = require_int(item, "id", where);
        where = "group " + std::to_string(record.id);
        check_keys(item, where, {"id", "name", "user_ids"});
        if (!group_ids.insert(record.id).second) {
            fail(where, "id used twice");
        }
        record.name = require_string(item, "name", where);
        if (!group_names.insert(record.name).second) {
            fail(where, "name \"" + record.name + "\" used twice");
        }
        record.user_ids = int_array(item, "user_ids", where);
        for (auto const member : record.user_ids) {
            require_user(member, where, "member");
        }
        state.insert_group(std::move(record));
    }

    std::map<std::int64_t, std::optional<std::int64_t>> category_parents;
    for (auto const &item : array_of(document, "categories")) {
        std::string where = "categories";
        if (!item.is_object()) {
            fail(where, "each entry must be a JSON object");
        }
        category record;
        record.id = require_int(item, "id", where);
        where = "category " + std::to_string(record.id);
        check_keys(item, where,
                   {"id", "name", "slug", "parent_id", "read_restricted", "allowed_groups", "description", "color",
                    "text_color", "position"});
        if (category_parents.contains(record.id)) {
            fail(where, "id used twice");
        }
        record.name = require_string(item, "name", where);
        auto const slug = optional_string(item, "slug", where);
        record.slug = slug ? *slug : slug_for(record.name, state.settings().slug_generation_method, "");
        record.parent_id = optional_int(item, "parent_id", where);
        record.read_restricted = optional_bool(item, "read_restricted", where, false);
        record.allowed_groups = string_array(item, "allowed_groups", where);
        record.description = optional_string(item, "description", where).value_or("");
        record.color = optional_string(item, "color", where).value_or("0088CC");
        record.text_color = optional_string(item, "text_color", where).value_or("FFFFFF");
        record.position = static_cast<int>(optional_int(item, "position", where).value_or(0));
        category_parents[record.id] = record.parent_id;
        state.insert_category(std::move(record));
    }
    for (auto const &[id, parent] : category_parents) {
        std::string const where = "category " + std::to_string(id);
        std::optional<std::int64_t> current = parent;
        for (std::size_t depth = 0; current; ++depth) {
            if (!category_parents.contains(*current)) {
                fail(where, "parent category " + std::to_string(*current) + " does not exist");
            }
            if (*current == id || depth > category_parents.size()) {
                fail(where, "is its own ancestor");
            }
            current = category_parents.at(*current);
        }
        for (auto const &name : state.find_category(id)->allowed_groups) {
            static constexpr std::string_view AUTOMATIC[] = {"everyone",      "admins",        "moderators",
                                                             "staff",         "trust_level_0", "trust_level_1",
                                                             "trust_level_2", "trust_level_3", "trust_level_4"};
            if (!group_names.contains(name) &&
                std::find(std::begin(AUTOMATIC), std::end(AUTOMATIC), name) == std::end(AUTOMATIC)) {
                fail(where, "group \"" + name + "\" does not exist");
            }
        }
    }

    std::set<std::int64_t> tag_ids;
    std::set<std::string> tag_names;
    for (auto const &item : array_of(document, "tags")) {
        std::string where = "tags";
        if (!item.is_object()) {
            fail(where, "each entry must be a JSON object");
        }
        tag record;
        record.id = require_int(item, "id", where);
        where = "tag " + std::to_string(record.id);
        check_keys(item, where, {"id", "name"});
        if (!tag_ids.insert(record.id).second) {
            fail(where, "id used twice");
        }
        record.name = require_string(item, "name", where);
        if (!tag_names.insert(record.name).second) {
            fail(where, "name \"" + record.name + "\" used twice");
        }
        state.insert_tag(std::move(record));
    }

    std::set<std::int64_t> upload_ids;
    std::set<std::string> upload_sha1s;
    for (auto const &item : array_of(document, "uploads")) {
        std::string where = "uploads";
        if (!item.is_object()) {
            fail(where, "each entry must be a JSON object");
        }
        upload record;
        record.id = require_int(item, "id", where);
        where = "upload " + std::to_string(record.id);
        check_keys(item, where, {"id", "user_id", "original_filename", "created_at", "sha1", "bytes_base64", "path"});
        if (!upload_ids.insert(record.id).second) {
            fail(where, "id used twice");
        }
        record.user_id = require_int(item, "user_id", where);
        require_user(record.user_id, where, "user");
        record.original_filename = require_string(item, "original_filename", where);
        record.created_at = require_time(item, "created_at", where);
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
            record.bytes = std::move(*bytes);
        } else {
            std::filesystem::path const file = m_base_directory / *path;
            std::ifstream in{file, std::ios::binary};
            if (!in) {
                fail(where, "cannot read " + file.string());
            }
            std::ostringstream content;
            content << in.rdbuf();
            record.bytes = content.str();
            record.seed_path = *path;
        }
        record.sha1 = base::sha1_hex(record.bytes);
        if (auto const given = optional_string(item, "sha1", where); given && *given != record.sha1) {
            fail(where, "\"sha1\" is " + *given + " but the bytes' SHA-1 is " + record.sha1);
        }
        if (!upload_sha1s.insert(record.sha1).second) {
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
        state.insert_upload(std::move(record));
    }

    std::set<std::int64_t> topic_ids;
    std::set<std::int64_t> post_ids;
    std::set<std::string> topic_external_ids;
    for (auto const &item : array_of(document, "topics")) {
        std::string where = "topics";
        if (!item.is_object()) {
            fail(where, "each entry must be a JSON object");
        }
        topic record;
        record.id = require_int(item, "id", where);
        where = "topic " + std::to_string(record.id);
        check_keys(item, where,
                   {"id", "title", "slug", "category_id", "user_id", "created_at", "bumped_at", "last_posted_at",
                    "archetype", "allowed_user_ids", "visible", "closed", "archived", "pinned", "deleted_at", "tags",
                    "external_id", "views", "posts"});
        if (!topic_ids.insert(record.id).second) {
            fail(where, "id used twice");
        }
        record.title = require_string(item, "title", where);
        auto const slug = optional_string(item, "slug", where);
        record.slug = slug ? *slug : slug_for(record.title, state.settings().slug_generation_method, "topic");
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
            if (!category_parents.contains(*record.category_id)) {
                fail(where, "category " + std::to_string(*record.category_id) + " does not exist");
            }
        }
        record.user_id = require_int(item, "user_id", where);
        require_user(record.user_id, where, "user");
        record.created_at = require_time(item, "created_at", where);
        record.bumped_at = optional_time(item, "bumped_at", where).value_or(record.created_at);
        record.last_posted_at = optional_time(item, "last_posted_at", where).value_or(record.created_at);
        record.allowed_user_ids = int_array(item, "allowed_user_ids", where);
        for (auto const id : record.allowed_user_ids) {
            require_user(id, where, "allowed user");
        }
        record.visible = optional_bool(item, "visible", where, true);
        record.closed = optional_bool(item, "closed", where, false);
        record.archived = optional_bool(item, "archived", where, false);
        record.pinned = optional_bool(item, "pinned", where, false);
        record.deleted_at = optional_time(item, "deleted_at", where);
        record.tags = string_array(item, "tags", where);
        for (auto const &name : record.tags) {
            if (!tag_names.contains(name)) {
                fail(where, "tag \"" + name + "\" does not exist");
            }
        }
        record.external_id = optional_string(item, "external_id", where);
        if (record.external_id && !topic_external_ids.insert(*record.external_id).second) {
            fail(where, "external_id \"" + *record.external_id + "\" used twice");
        }
        record.views = static_cast<int>(optional_int(item, "views", where).value_or(0));

        json const *const posts = field(item, "posts");
        if (posts == nullptr || !posts->is_array() || posts->empty()) {
            fail(where, "\"posts\" must be a non-empty array");
        }
        std::vector<post> topic_posts;
        std::set<int> numbers;
        for (auto const &entry : *posts) {
            std::string post_where = where + ": posts";
            if (!entry.is_object()) {
                fail(post_where, "each entry must be a JSON object");
            }
            post reply;
            reply.id = require_int(entry, "id", post_where);
            post_where = where + ": post " + std::to_string(reply.id);
            check_keys(entry, post_where,
                       {"id", "post_number", "user_id", "created_at", "updated_at", "post_type", "action_code", "raw",
                        "reply_to_post_number", "deleted_at", "hidden", "version", "like_count", "reads", "wiki"});
            if (!post_ids.insert(reply.id).second) {
                fail(post_where, "id used twice");
            }
            reply.topic_id = record.id;
            reply.post_number = static_cast<int>(require_int(entry, "post_number", post_where));
            if (reply.post_number < 1) {
                fail(post_where, "post number must be 1 or more");
            }
            if (!numbers.insert(reply.post_number).second) {
                fail(where, "post " + std::to_string(reply.id) + " has post number " +
                                std::to_string(reply.post_number) + " twice");
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
            topic_posts.push_back(std::move(reply));
        }
        if (!numbers.contains(1)) {
            fail(where, "has no post number 1");
        }
        for (auto const &reply : topic_posts) {
            if (reply.reply_to_post_number && !numbers.contains(*reply.reply_to_post_number)) {
                fail(where + ": post " + std::to_string(reply.id), "replies to post number " +
                                                                       std::to_string(*reply.reply_to_post_number) +
                                                                       ", which does not exist");
            }
        }
        state.insert_topic(std::move(record));
        for (auto &reply : topic_posts) {
            state.insert_post(std::move(reply));
        }
    }
    state.rebuild_derived();
    return state;
}

// ---- Writing.

json time_value(timestamp when)
{
    return format_time(when);
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

bool is_builtin_system_user(user const &account)
{
    return account.id == SYSTEM_USER_ID && account.username == "system" && account.name == "system" &&
           account.email == "no_email" && account.trust_level == 4 && account.admin && account.moderator &&
           account.active && !account.staged && !account.external_id;
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
    seed_reader reader{source_name, base_directory};
    return reader.read(document, std::move(clock));
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

std::string save_seed(forum_state const &state)
{
    json document = json::object();
    document["format"] = SEED_FORMAT;
    document["version"] = SEED_VERSION;
    document["site_settings"] = write_settings(state.settings());

    json groups = json::array();
    for (auto const &[id, item] : state.groups()) {
        json entry = json::object();
        entry["id"] = item.id;
        entry["name"] = item.name;
        entry["user_ids"] = item.user_ids;
        groups.push_back(std::move(entry));
    }
    document["groups"] = std::move(groups);

    json categories = json::array();
    for (auto const &[id, item] : state.categories()) {
        json entry = json::object();
        entry["id"] = item.id;
        entry["name"] = item.name;
        entry["slug"] = item.slug;
        if (item.parent_id) {
            entry["parent_id"] = *item.parent_id;
        }
        if (item.read_restricted) {
            entry["read_restricted"] = true;
        }
        if (!item.allowed_groups.empty()) {
            entry["allowed_groups"] = item.allowed_groups;
        }
        if (!item.description.empty()) {
            entry["description"] = item.description;
        }
        entry["color"] = item.color;
        entry["text_color"] = item.text_color;
        entry["position"] = item.position;
        categories.push_back(std::move(entry));
    }
    document["categories"] = std::move(categories);

    json users = json::array();
    for (auto const &[id, item] : state.users()) {
        if (is_builtin_system_user(item)) {
            continue; // every forum has it; it is written only when changed
        }
        json entry = json::object();
        entry["id"] = item.id;
        entry["username"] = item.username;
        entry["name"] = item.name;
        entry["email"] = item.email;
        entry["created_at"] = time_value(item.created_at);
        entry["trust_level"] = item.trust_level;
        if (item.admin) {
            entry["admin"] = true;
        }
        if (item.moderator) {
            entry["moderator"] = true;
        }
        if (!item.active) {
            entry["active"] = false;
        }
        if (item.staged) {
            entry["staged"] = true;
        }
        if (item.external_id) {
            entry["external_id"] = *item.external_id;
        }
        users.push_back(std::move(entry));
    }
    document["users"] = std::move(users);

    json tags = json::array();
    for (auto const &[id, item] : state.tags()) {
        tags.push_back(json{{"id", item.id}, {"name", item.name}});
    }
    document["tags"] = std::move(tags);

    json uploads = json::array();
    for (auto const &[id, item] : state.uploads()) {
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
        uploads.push_back(std::move(entry));
    }
    document["uploads"] = std::move(uploads);

    json topics = json::array();
    for (auto const &[id, item] : state.topics()) {
        json entry = json::object();
        entry["id"] = item.id;
        entry["title"] = item.title;
        entry["slug"] = item.slug;
        if (item.category_id) {
            entry["category_id"] = *item.category_id;
        }
        entry["user_id"] = item.user_id;
        entry["created_at"] = time_value(item.created_at);
        entry["bumped_at"] = time_value(item.bumped_at);
        entry["last_posted_at"] = time_value(item.last_posted_at);
        if (item.kind == archetype::private_message) {
            entry["archetype"] = "private_message";
            entry["allowed_user_ids"] = item.allowed_user_ids;
        }
        if (!item.visible) {
            entry["visible"] = false;
        }
        if (item.closed) {
            entry["closed"] = true;
        }
        if (item.archived) {
            entry["archived"] = true;
        }
        if (item.pinned) {
            entry["pinned"] = true;
        }
        if (item.deleted_at) {
            entry["deleted_at"] = time_value(*item.deleted_at);
        }
        if (!item.tags.empty()) {
            entry["tags"] = item.tags;
        }
        if (item.external_id) {
            entry["external_id"] = *item.external_id;
        }
        if (item.views != 0) {
            entry["views"] = item.views;
        }
        json posts = json::array();
        for (auto const &[number, post_id] : item.post_ids_by_number) {
            post const &reply = *state.find_post(post_id);
            json p = json::object();
            p["id"] = reply.id;
            p["post_number"] = reply.post_number;
            p["user_id"] = reply.user_id;
            p["created_at"] = time_value(reply.created_at);
            if (reply.updated_at != reply.created_at) {
                p["updated_at"] = time_value(reply.updated_at);
            }
            if (reply.type != post_type::regular) {
                p["post_type"] = static_cast<int>(reply.type);
            }
            if (!reply.action_code.empty()) {
                p["action_code"] = reply.action_code;
            }
            p["raw"] = reply.raw;
            if (reply.reply_to_post_number) {
                p["reply_to_post_number"] = *reply.reply_to_post_number;
            }
            if (reply.deleted_at) {
                p["deleted_at"] = time_value(*reply.deleted_at);
            }
            if (reply.hidden) {
                p["hidden"] = true;
            }
            if (reply.version != 1) {
                p["version"] = reply.version;
            }
            if (reply.like_count != 0) {
                p["like_count"] = reply.like_count;
            }
            if (reply.reads != 0) {
                p["reads"] = reply.reads;
            }
            if (reply.wiki) {
                p["wiki"] = true;
            }
            posts.push_back(std::move(p));
        }
        entry["posts"] = std::move(posts);
        topics.push_back(std::move(entry));
    }
    document["topics"] = std::move(topics);

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

std::string encode_base64(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        std::uint32_t const chunk = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U) |
                                    (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U) |
                                    static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(BASE64_ALPHABET[(chunk >> 18U) & 63U]);
        out.push_back(BASE64_ALPHABET[(chunk >> 12U) & 63U]);
        out.push_back(BASE64_ALPHABET[(chunk >> 6U) & 63U]);
        out.push_back(BASE64_ALPHABET[chunk & 63U]);
    }
    if (i < bytes.size()) {
        std::uint32_t chunk = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U;
        if (i + 1 < bytes.size()) {
            chunk |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
        }
        out.push_back(BASE64_ALPHABET[(chunk >> 18U) & 63U]);
        out.push_back(BASE64_ALPHABET[(chunk >> 12U) & 63U]);
        out.push_back(i + 1 < bytes.size() ? BASE64_ALPHABET[(chunk >> 6U) & 63U] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> decode_base64(std::string_view text)
{
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    bool padding = false;
    for (char const c : text) {
        if (c == '\r' || c == '\n') {
            continue;
        }
        if (c == '=') {
            padding = true;
            continue;
        }
        auto const value = BASE64_ALPHABET.find(c);
        if (value == std::string_view::npos || padding) {
            return std::nullopt;
        }
        buffer = (buffer << 6U) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    if (bits >= 6) {
        return std::nullopt; // a lone sixth of a byte cannot come from valid Base64
    }
    return out;
}

} // namespace forumgate::rehearsal
