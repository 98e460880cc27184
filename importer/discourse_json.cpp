#include "importer/discourse_json.hpp"

#include "base/url_codec.hpp"
#include "importer/markdown.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <set>

namespace forumgate::importer {

using nlohmann::json;

namespace {

std::string_view type_name(json const &value)
{
    return value.type_name();
}

json const &field(std::string const &url, json const &object, std::string_view key, std::string_view where)
{
    if (!object.is_object()) {
        throw bad_answer{url + ": " + std::string{where} + " is " + std::string{type_name(object)} +
                         ", expected an object"};
    }
    auto const found = object.find(key);
    if (found == object.end()) {
        throw bad_answer{url + ": " + std::string{where} + " has no field '" + std::string{key} + "'"};
    }
    return *found;
}

[[noreturn]] void wrong_type(std::string const &url, std::string_view where, std::string_view key, json const &value,
                             std::string_view expected)
{
    throw bad_answer{url + ": " + std::string{where} + "." + std::string{key} + " is " + std::string{type_name(value)} +
                     ", expected " + std::string{expected}};
}

/// How a JSON field of type T is recognised and named in an error.
template <typename T>
struct json_kind;

template <>
struct json_kind<std::int64_t>
{
    static bool is(json const &value) { return value.is_number_integer(); }
    static constexpr char const *NAME = "an integer";
    static constexpr char const *OR_NULL = "an integer or null";
};

template <>
struct json_kind<std::string>
{
    static bool is(json const &value) { return value.is_string(); }
    static constexpr char const *NAME = "a string";
    static constexpr char const *OR_NULL = "a string or null";
};

template <>
struct json_kind<bool>
{
    static bool is(json const &value) { return value.is_boolean(); }
    static constexpr char const *OR_NULL = "true or false";
};

/// The field `key` of `object`, which must be there with type T. \throws bad_answer.
template <typename T>
T need(std::string const &url, json const &object, std::string_view key, std::string_view where)
{
    auto const &value = field(url, object, key, where);
    if (!json_kind<T>::is(value)) {
        wrong_type(url, where, key, value, json_kind<T>::NAME);
    }
    return value.get<T>();
}

/// The field `key` of `object`: nullopt if absent or null, else it must have type T.
/// \throws bad_answer.
template <typename T>
std::optional<T> maybe(std::string const &url, json const &object, std::string_view key, std::string_view where)
{
    auto const found = object.find(key);
    if (found == object.end() || found->is_null()) {
        return std::nullopt;
    }
    if (!json_kind<T>::is(*found)) {
        wrong_type(url, where, key, *found, json_kind<T>::OR_NULL);
    }
    return found->get<T>();
}

// The readers the records use, by what the field holds.
constexpr auto need_id = need<std::int64_t>;
constexpr auto maybe_id = maybe<std::int64_t>;
constexpr auto need_text = need<std::string>;
constexpr auto maybe_text = maybe<std::string>;

int int_or(std::string const &url, json const &object, std::string_view key, std::string_view where, int fallback)
{
    auto const value = maybe_id(url, object, key, where);
    return value ? static_cast<int>(*value) : fallback;
}

bool flag_or(std::string const &url, json const &object, std::string_view key, std::string_view where, bool fallback)
{
    return maybe<bool>(url, object, key, where).value_or(fallback);
}

json const &need_array(std::string const &url, json const &object, std::string_view key, std::string_view where)
{
    auto const &value = field(url, object, key, where);
    if (!value.is_array()) {
        wrong_type(url, where, key, value, "an array");
    }
    return value;
}

std::string text_of(json const &value)
{
    if (value.is_string()) {
        return value.get<std::string>();
    }
    return value.is_null() ? std::string{} : value.dump();
}

} // namespace

json parse_answer(std::string const &url, std::string const &body)
{
    try {
        return json::parse(body);
    } catch (json::exception const &problem) {
        throw bad_answer{url + ": not JSON: " + problem.what()};
    }
}

std::vector<category_record> read_site_categories(std::string const &url, json const &site)
{
    std::vector<category_record> out;
    for (auto const &item : need_array(url, site, "categories", "the answer")) {
        category_record category;
        category.id = need_id(url, item, "id", "a category");
        std::string const where = "category " + std::to_string(category.id);
        category.parent_id = maybe_id(url, item, "parent_category_id", where);
        category.name = need_text(url, item, "name", where);
        category.slug = need_text(url, item, "slug", where);
        category.description = maybe_text(url, item, "description", where).value_or("");
        category.color = maybe_text(url, item, "color", where).value_or("");
        category.text_color = maybe_text(url, item, "text_color", where).value_or("");
        category.position = int_or(url, item, "position", where, 0);
        category.read_restricted = flag_or(url, item, "read_restricted", where, false);
        category.topic_count = int_or(url, item, "topic_count", where, 0);
        category.data = item;
        out.push_back(std::move(category));
    }
    return out;
}

std::vector<std::pair<std::string, int>> read_tags(std::string const &url, json const &tags)
{
    std::vector<std::pair<std::string, int>> out;
    for (auto const &item : need_array(url, tags, "tags", "the answer")) {
        // Newer versions give the name in "id" and "text"; "name" where present.
        auto name = maybe_text(url, item, "name", "a tag");
        if (!name) {
            name = need_text(url, item, "id", "a tag");
        }
        out.emplace_back(*name, int_or(url, item, "count", "tag " + *name, 0));
    }
    return out;
}

std::string topic_signature(std::string const &url, json const &topic)
{
    std::string const where = "topic " + std::to_string(need_id(url, topic, "id", "a topic"));
    std::string out;
    auto add = [&](std::string_view key) {
        auto const found = topic.find(key);
        out += std::string{key} + "=" + (found == topic.end() ? std::string{} : text_of(*found)) + ";";
    };
    for (auto const *key : {"title", "slug", "category_id", "bumped_at", "last_posted_at", "highest_post_number",
                            "posts_count", "like_count", "closed", "archived", "pinned", "visible", "archetype"}) {
        add(key);
    }
    auto const tags = topic.find("tags");
    out += "tags=" + (tags == topic.end() ? std::string{} : tags->dump()) + ";";
    (void)where;
    return out;
}

topic_list_page read_topic_list(std::string const &url, json const &list)
{
    auto const &body = field(url, list, "topic_list", "the answer");
    topic_list_page page;
    for (auto const &item : need_array(url, body, "topics", "topic_list")) {
        page.topics.push_back({need_id(url, item, "id", "a listed topic"), topic_signature(url, item)});
    }
    if (auto const more = maybe_text(url, body, "more_topics_url", "topic_list")) {
        // "/latest.json?page=1" or "/latest?page=1": read the page number ourselves.
        auto const at = more->find("page=");
        if (at == std::string::npos) {
            throw bad_answer{url + ": topic_list.more_topics_url " + *more + " has no page parameter"};
        }
        auto const end = more->find('&', at);
        auto const number = base::parse_uint(
            std::string_view{*more}.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5));
        if (!number) {
            throw bad_answer{url + ": topic_list.more_topics_url " + *more + " has no page number"};
        }
        page.next_page = static_cast<int>(*number);
    }
    return page;
}

