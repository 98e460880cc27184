#pragma once
// The rehearsal forum's state in memory: Discourse's data model as far as a migration needs
// it (site settings, groups, categories, users, tags, topics, posts, uploads), the rules on
// who sees what, and the write operations with Discourse's validations. No I/O.

#include "base/iso_time.hpp"
#include "rehearsal/slug.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {

// The forum keeps time in milliseconds since the epoch, as Discourse's JSON shows it.
using base::format_time;
using base::parse_time;
using base::timestamp;

// ---------------------------------------------------------------------------------------------
// Errors the REST layer turns into HTTP answers.

/// A write broke a site-setting validation: Discourse answers 422 `{action, errors}` (posts)
/// or `{errors}`. Each entry of errors() is one of Discourse's messages.
class validation_error : public std::runtime_error
{
public:
    explicit validation_error(std::vector<std::string> errors);
    [[nodiscard]] std::vector<std::string> const &errors() const noexcept { return m_errors; }

private:
    std::vector<std::string> m_errors;
};

/// Something named by id, name or external id does not exist (or is hidden): a 404.
class not_found_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// The acting user may not do this: a 403 `invalid_access`.
class permission_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// A per-user rate limiter said no (Discourse's RateLimiter::LimitExceeded): a 429 `rate_limit`
/// with `Retry-After`. what() is Discourse's message.
class rate_limit_error : public std::runtime_error
{
public:
    /// `limiter` names the limit ("create_topic", "topics-per-day", …); `wait_seconds` is how long
    /// until it allows one more.
    rate_limit_error(std::string limiter, int wait_seconds);
    [[nodiscard]] std::string const &limiter() const noexcept { return m_limiter; }
    [[nodiscard]] int wait_seconds() const noexcept { return m_wait_seconds; }

private:
    std::string m_limiter;
    int m_wait_seconds;
};

/// \return how Discourse words a wait in its rate-limit answers (`extras.time_left`):
/// "1 second", "45 seconds", "2 minutes", "23 hours".
[[nodiscard]] std::string rate_limit_time_left(int wait_seconds);

/// \return Discourse's message for a rate limit that allows one more after `wait_seconds`:
/// "You’ve performed this action too many times. Please wait 45 seconds before trying again."
[[nodiscard]] std::string rate_limit_message(int wait_seconds);

// ---------------------------------------------------------------------------------------------
// Site settings.

/// Represents the site settings that bite importers, with Discourse's defaults
/// (config/site_settings.yml; discourse.md §3.7).
struct site_settings
{
    int min_topic_title_length = 15;
    int max_topic_title_length = 255;
    int min_personal_message_title_length = 2;
    int min_post_length = 20;
    int min_first_post_length = 20;
    int min_personal_message_post_length = 10;
    int max_post_length = 32000;
    bool allow_duplicate_topic_titles = false;
    bool allow_duplicate_topic_titles_category = false;
    bool allow_uncategorized_topics = false;
    int unique_posts_mins = 5;
    int max_consecutive_replies = 3;
    int rate_limit_create_topic = 15;
    int rate_limit_create_post = 5;
    int rate_limit_new_user_create_topic = 120;
    int rate_limit_new_user_create_post = 30;
    int max_topics_per_day = 20;
    int max_personal_messages_per_day = 20;
    int max_topics_in_first_day = 3;
    int max_replies_in_first_day = 10;
    int max_edits_per_day = 30;
    slug_method slug_generation_method = slug_method::ascii;
    bool tagging_enabled = true;
    int max_tags_per_topic = 5;
    int max_tag_length = 20;
    int min_trust_to_create_tag = 3;
    bool force_lowercase_tags = true;
    std::string authorized_extensions = "jpg|jpeg|png|gif|heic|heif|webp";
    int max_image_size_kb = 4096;
    int max_attachment_size_kb = 4096;
    bool enable_discourse_connect = false;
    std::string discourse_connect_url;
    std::string discourse_connect_secret;
    bool hide_email_address_taken = false;
    bool detailed_404 = false;
    std::string disable_emails = "no";
    int sitemap_page_size = 10000;

    bool operator==(site_settings const &) const = default;
};

/// The type of a setting as Discourse's admin API lists it.
enum class setting_type
{
    integer,
    boolean,
    string,
    enumeration,
};

/// Describes one site setting: its name, type and default (as text).
struct setting_info
{
    std::string_view name;
    setting_type type;
    std::string default_value;
};

/// \return every setting site_settings holds, in a fixed order (the order of the struct).
[[nodiscard]] std::vector<setting_info> const &setting_table();

