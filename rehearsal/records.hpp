#pragma once
// The rehearsal forum's records: one struct per table of Discourse's data model, as far as a
// migration needs it (groups, categories, users, tags, topics, posts, uploads). Ids are
// Discourse's: positive, sequential per table; the system user is -1.

#include "base/iso_time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::rehearsal {

// The forum keeps time in milliseconds since the epoch, as Discourse's JSON shows it.
using base::format_time;
using base::parse_time;
using base::timestamp;

constexpr std::int64_t SYSTEM_USER_ID = -1;

/// Represents a group of users. Only custom groups are stored; Discourse's automatic groups
/// (everyone, admins, moderators, staff, trust_level_0…4) are computed from the users.
struct group
{
    std::int64_t id = 0;
    std::string name;
    std::vector<std::int64_t> user_ids; ///< members, sorted
};

/// Represents a category. topic_count and post_count are kept up to date by the operations
/// (Discourse refreshes them periodically; here they count visible regular topics and their
/// non-deleted posts).
struct category
{
    std::int64_t id = 0;
    std::string name;
    std::string slug; ///< may be empty: URLs then use "{id}-category"
    std::optional<std::int64_t> parent_id;
    bool read_restricted = false;
    std::vector<std::string> allowed_groups; ///< groups that may see a read_restricted category
    std::string description;
    std::string color = "0088CC";
    std::string text_color = "FFFFFF";
    int position = 0;
    int topic_count = 0;
    int post_count = 0;
};

/// Represents a user account.
struct user
{
    std::int64_t id = 0;
    std::string username;
    std::string name;
    std::string email;
    timestamp created_at{};
    int trust_level = 1;
    bool admin = false;
    bool moderator = false;
    bool active = true;
    bool staged = false;
    std::optional<std::string> external_id; ///< DiscourseConnect external_id

    [[nodiscard]] bool staff() const noexcept { return admin || moderator; }
};

/// Represents a tag.
struct tag
{
    std::int64_t id = 0;
    std::string name;
};

enum class archetype
{
    regular,
    private_message,
};

/// \return the archetype as Discourse's JSON spells it ("regular", "private_message").
[[nodiscard]] constexpr std::string_view to_string(archetype value) noexcept
{
    return value == archetype::private_message ? "private_message" : "regular";
}

/// Represents a topic. highest_post_number, posts_count and like_count are derived from its
/// posts and kept up to date by the operations.
struct topic
{
    std::int64_t id = 0;
    std::string title;
    std::string fancy_title;
    std::string slug;
    std::optional<std::int64_t> category_id; ///< none for private messages
    std::int64_t user_id = 0;
    timestamp created_at{};
    timestamp bumped_at{};
    timestamp last_posted_at{};
    archetype kind = archetype::regular;
    bool visible = true; ///< false: unlisted (left out of lists, open by URL)
    bool closed = false;
    bool archived = false;
    bool pinned = false;
    std::optional<timestamp> deleted_at;
    std::vector<std::string> tags;
    std::optional<std::string> external_id;
    int views = 0;
    std::vector<std::int64_t> allowed_user_ids; ///< participants of a private message, sorted

    // Derived.
    int highest_post_number = 0;
    int posts_count = 0; ///< non-deleted regular/moderator posts, as Discourse counts them
    int like_count = 0;
    std::map<int, std::int64_t> post_ids_by_number;
};

enum class post_type : int
{
    regular = 1,
    moderator_action = 2,
    small_action = 3,
    whisper = 4,
};

/// Represents a post. cooked is derived from raw.
struct post
{
    std::int64_t id = 0;
    std::int64_t topic_id = 0;
    int post_number = 0;
    std::int64_t user_id = 0;
    std::string raw;
    std::string cooked;
    timestamp created_at{};
    timestamp updated_at{};
    post_type type = post_type::regular;
    std::string action_code; ///< for small actions: "closed.enabled", "pinned.enabled", …
    std::optional<int> reply_to_post_number;
    std::optional<timestamp> deleted_at;
    bool hidden = false;
    int version = 1;
    int like_count = 0;
    int reads = 0;
    bool wiki = false;
};

/// Represents an uploaded file, stored in memory.
struct upload
{
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string sha1; ///< 40 lowercase hex digits of the bytes
    std::string original_filename;
    std::string extension; ///< lowercase, without the dot
    std::int64_t filesize = 0;
    std::optional<int> width;
    std::optional<int> height;
    timestamp created_at{};
    std::string bytes;
    std::string seed_path; ///< set when the seed named a file instead of inline bytes

    /// \return `/uploads/default/original/{depth+1}X/{…}/{sha1}.{ext}` (get_path_for).
    [[nodiscard]] std::string url() const;
    /// \return `upload://{base62 of sha1}.{ext}`.
    [[nodiscard]] std::string short_url() const;
    /// \return `/uploads/short-url/{base62}.{ext}`.
    [[nodiscard]] std::string short_path() const;
};

} // namespace forumgate::rehearsal