namespace {

post_record read_post(std::string const &url, json const &item, bool need_raw)
{
    post_record post;
    post.id = need_id(url, item, "id", "a post");
    std::string const where = "post " + std::to_string(post.id);
    post.topic_id = need_id(url, item, "topic_id", where);
    post.post_number = static_cast<int>(need_id(url, item, "post_number", where));
    post.user_id = maybe_id(url, item, "user_id", where);
    post.username = maybe_text(url, item, "username", where).value_or("");
    post.name = maybe_text(url, item, "name", where).value_or("");
    post.trust_level = int_or(url, item, "trust_level", where, 0);
    post.admin = flag_or(url, item, "admin", where, false);
    post.moderator = flag_or(url, item, "moderator", where, false);
    post.post_type = static_cast<int>(need_id(url, item, "post_type", where));
    post.action_code = maybe_text(url, item, "action_code", where).value_or("");
    if (need_raw) {
        post.raw = need_text(url, item, "raw", where);
    } else {
        post.raw = maybe_text(url, item, "raw", where).value_or("");
    }
    post.cooked = maybe_text(url, item, "cooked", where).value_or("");
    post.created_at = need_text(url, item, "created_at", where);
    post.updated_at = maybe_text(url, item, "updated_at", where).value_or(post.created_at);
    if (auto const reply = maybe_id(url, item, "reply_to_post_number", where)) {
        post.reply_to_post_number = static_cast<int>(*reply);
    }
    post.version = int_or(url, item, "version", where, 1);
    post.reads = int_or(url, item, "reads", where, 0);
    post.hidden = flag_or(url, item, "hidden", where, false);
    post.wiki = flag_or(url, item, "wiki", where, false);
    post.deleted_at = maybe_text(url, item, "deleted_at", where);
    if (auto const actions = item.find("actions_summary"); actions != item.end() && actions->is_array()) {
        for (auto const &action : *actions) {
            if (action.is_object() && action.value("id", 0) == 2) {
                post.like_count = action.value("count", 0);
            }
        }
    }
    if (post.like_count == 0) {
        post.like_count = int_or(url, item, "like_count", where, 0);
    }
    return post;
}

} // namespace