/// \return the current value of setting `name` as text (booleans "true"/"false").
/// \throws not_found_error if there is no such setting.
[[nodiscard]] std::string get_setting(site_settings const &settings, std::string_view name);

/// Sets `name` from text as `PUT /admin/site_settings/{name}` does: the value is stripped;
/// for integers every character but digits and `-` is removed first; booleans take
/// "true"/"false" (also "t"/"f", "1"/"0"); slug_generation_method one of its three names.
/// \throws validation_error with Discourse-like messages for an unknown name or a bad value.
void set_setting(site_settings &settings, std::string_view name, std::string_view value);

// ---------------------------------------------------------------------------------------------
// Records. Ids are Discourse's: positive, sequential per table; the system user is -1.

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

[[nodiscard]] std::string_view to_string(archetype value) noexcept;

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

/// \return `/uploads/default/original/{depth+1}X/{first depth hex digits, one per directory}/
/// {sha1}.{ext}` with depth = max(0, ceil(log16(id / 1000))) (FileStore::BaseStore#get_path_for).
[[nodiscard]] std::string upload_path(std::int64_t upload_id, std::string_view sha1, std::string_view extension);

/// \return the pixel size of a PNG, GIF or JPEG image, or nullopt for anything else.
[[nodiscard]] std::optional<std::pair<int, int>> image_size(std::string_view bytes);

// ---------------------------------------------------------------------------------------------
// Who is asking.

/// Represents who reads the forum: nobody (anonymous), or a user with that user's rights.
class viewer
{
public:
    /// A client without credentials.
    [[nodiscard]] static viewer anonymous() { return viewer{}; }
    /// A logged-in user (or an API key acting as that user).
    [[nodiscard]] static viewer of(user const &account);

    [[nodiscard]] bool is_anonymous() const noexcept { return !m_user_id.has_value(); }
    [[nodiscard]] std::optional<std::int64_t> user_id() const noexcept { return m_user_id; }
    [[nodiscard]] bool admin() const noexcept { return m_admin; }
    [[nodiscard]] bool moderator() const noexcept { return m_moderator; }
    [[nodiscard]] bool staff() const noexcept { return m_admin || m_moderator; }
    [[nodiscard]] int trust_level() const noexcept { return m_trust_level; }

private:
    std::optional<std::int64_t> m_user_id;
    bool m_admin = false;
    bool m_moderator = false;
    int m_trust_level = 0;
};

// ---------------------------------------------------------------------------------------------
// Requests for the write operations (the fields of Discourse's REST parameters).

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

struct edit_post_request
{
    std::int64_t post_id = 0;
    std::int64_t editor_id = 0;
    std::string raw{};
    std::optional<std::string> title{}; ///< first post only: rename the topic
    bool bypass_bump = false;
    std::optional<timestamp> edited_at{};
};

struct add_upload_request
{
    std::int64_t user_id = 0;
    std::string original_filename{};
    std::string bytes{};
    std::optional<timestamp> created_at{};
};

/// What an edit changed.
struct edit_result
{
    bool changed = false; ///< false: same raw and title, nothing done (no new revision)
    bool bumped = false;  ///< the topic's bumped_at moved to the edit time
};

// ---------------------------------------------------------------------------------------------
// The state.

/// Represents the whole forum: every table, ordered by id, and the operations on them. Not
/// thread-safe by itself: share it through `forum`, which guards it with one lock.
class forum_state
{
public:
    /// An empty forum with default settings and Discourse's `system` user (id -1, admin).
    explicit forum_state(std::function<timestamp()> clock = {});

    // -- Tables (read). Maps are ordered by id so iteration is deterministic.
    [[nodiscard]] site_settings const &settings() const noexcept { return m_settings; }
    [[nodiscard]] site_settings &settings() noexcept { return m_settings; }
    [[nodiscard]] std::map<std::int64_t, group> const &groups() const noexcept { return m_groups; }
    [[nodiscard]] std::map<std::int64_t, category> const &categories() const noexcept { return m_categories; }
    [[nodiscard]] std::map<std::int64_t, user> const &users() const noexcept { return m_users; }
    [[nodiscard]] std::map<std::int64_t, tag> const &tags() const noexcept { return m_tags; }
    [[nodiscard]] std::map<std::int64_t, topic> const &topics() const noexcept { return m_topics; }
    [[nodiscard]] std::map<std::int64_t, post> const &posts() const noexcept { return m_posts; }
    [[nodiscard]] std::map<std::int64_t, upload> const &uploads() const noexcept { return m_uploads; }

