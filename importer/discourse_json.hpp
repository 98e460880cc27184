#pragma once
// Reading Discourse's JSON answers into the archive's records, with every field checked: a
// missing field or one of the wrong type is a bad_answer naming the URL and the field, so one
// malformed answer fails one item, never the run.

#include "store/archive_reader.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::importer {

/// An answer that is not what Discourse sends: not JSON, not UTF-8, a field missing or of
/// another type. The message starts with the URL.
class bad_answer : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// Parses `body` as JSON. \throws bad_answer "URL: not JSON: …" (invalid UTF-8 included).
[[nodiscard]] nlohmann::json parse_answer(std::string const &url, std::string const &body);

/// Represents a category of the old forum: what the archive keeps of it for the import
/// (store::archived_category), and the rest of the answer.
struct category_record : store::archived_category
{
    int position = 0;
    int topic_count = 0;
    nlohmann::json data;
};

/// Represents a topic as a topic list shows it (enough to decide whether to fetch it again).
struct listed_topic
{
    std::int64_t id = 0;
    std::string signature; ///< the list fields that change when the topic does, joined
};

/// Represents one page of a topic list.
struct topic_list_page
{
    std::vector<listed_topic> topics;
    std::optional<int> next_page; ///< from more_topics_url's page parameter
};

/// Represents a post, with raw.
struct post_record
{
    std::int64_t id = 0;
    std::int64_t topic_id = 0;
    int post_number = 0;
    std::optional<std::int64_t> user_id;
    std::string username;
    std::string name;    ///< the author's display name, as the post shows it
    int trust_level = 0; ///< the author's, as the post shows it
    bool admin = false;
    bool moderator = false;
    int post_type = 1;
    std::string action_code;
    std::string raw;
    std::string cooked;
    std::string created_at;
    std::string updated_at;
    std::optional<int> reply_to_post_number;
    int version = 1;
    int like_count = 0;
    int reads = 0;
    bool hidden = false;
    bool wiki = false;
    std::optional<std::string> deleted_at;
};

/// Represents a topic with its post stream.
struct topic_record
{
    std::int64_t id = 0;
    std::string title;
    std::string fancy_title;
    std::string slug;
    std::optional<std::int64_t> category_id;
    std::optional<std::int64_t> user_id;
    std::string archetype;
    std::string created_at;
    std::optional<std::string> bumped_at;
    std::optional<std::string> last_posted_at;
    bool visible = true;
    bool closed = false;
    bool archived = false;
    bool pinned = false;
    std::optional<std::string> deleted_at;
    std::vector<std::string> tags;
    int highest_post_number = 0;
    int posts_count = 0;
    int views = 0;
    int like_count = 0;
    std::vector<std::string> participants; ///< usernames allowed in a private message
    std::vector<std::int64_t> stream;      ///< every post id the viewer may see, in order
    std::vector<post_record> first_posts;  ///< the posts the topic page carried (no raw)
    nlohmann::json data;                   ///< the answer without its post stream
};

/// Represents a user.
struct user_record
{
    std::optional<std::int64_t> id;
    std::string username;
    std::string name;
    std::string email;
    std::string created_at;
    int trust_level = 0;
    bool admin = false;
    bool moderator = false;
    nlohmann::json data;
};

[[nodiscard]] std::vector<category_record> read_site_categories(std::string const &url, nlohmann::json const &site);
[[nodiscard]] std::vector<std::pair<std::string, int>> read_tags(std::string const &url, nlohmann::json const &tags);
[[nodiscard]] topic_list_page read_topic_list(std::string const &url, nlohmann::json const &list);
/// \return the signature of a topic list entry or of a topic answer (same fields, same text).
[[nodiscard]] std::string topic_signature(std::string const &url, nlohmann::json const &topic);
[[nodiscard]] topic_record read_topic(std::string const &url, nlohmann::json const &topic);
/// Posts asked for in one `/t/{id}/posts.json` request: what Discourse's own web client asks,
/// which keeps URLs short (each id adds about 20 bytes) and answers small.
inline constexpr std::size_t POSTS_PER_REQUEST = 20;

/// \return the targets `/t/{topic_id}/posts.json?include_raw=true&post_ids[]=…` that together
/// ask for every id of `stream`, POSTS_PER_REQUEST at a time, in order.
[[nodiscard]] std::vector<std::string> posts_targets(std::int64_t topic_id, std::vector<std::int64_t> const &stream);

/// Reads `/t/{id}/posts.json` answers; posts must carry raw (include_raw=true).
[[nodiscard]] std::vector<post_record> read_posts(std::string const &url, nlohmann::json const &answer, bool need_raw);
/// Reads `/u/{name}.json` ({user:{…}}) or one entry of the admin user list.
[[nodiscard]] user_record read_user(std::string const &url, nlohmann::json const &user);

/// \return the usernames mentioned as `@name` in raw markdown (outside code), lowercased.
[[nodiscard]] std::vector<std::string> mentioned_usernames(std::string_view raw);

/// Represents an upload referenced from a post.
struct upload_reference
{
    std::string short_url; ///< `upload://{base62}.{ext}`, empty when only the path was seen
    std::string path;      ///< `/uploads/{db}/original/…/{sha1}.{ext}`, empty when only the short URL
};

/// \return the uploads a post refers to: `upload://` short URLs in raw and `/uploads/…/original/`
/// paths in raw and cooked (absolute URLs on `host` too), each once.
[[nodiscard]] std::vector<upload_reference> referenced_uploads(std::string_view raw, std::string_view cooked);

} // namespace forumgate::importer