topic_record read_topic(std::string const &url, json const &topic)
{
    topic_record out;
    out.id = need_id(url, topic, "id", "the topic");
    std::string const where = "topic " + std::to_string(out.id);
    out.title = need_text(url, topic, "title", where);
    out.fancy_title = maybe_text(url, topic, "fancy_title", where).value_or(out.title);
    out.slug = need_text(url, topic, "slug", where);
    out.category_id = maybe_id(url, topic, "category_id", where);
    out.user_id = maybe_id(url, topic, "user_id", where);
    out.archetype = maybe_text(url, topic, "archetype", where).value_or("regular");
    out.created_at = need_text(url, topic, "created_at", where);
    out.bumped_at = maybe_text(url, topic, "bumped_at", where);
    out.last_posted_at = maybe_text(url, topic, "last_posted_at", where);
    out.visible = flag_or(url, topic, "visible", where, true);
    out.closed = flag_or(url, topic, "closed", where, false);
    out.archived = flag_or(url, topic, "archived", where, false);
    out.pinned = flag_or(url, topic, "pinned", where, false);
    out.deleted_at = maybe_text(url, topic, "deleted_at", where);
    if (auto const tags = topic.find("tags"); tags != topic.end() && !tags->is_null()) {
        if (!tags->is_array()) {
            wrong_type(url, where, "tags", *tags, "an array");
        }
        for (auto const &tag : *tags) {
            // Newer versions send tag objects {id, name, slug}.
            out.tags.push_back(tag.is_object() ? need_text(url, tag, "name", where + ".tags") : text_of(tag));
        }
    }
    out.highest_post_number = static_cast<int>(need_id(url, topic, "highest_post_number", where));
    out.posts_count = static_cast<int>(need_id(url, topic, "posts_count", where));
    out.views = int_or(url, topic, "views", where, 0);
    out.like_count = int_or(url, topic, "like_count", where, 0);
    if (auto const details = topic.find("details"); details != topic.end() && details->is_object()) {
        if (auto const allowed = details->find("allowed_users"); allowed != details->end() && allowed->is_array()) {
            for (auto const &person : *allowed) {
                out.participants.push_back(need_text(url, person, "username", where + ".details.allowed_users"));
            }
        }
    }
    auto const &stream = field(url, topic, "post_stream", where);
    for (auto const &id : need_array(url, stream, "stream", where + ".post_stream")) {
        if (!id.is_number_integer()) {
            std::string message = url;
            message.append(": ").append(where).append(".post_stream.stream holds ").append(type_name(id));
            throw bad_answer{message + ", expected post ids"};
        }
        out.stream.push_back(id.get<std::int64_t>());
    }
    for (auto const &item : need_array(url, stream, "posts", where + ".post_stream")) {
        out.first_posts.push_back(read_post(url, item, false));
    }
    out.data = topic;
    out.data.erase("post_stream");
    out.data.erase("suggested_topics");
    return out;
}