    // -- Lookups. Each returns nullptr when there is no such record.
    [[nodiscard]] category const *find_category(std::int64_t id) const;
    [[nodiscard]] user const *find_user(std::int64_t id) const;
    /// Case-insensitive, as Discourse's username_lower.
    [[nodiscard]] user const *find_user_by_username(std::string_view username) const;
    [[nodiscard]] user const *find_user_by_external_id(std::string_view external_id) const;
    [[nodiscard]] user const *find_user_by_email(std::string_view email) const;
    [[nodiscard]] topic const *find_topic(std::int64_t id) const;
    [[nodiscard]] topic const *find_topic_by_external_id(std::string_view external_id) const;
    [[nodiscard]] post const *find_post(std::int64_t id) const;
    [[nodiscard]] post const *find_post_by_number(std::int64_t topic_id, int post_number) const;
    [[nodiscard]] tag const *find_tag(std::string_view name) const;
    [[nodiscard]] upload const *find_upload(std::int64_t id) const;
    [[nodiscard]] upload const *find_upload_by_sha1(std::string_view sha1) const;
    /// Resolves `upload://{base62}.{ext}` (or just `{base62}`).
    [[nodiscard]] upload const *find_upload_by_short_url(std::string_view short_url) const;
    [[nodiscard]] group const *find_group(std::string_view name) const;

    /// \return the category's slug path joined by `/` (`parent/child`), using `{id}-category`
    /// for an empty slug.
    [[nodiscard]] std::string category_slug_path(std::int64_t category_id) const;

    // -- Visibility (discourse.md §2.1, §2.4).

    /// \return whether `who` is in the named group (automatic groups included).
    [[nodiscard]] bool in_group(viewer const &who, std::string_view group_name) const;
    /// Anonymous users and non-members do not see read_restricted categories; staff see all.
    /// A subcategory is hidden when its parent is.
    [[nodiscard]] bool can_see_category(viewer const &who, category const &place) const;
    /// A topic is visible when its category is; a private message only to its participants
    /// and admins; a deleted topic only to staff. Unlisted topics are visible (by URL).
    [[nodiscard]] bool can_see_topic(viewer const &who, topic const &subject) const;
    /// Whether the topic shows in topic lists: can_see_topic, a regular topic, and listed
    /// (visible) unless `who` is staff.
    [[nodiscard]] bool listed_for(viewer const &who, topic const &subject) const;
    /// Post types 1–3 for everybody, 4 (whisper) for staff; a user also sees their own posts.
    [[nodiscard]] bool can_see_post_type(viewer const &who, post const &item) const;
    /// A post of a visible topic, of a visible type, not deleted, or deleted and
    /// `include_deleted` and `who` is staff (anonymous viewers and users never see deleted posts).
    [[nodiscard]] bool can_see_post(viewer const &who, post const &item, bool include_deleted) const;
    /// \return the topic's post stream for `who`: the ids of the posts they may see, by post
    /// number. Deleted posts are left out (except post 1, for staff) unless `show_deleted`
    /// and `who` is staff, as TopicView does.
    [[nodiscard]] std::vector<std::int64_t> post_stream(viewer const &who, std::int64_t topic_id,
                                                        bool show_deleted = false) const;

    // -- Writes. Each throws validation_error (a 422), not_found_error or permission_error
    //    and changes nothing when it throws.

    /// Creates a category. The slug comes from the name (ascii rules, default "") unless given;
    /// it must be unique among its siblings.
    category const &create_category(create_category_request const &request);
    /// Creates a user. Usernames are unique case-insensitively, e-mails too.
    user const &create_user(create_user_request const &request);
    /// Creates a custom group with the given members.
    group const &create_group(std::string const &name, std::vector<std::int64_t> user_ids,
                              std::optional<std::int64_t> id = std::nullopt);
    /// Creates a tag (lowercased when force_lowercase_tags).
    tag const &create_tag(std::string const &name, std::optional<std::int64_t> id = std::nullopt);

