#pragma once
// The rehearsal forum's per-user limits (discourse.md §3.6), emulating Discourse's RateLimiter
// and what it keeps in Redis: the limiters' recent events, the bodies posted lately (for the
// unique_posts_mins validation) and each author's first post time (UserStat). Creating topics
// and posts and editing are limited for authors who are not staff, unless skip_validations:
// rate_limit_create_topic / rate_limit_create_post seconds between two (the
// rate_limit_new_user_* values for new users), max_topics_per_day,
// max_personal_messages_per_day, max_topics_in_first_day and max_replies_in_first_day for
// users on their first day, max_edits_per_day. Windows are measured on the clock, never on a
// post's created_at.

#include "rehearsal/records.hpp"
#include "rehearsal/settings.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {

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

/// Represents one of Discourse's per-user RateLimiters: at most `max` events in `window_seconds`.
/// A limit or window of zero (or less) limits nothing.
struct limiter
{
    std::string key;
    int max = 0;
    int window_seconds = 0;
};

/// Represents the per-user limits' memory: what Discourse keeps in Redis (the limiters' recent
/// events, seconds on the clock, oldest first, at most `max` kept; the bodies posted lately,
/// key → expiry) and, as UserStat does, each author's first post time.
class posting_limits
{
public:
    /// Turns the rate limiters on or off, as RateLimiter.enable/disable. On by default.
    void set_enabled(bool enabled) noexcept { m_enabled = enabled; }
    [[nodiscard]] bool enabled() const noexcept { return m_enabled; }

    /// \return whether the author's creations are rate limited (limiters on, not staff, not
    /// skip_validations).
    [[nodiscard]] bool applies_to(user const &author, bool skip_validations) const noexcept;
    /// \return the limiters a topic's creation passes (Topic's and its first post's, in
    /// Discourse's order).
    [[nodiscard]] std::vector<limiter> topic_limiters(user const &author, archetype kind, site_settings const &settings,
                                                      timestamp now) const;
    /// \return the limiters a reply passes.
    [[nodiscard]] std::vector<limiter> post_limiters(user const &author, site_settings const &settings,
                                                     timestamp now) const;
    /// \return EditRateLimiter: max_edits_per_day new versions a day. (Newer versions raise
    /// the limit for trust level 2 and up; this keeps the base limit.)
    [[nodiscard]] static std::vector<limiter> edit_limiters(site_settings const &settings);

    /// \throws rate_limit_error for the first limiter in `limiters` that allows no more at
    /// `now_seconds`.
    void check(std::int64_t user_id, std::vector<limiter> const &limiters, std::int64_t now_seconds) const;
    /// Records one event at `now_seconds` in each limiter (after the write succeeded).
    void record(std::int64_t user_id, std::vector<limiter> const &limiters, std::int64_t now_seconds);

    /// \return whether the author posted the same body (white space aside) in the same kind of
    /// topic and it has not expired at `now_seconds` (Discourse's unique_post_validator).
    [[nodiscard]] bool posted_recently(std::int64_t user_id, archetype kind, std::string const &raw,
                                       std::int64_t now_seconds) const;
    /// Remembers a created post's body until `now_seconds` + `minutes`.
    void remember_body(std::int64_t user_id, archetype kind, std::string const &raw, int minutes,
                       std::int64_t now_seconds);

    /// Records `at` as the author's first post time unless one is known.
    void note_first_post(std::int64_t user_id, timestamp at);
    /// Records `at` as the author's first post time if it is earlier than the known one.
    void note_earlier_post(std::int64_t user_id, timestamp at);
    /// Forgets every first post time (before note_earlier_post for every post).
    void clear_first_posts() noexcept { m_first_post_at.clear(); }

private:
    /// Discourse's User#new_user? and #new_user_posting_on_first_day?, against `now`.
    [[nodiscard]] bool new_user(user const &author, timestamp now) const;
    [[nodiscard]] bool posting_on_first_day(user const &author, timestamp now) const;

    bool m_enabled = true;
    std::map<std::pair<std::int64_t, std::string>, std::deque<std::int64_t>> m_limiter_events;
    std::map<std::string, std::int64_t, std::less<>> m_recent_bodies;
    std::size_t m_recent_bodies_swept = 0;
    std::map<std::int64_t, timestamp> m_first_post_at;
};

} // namespace forumgate::rehearsal