std::vector<std::string> posts_targets(std::int64_t topic_id, std::vector<std::int64_t> const &stream)
{
    std::vector<std::string> out;
    for (std::size_t at = 0; at < stream.size(); at += POSTS_PER_REQUEST) {
        std::string target = "/t/" + std::to_string(topic_id) + "/posts.json?include_raw=true";
        for (std::size_t i = at; i < std::min(stream.size(), at + POSTS_PER_REQUEST); ++i) {
            target += "&post_ids%5B%5D=" + std::to_string(stream[i]);
        }
        out.push_back(std::move(target));
    }
    return out;
}

std::vector<post_record> read_posts(std::string const &url, json const &answer, bool need_raw)
{
    std::vector<post_record> out;
    auto const &stream = field(url, answer, "post_stream", "the answer");
    for (auto const &item : need_array(url, stream, "posts", "post_stream")) {
        out.push_back(read_post(url, item, need_raw));
    }
    return out;
}

user_record read_user(std::string const &url, json const &user)
{
    json const &item = user.contains("user") ? user.at("user") : user;
    user_record out;
    out.id = maybe_id(url, item, "id", "the user");
    out.username = need_text(url, item, "username", "the user");
    std::string const where = "user " + out.username;
    out.name = maybe_text(url, item, "name", where).value_or("");
    out.email = maybe_text(url, item, "email", where).value_or("");
    out.created_at = maybe_text(url, item, "created_at", where).value_or("");
    out.trust_level = int_or(url, item, "trust_level", where, 0);
    out.admin = flag_or(url, item, "admin", where, false);
    out.moderator = flag_or(url, item, "moderator", where, false);
    out.data = item;
    return out;
}

std::vector<std::string> mentioned_usernames(std::string_view raw)
{
    static RE2 const mention{R"((?:^|[^\w@/.:])@([\w][\w.\-]*[\w]|[\w]))"};
    std::string const text = without_code(raw);
    std::set<std::string> names;
    re2::StringPiece input{text};
    std::string name;
    while (RE2::FindAndConsume(&input, mention, &name)) {
        names.insert(base::ascii_lower(name));
    }
    return {names.begin(), names.end()};
}

std::vector<upload_reference> referenced_uploads(std::string_view raw, std::string_view cooked)
{
    static RE2 const short_url{R"((upload://[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)?))"};
    static RE2 const path{R"((/uploads/[A-Za-z0-9_\-]+/original/[0-9]+X/(?:[0-9a-f]/)*[0-9a-f]{40}\.[A-Za-z0-9]+))"};
    std::vector<upload_reference> out;
    std::set<std::string> seen;
    std::string found;
    re2::StringPiece input{raw.data(), raw.size()};
    while (RE2::FindAndConsume(&input, short_url, &found)) {
        if (seen.insert(found).second) {
            out.push_back({found, {}});
        }
    }
    for (auto const text : {raw, cooked}) {
        re2::StringPiece scan{text.data(), text.size()};
        while (RE2::FindAndConsume(&scan, path, &found)) {
            if (seen.insert(found).second) {
                out.push_back({{}, found});
            }
        }
    }
    return out;
}

} // namespace forumgate::importer