    /// Creates a topic and its first post (post number 1), as `POST /posts.json` without
    /// topic_id does. Validates title length, duplicate titles, category, tags, external id,
    /// body length and the duplicate-body window (unique_posts_mins) unless skip_validations
    /// (which never skips permission checks), then applies the per-user rate limiters.
    /// \return the new topic.
    /// \throws rate_limit_error when a per-user limit allows no more now.
    topic const &create_topic(create_topic_request const &request);
    /// Creates a reply (or a small action or whisper): post_number = the topic's
    /// highest_post_number + 1. Validates body length, the duplicate-body window and
    /// max_consecutive_replies unless skip_validations or a small action, then applies the
    /// per-user rate limiters. \throws rate_limit_error when a per-user limit allows no more now.
    post const &create_post(create_post_request const &request);
    /// Edits a post: a different raw (or title) creates a new version. The topic is bumped to
    /// the edit time only when the post is its last non-deleted post, not a whisper, and
    /// bypass_bump is not honoured (it is for staff and trust level 4). A new version by a
    /// non-staff editor counts against max_edits_per_day (rate_limit_error).
    edit_result edit_post(edit_post_request const &request);
    /// Activates a user account (`PUT /admin/users/{id}/activate`).
    /// \throws not_found_error if there is no such user.
    void activate_user(std::int64_t user_id);
    /// Soft-deletes a post (deleting post 1 deletes the topic too).
    void delete_post(std::int64_t post_id, std::int64_t by_user_id, std::optional<timestamp> at = std::nullopt);
    /// Changes a topic's status as `PUT /t/{id}/status` does and records the small-action post
    /// Discourse adds ("closed.enabled", "archived.disabled", "visible.disabled",
    /// "pinned.enabled", …). status is one of closed, archived, visible, pinned.
    post const &set_topic_status(std::int64_t topic_id, std::string_view status, bool enabled, std::int64_t by_user_id,
                                 std::optional<timestamp> at = std::nullopt);
    /// Changes a topic's tags as `PUT /t/{slug}/{id}.json` with `tags[]` does (PostRevisor's
    /// tags field): unknown tags are created only for staff or trust ≥ min_trust_to_create_tag,
    /// others dropped; more than max_tags_per_topic is a validation_error. `who` must be staff
    /// or the topic's author (permission_error otherwise).
    void set_topic_tags(std::int64_t topic_id, std::vector<std::string> const &names, viewer const &who);
    /// Stores a file. An identical file (same sha1) returns the existing upload.
    upload const &add_upload(add_upload_request const &request);

    /// Direct write access for seeds and the generator: records inserted as given, with
    /// explicit ids. They do not validate; call check_and_index() after the last one.
    void insert_category(category record);
    void insert_user(user record);
    void insert_group(group record);
    void insert_tag(tag record);
    void insert_topic(topic record);
    void insert_post(post record);
    void insert_upload(upload record);
    /// Mutable access to a post or topic for small corrections (likes, reads, views).
    [[nodiscard]] post *mutable_post(std::int64_t id);
    [[nodiscard]] topic *mutable_topic(std::int64_t id);
    /// Mutable access to a user for flags and the external id (DiscourseConnect); not for the
    /// username or e-mail, which are indexed.
    [[nodiscard]] user *mutable_user(std::int64_t id);

    // -- Per-user rate limits (discourse.md §3.6). Creating topics and posts and editing are
    //    limited for authors who are not staff, unless skip_validations, as Discourse's
    //    RateLimiter does: rate_limit_create_topic / rate_limit_create_post seconds between two
    //    (the rate_limit_new_user_* values for new users), max_topics_per_day,
    //    max_personal_messages_per_day, max_topics_in_first_day and max_replies_in_first_day
    //    for users on their first day, max_edits_per_day. Windows are measured on the clock
    //    (now()), never on a post's created_at. A limit exceeded throws rate_limit_error.

    /// Turns the per-user rate limiters on or off, as Discourse's RateLimiter.enable/disable
    /// (its own test suite and import scripts turn them off). On by default. The validations
    /// unique_posts_mins and max_consecutive_replies are not rate limiters and stay on.
    void set_rate_limits(bool enabled) noexcept { m_rate_limits = enabled; }
    [[nodiscard]] bool rate_limits() const noexcept { return m_rate_limits; }

    /// Recomputes everything derived (cooked, counts, indexes, next ids) after direct inserts.
    void rebuild_derived();

    /// \return the time the clock says now.
    [[nodiscard]] timestamp now() const;

private:
    void validate_title(topic const *self, std::string const &title, archetype kind,
                        std::optional<std::int64_t> category_id, std::vector<std::string> &errors) const;
    void validate_body(std::string const &raw, bool first_post, archetype kind, std::vector<std::string> &errors) const;
    std::vector<std::string> clean_tags(std::vector<std::string> const &names, viewer const &who,
                                        std::vector<std::string> &errors) const;
    std::string cook_post(std::string_view raw) const;
    /// Discourse's unique_post_validator: the same body by the same author within
    /// unique_posts_mins minutes (skipped for staff).
    void validate_unique_body(user const &author, archetype kind, std::string const &raw,
                              std::vector<std::string> &errors) const;
    /// Discourse's force_edit_last_validator (max_consecutive_replies).
    void validate_consecutive_replies(user const &author, topic const &target, std::vector<std::string> &errors) const;
    /// Remembers a created post's body for validate_unique_body.
    void remember_body(user const &author, archetype kind, std::string const &raw);
    [[nodiscard]] std::string unique_body_key(std::int64_t user_id, archetype kind, std::string const &raw) const;

