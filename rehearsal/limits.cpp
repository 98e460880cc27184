#include "rehearsal/limits.hpp"

#include "base/digest.hpp"
#include "rehearsal/slug.hpp"

#include <algorithm>
#include <chrono>

namespace forumgate::rehearsal {
namespace {

constexpr int DAY_SECONDS = 24 * 60 * 60;

// Post#unique_post_key: per author (private messages apart) and hash of the body without its
// white space.
std::string unique_body_key(std::int64_t user_id, archetype kind, std::string const &raw)
{
    std::string squeezed;
    for (char const c : raw) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') {
            squeezed.push_back(c);
        }
    }
    return std::string{kind == archetype::private_message ? "unique-pm-post-" : "unique-post-"} +
           std::to_string(user_id) + ":" + base::sha1_hex(squeezed);
}

} // namespace

rate_limit_error::rate_limit_error(std::string limiter, int wait_seconds)
    : std::runtime_error(rate_limit_message(wait_seconds)), m_limiter(std::move(limiter)), m_wait_seconds(wait_seconds)
{}

std::string rate_limit_time_left(int wait_seconds)
{
    // RateLimiter::LimitExceeded#time_left: seconds under a minute, minutes under an hour,
    // else hours, each rounded down (config/locales/server.en.yml rate_limiter.*).
    auto const phrase = [](int count, char const *unit) {
        return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
    };
    if (wait_seconds < 60) {
        return phrase(wait_seconds, "second");
    }
    if (wait_seconds < 3600) {
        return phrase(wait_seconds / 60, "minute");
    }
    return phrase(wait_seconds / 3600, "hour");
}

std::string rate_limit_message(int wait_seconds)
{
    // rate_limiter.too_many_requests, with Discourse's typographic apostrophe. Newer versions
    // may word some limiters their own way (rate_limiter.by_type.*: "You’re creating topics too
    // quickly…"); those wordings could not be confirmed, so every limiter uses this one.
    return "You\u2019ve performed this action too many times. Please wait " + rate_limit_time_left(wait_seconds) +
           " before trying again.";
}

bool posting_limits::applies_to(user const &author, bool skip_validations) const noexcept
{
    return m_enabled && !skip_validations && !author.staff();
}

bool posting_limits::new_user(user const &author, timestamp now) const
{
    return (author.created_at >= now - std::chrono::hours{24} || author.trust_level == 0) && author.trust_level < 2 &&
           !author.staff();
}

bool posting_limits::posting_on_first_day(user const &author, timestamp now) const
{
    // UserStat#first_post_created_at is the created_at of the author's first post, so an
    // imported author whose first post is old is past their first day.
    auto const first = m_first_post_at.find(author.id);
    return !author.staff() && author.trust_level < 2 &&
           (author.trust_level == 0 || first == m_first_post_at.end() || first->second >= now - std::chrono::hours{24});
}

std::vector<limiter> posting_limits::topic_limiters(user const &author, archetype kind, site_settings const &settings,
                                                    timestamp now) const
{
    // Topic's rate_limit declarations (default, per day, private messages per day), then its
    // first post's default limiter.
    bool const is_new = new_user(author, now);
    std::vector<limiter> limiters;
    limiters.push_back(
        {"create_topic", 1, is_new ? settings.rate_limit_new_user_create_topic : settings.rate_limit_create_topic});
    if (kind == archetype::regular) {
        if (posting_on_first_day(author, now)) {
            limiters.push_back({"first-day-topics-per-day", settings.max_topics_in_first_day, DAY_SECONDS});
        } else {
            limiters.push_back({"topics-per-day", settings.max_topics_per_day, DAY_SECONDS});
        }
    } else {
        limiters.push_back({"pms-per-day", settings.max_personal_messages_per_day, DAY_SECONDS});
    }
    limiters.push_back(
        {"create_post", 1, is_new ? settings.rate_limit_new_user_create_post : settings.rate_limit_create_post});
    return limiters;
}

std::vector<limiter> posting_limits::post_limiters(user const &author, site_settings const &settings,
                                                   timestamp now) const
{
    std::vector<limiter> limiters;
    limiters.push_back(
        {"create_post", 1,
         new_user(author, now) ? settings.rate_limit_new_user_create_post : settings.rate_limit_create_post});
    if (posting_on_first_day(author, now)) {
        limiters.push_back({"first-day-replies-per-day", settings.max_replies_in_first_day, DAY_SECONDS});
    }
    return limiters;
}

std::vector<limiter> posting_limits::edit_limiters(site_settings const &settings)
{
    return {{"edit-post", settings.max_edits_per_day, DAY_SECONDS}};
}

void posting_limits::check(std::int64_t user_id, std::vector<limiter> const &limiters, std::int64_t now_seconds) const
{
    for (auto const &rule : limiters) {
        if (rule.max <= 0 || rule.window_seconds <= 0) {
            continue;
        }
        auto const found = m_limiter_events.find({user_id, rule.key});
        if (found == m_limiter_events.end()) {
            continue;
        }
        // RateLimiter keeps the last `max` events; one more is allowed when there are fewer
        // or the oldest of them has left the window.
        auto const &events = found->second;
        if (static_cast<int>(events.size()) < rule.max) {
            continue;
        }
        std::int64_t const oldest = events[events.size() - static_cast<std::size_t>(rule.max)];
        std::int64_t const age = now_seconds - oldest;
        if (age < rule.window_seconds) {
            throw rate_limit_error{rule.key, static_cast<int>(rule.window_seconds - age)};
        }
    }
}

void posting_limits::record(std::int64_t user_id, std::vector<limiter> const &limiters, std::int64_t now_seconds)
{
    for (auto const &rule : limiters) {
        if (rule.max <= 0 || rule.window_seconds <= 0) {
            continue;
        }
        auto &events = m_limiter_events[{user_id, rule.key}];
        events.push_back(now_seconds);
        while (static_cast<int>(events.size()) > rule.max) {
            events.pop_front();
        }
    }
}

bool posting_limits::posted_recently(std::int64_t user_id, archetype kind, std::string const &raw,
                                     std::int64_t now_seconds) const
{
    if (ruby_strip(raw).empty()) {
        return false;
    }
    auto const found = m_recent_bodies.find(unique_body_key(user_id, kind, raw));
    return found != m_recent_bodies.end() && found->second > now_seconds;
}

void posting_limits::remember_body(std::int64_t user_id, archetype kind, std::string const &raw, int minutes,
                                   std::int64_t now_seconds)
{
    if (minutes <= 0 || ruby_strip(raw).empty()) {
        return;
    }
    m_recent_bodies[unique_body_key(user_id, kind, raw)] = now_seconds + std::int64_t{minutes} * 60;
    // Expired entries go in sweeps, each when the map has doubled since the last, so the cost
    // per post stays constant and a long import does not keep every body it ever sent.
    if (m_recent_bodies.size() > 2 * m_recent_bodies_swept + 1024) {
        std::erase_if(m_recent_bodies, [now_seconds](auto const &entry) { return entry.second <= now_seconds; });
        m_recent_bodies_swept = m_recent_bodies.size();
    }
}

void posting_limits::note_first_post(std::int64_t user_id, timestamp at)
{
    m_first_post_at.try_emplace(user_id, at);
}

void posting_limits::note_earlier_post(std::int64_t user_id, timestamp at)
{
    auto const first = m_first_post_at.try_emplace(user_id, at).first;
    first->second = std::min(first->second, at);
}

} // namespace forumgate::rehearsal
