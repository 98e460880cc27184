#pragma once
// The rehearsal forum's content writes: the requests forum_state's create, edit and delete
// operations take (the fields of Discourse's REST parameters) and what an edit changed. The
// operations themselves are forum_state's (rehearsal/forum.hpp), defined in
// rehearsal/content.cpp with Discourse's validations.

#include "rehearsal/records.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace forumgate::rehearsal {

/// Represents the fields of `POST /categories.json`.
struct create_category_request
{
    std::string name{};
    std::optional<std::string> slug{}; ///< none: derived from the name
    std::optional<std::int64_t> parent_id{};
    bool read_restricted = false;
    std::vector<std::string> allowed_groups{};
    std::string description{};
    std::string color = "0088CC";
    std::string text_color = "FFFFFF";
    std::optional<int> position{};
    std::optional<std::int64_t> id{}; ///< explicit id (seeds, the generator); none: next id
};

/// Represents the fields of `POST /users.json` (and the admin flags a seed or import sets).
struct create_user_request
{
    std::string username{};
    std::string name{};
    std::string email{};
    std::optional<timestamp> created_at{};
    int trust_level = 1;
    bool admin = false;
    bool moderator = false;
    bool active = true;
    bool staged = false;
    std::optional<std::string> external_id{};
    std::optional<std::int64_t> id{};
};

/// Represents the fields of `POST /posts.json` without topic_id: a new topic and its first post.
struct create_topic_request
{
    std::int64_t user_id = 0;
    std::string title{};
    std::string raw{};
    std::optional<std::int64_t> category_id{};
    archetype kind = archetype::regular;
    std::vector<std::int64_t> recipient_ids{}; ///< private messages: the other participants
    std::vector<std::string> tags{};
    std::optional<timestamp> created_at{};
    std::optional<std::string> external_id{};
    bool visible = true;
    bool skip_validations = false;
    bool import_mode = false; ///< leaves the author's first-post time and duplicate-body record alone
};

/// Represents the fields of `POST /posts.json` with topic_id: a reply, small action or whisper.
struct create_post_request
{
    std::int64_t user_id = 0;
    std::int64_t topic_id = 0;
    std::string raw{};
    std::optional<int> reply_to_post_number{};
    std::optional<timestamp> created_at{};
    post_type type = post_type::regular;
    std::string action_code{};
    bool no_bump = false;
    bool skip_validations = false;
    bool import_mode = false; ///< as create_topic_request::import_mode
};

/// Represents the fields of `PUT /posts/{id}.json`: a post's new raw (and a retitle).
struct edit_post_request
{
    std::int64_t post_id = 0;
    std::int64_t editor_id = 0;
    std::string raw{};
    std::optional<std::string> title{}; ///< first post only: rename the topic
    bool bypass_bump = false;
    std::optional<timestamp> edited_at{};
};

/// Represents what an edit changed.
struct edit_result
{
    bool changed = false; ///< false: same raw and title, nothing done (no new revision)
    bool bumped = false;  ///< the topic's bumped_at moved to the edit time
};

} // namespace forumgate::rehearsal