    /// One of Discourse's per-user RateLimiters: at most `max` events in `window_seconds`.
    struct limiter
    {
        std::string key;
        int max = 0;
        int window_seconds = 0;
    };
    /// Discourse's User#new_user? and #new_user_posting_on_first_day?, against now().
    [[nodiscard]] bool new_user(user const &author) const;
    [[nodiscard]] bool posting_on_first_day(user const &author) const;
    /// \return whether the author's creations are rate limited (limiters on, not staff).
    [[nodiscard]] bool rate_limited(user const &author, bool skip_validations) const;
    /// The limiters a topic's creation passes (Topic's and its first post's, in Discourse's order).
    [[nodiscard]] std::vector<limiter> topic_limiters(user const &author, archetype kind) const;
    /// The limiters a reply passes.
    [[nodiscard]] std::vector<limiter> post_limiters(user const &author) const;
    /// \throws rate_limit_error for the first limiter in `limiters` that allows no more now.
    void check_limiters(std::int64_t user_id, std::vector<limiter> const &limiters) const;
    /// Records one event now in each limiter (after the write succeeded).
    void record_limiters(std::int64_t user_id, std::vector<limiter> const &limiters);
    [[nodiscard]] std::int64_t now_seconds() const;
    post &append_post(topic &target, post record);
    void recount_topic(topic &target);
    void recount_categories();
    user const &require_user(std::int64_t id) const;

    std::function<timestamp()> m_clock;
    site_settings m_settings;
    std::map<std::int64_t, group> m_groups;
    std::map<std::int64_t, category> m_categories;
    std::map<std::int64_t, user> m_users;
    std::map<std::int64_t, tag> m_tags;
    std::map<std::int64_t, topic> m_topics;
    std::map<std::int64_t, post> m_posts;
    std::map<std::int64_t, upload> m_uploads;

    // Indexes, rebuilt by rebuild_derived() and kept by the operations.
    std::map<std::string, std::int64_t, std::less<>> m_user_by_username; ///< lowercased
    std::map<std::string, std::int64_t, std::less<>> m_topic_by_external_id;
    std::map<std::string, std::int64_t, std::less<>> m_upload_by_sha1;

    // What Discourse keeps in Redis: the per-user limiters' recent events (seconds on the clock,
    // oldest first, at most `max` kept), the bodies posted lately (key → expiry) and, as
    // UserStat does, each author's first post time.
    bool m_rate_limits = true;
    std::map<std::pair<std::int64_t, std::string>, std::deque<std::int64_t>> m_limiter_events;
    std::map<std::string, std::int64_t, std::less<>> m_recent_bodies;
    std::size_t m_recent_bodies_swept = 0;
    std::map<std::int64_t, timestamp> m_first_post_at;

    // Next ids, as Discourse's sequences: one past the highest id ever used.
    std::int64_t m_next_group_id = 1;
    std::int64_t m_next_category_id = 1;
    std::int64_t m_next_user_id = 1;
    std::int64_t m_next_tag_id = 1;
    std::int64_t m_next_topic_id = 1;
    std::int64_t m_next_post_id = 1;
    std::int64_t m_next_upload_id = 1;
};

/// Represents the forum shared by the server's threads: one std::shared_mutex guards the
/// whole state. Readers (GET requests) take it shared, writers (POST/PUT, seed load, save)
/// exclusively, for the whole of one request. One lock keeps every invariant across tables
/// simple (a post and its topic's counters change together); requests are short, so the
/// writers' wait is short too.
class forum
{
public:
    explicit forum(forum_state state = forum_state{}) : m_state(std::move(state)) {}

    /// Runs `reader(forum_state const &)` under the shared lock and returns its result by
    /// value (a reference into the state would outlive the lock).
    template <typename Reader>
    auto read(Reader &&reader) const
    {
        std::shared_lock const lock{m_mutex};
        return std::forward<Reader>(reader)(static_cast<forum_state const &>(m_state));
    }

    /// Runs `writer(forum_state &)` under the exclusive lock and returns its result by value.
    template <typename Writer>
    auto write(Writer &&writer)
    {
        std::unique_lock const lock{m_mutex};
        return std::forward<Writer>(writer)(m_state);
    }

private:
    mutable std::shared_mutex m_mutex;
    forum_state m_state;
};

} // namespace forumgate::rehearsal
