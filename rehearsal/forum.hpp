#pragma once
// The rehearsal forum's state in memory: Discourse's data model as far as a migration needs
// it, the rules on who sees what, and the write operations with Discourse's validations. No
// I/O. Its parts, one file pair each: errors (what the writes throw), settings (site
// settings), records (one struct per table), visibility (the viewer; forum_state's visibility
// rules), limits (the per-user rate limiters), uploads (paths, image sizes, new files) and
// content (the write requests; forum_state's writes). forum_state holds the tables and is
// the facade the REST API calls; forum shares it between threads.

#include "rehearsal/content.hpp"
#include "rehearsal/errors.hpp"
#include "rehearsal/limits.hpp"
#include "rehearsal/records.hpp"
#include "rehearsal/settings.hpp"
#include "rehearsal/slug.hpp"
#include "rehearsal/uploads.hpp"
#include "rehearsal/visibility.hpp"

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

    // -- Visibility (discourse.md §2.1, §2.4), defined in rehearsal/visibility.cpp.

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

    // -- Writes, defined in rehearsal/content.cpp (add_upload in rehearsal/uploads.cpp). Each
    //    throws validation_error (a 422), not_found_error or permission_error and changes
    //    nothing when it throws.

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

    // -- Per-user rate limits (discourse.md §3.6; rehearsal/limits.hpp). A limit exceeded
    //    throws rate_limit_error.

    /// Turns the per-user rate limiters on or off, as Discourse's RateLimiter.enable/disable
    /// (its own test suite and import scripts turn them off). On by default. The validations
    /// unique_posts_mins and max_consecutive_replies are not rate limiters and stay on.
    void set_rate_limits(bool enabled) noexcept { m_limits.set_enabled(enabled); }
    [[nodiscard]] bool rate_limits() const noexcept { return m_limits.enabled(); }

    /// Recomputes everything derived (cooked, counts, indexes, next ids) after direct inserts.
    void rebuild_derived();

    /// \return the time the clock says now.
    [[nodiscard]] timestamp now() const;

private:
    // Validations (rehearsal/content.cpp), each adding Discourse's messages to `errors`.
    void validate_title(topic const *self, std::string const &title, archetype kind,
                        std::optional<std::int64_t> category_id, std::vector<std::string> &errors) const;
    void validate_body(std::string const &raw, bool first_post, archetype kind, std::vector<std::string> &errors) const;
    std::vector<std::string> clean_tags(std::vector<std::string> const &names, viewer const &who,
                                        std::vector<std::string> &errors) const;
    /// Discourse's unique_post_validator: the same body by the same author within
    /// unique_posts_mins minutes (skipped for staff).
    void validate_unique_body(user const &author, archetype kind, std::string const &raw,
                              std::vector<std::string> &errors) const;
    /// Discourse's force_edit_last_validator (max_consecutive_replies).
    void validate_consecutive_replies(user const &author, topic const &target, std::vector<std::string> &errors) const;
    /// Checks where a new topic goes: a visible category (or none when allowed) for a regular
    /// topic, existing recipients for a private message. \return the private message's
    /// participants, author included, sorted.
    std::vector<std::int64_t> check_topic_place(create_topic_request const &request, user const &author,
                                                std::vector<std::string> &errors) const;
    /// Inserts the topic a checked create_topic request makes, and its first post.
    topic &add_topic(create_topic_request const &request, user const &author, std::vector<std::string> tag_names,
                     std::vector<std::int64_t> participants);
    /// After a write that created a post: records the rate limiters' events and, if
    /// `record_history` (not import_mode), the author's first post time and the body
    /// (unique_posts_mins).
    void note_posted(user const &author, archetype kind, std::string const &raw, timestamp created_at,
                     std::vector<limiter> const &limiters, bool record_history);

    std::string cook_post(std::string_view raw) const;
    [[nodiscard]] std::int64_t now_seconds() const;
    post &append_post(topic &target, post record);
    void recount_topic(topic &target);
    void recount_categories();
    /// Moves the topic's category counters by what the topic adds now minus `before` (its
    /// category_share before the write).
    void update_category_counts(topic const &target, std::pair<int, int> before);
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

    // What Discourse keeps in Redis for the per-user limits and unique_posts_mins.
    posting_limits m_limits;

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
