// Tests of rehearsal/limits.cpp: the per-user rate limiters and the duplicate-body window.

#include "tests/rehearsal/forum_fixture.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace forumgate::rehearsal {
namespace {

/// A forum whose clock the test moves by hand, with a category, an admin and a member who
/// signed up just now (a new user on their first day, trust level 1).
class limits_fixture : public ::testing::Test
{
protected:
    limits_fixture() : clock(std::make_shared<timestamp>(at("2024-05-01T12:00:00Z"))), state([c = clock] { return *c; })
    {
        general = state.create_category({.name = "General"}).id;
        admin = state.create_user({.username = "admin", .email = "admin@example.org", .admin = true}).id;
        ann = state.create_user({.username = "ann", .email = "ann@example.org"}).id;
    }

    void wait(int seconds) { *clock += std::chrono::seconds{seconds}; }

    topic const &new_topic(std::int64_t user_id, int number, std::optional<timestamp> created_at = std::nullopt,
                           bool skip_validations = false)
    {
        return state.create_topic({.user_id = user_id,
                                   .title = "Topic number " + std::to_string(number) + " of the test",
                                   .raw = "The body of topic number " + std::to_string(number) + ".",
                                   .category_id = general,
                                   .created_at = created_at,
                                   .skip_validations = skip_validations});
    }

    /// \return the limiter that refused `operation` and its wait, or ("", 0) if none did.
    static std::pair<std::string, int> refusal(auto const &operation)
    {
        try {
            operation();
        } catch (rate_limit_error const &e) {
            return {e.limiter(), e.wait_seconds()};
        }
        return {"", 0};
    }

    std::shared_ptr<timestamp> clock;
    forum_state state;
    std::int64_t general = 0;
    std::int64_t admin = 0;
    std::int64_t ann = 0;
};

TEST_F(limits_fixture, new_users_wait_between_topics_and_get_three_on_their_first_day)
{
    (void)new_topic(ann, 1);
    // A new user waits rate_limit_new_user_create_topic (120 s) between topics, measured on the
    // clock: an old created_at does not help.
    EXPECT_EQ(refusal([&] { (void)new_topic(ann, 2, at("2015-01-01T00:00:00Z")); }),
              (std::pair<std::string, int>{"create_topic", 120}));
    wait(100);
    EXPECT_EQ(refusal([&] { (void)new_topic(ann, 2); }), (std::pair<std::string, int>{"create_topic", 20}));
    wait(20);
    (void)new_topic(ann, 2);
    wait(120);
    (void)new_topic(ann, 3);
    wait(120);
    // max_topics_in_first_day (3) per day since the first of them.
    EXPECT_EQ(refusal([&] { (void)new_topic(ann, 4); }),
              (std::pair<std::string, int>{"first-day-topics-per-day", 86400 - 360}));
    try {
        (void)new_topic(ann, 4);
    } catch (rate_limit_error const &e) {
        EXPECT_STREQ(e.what(),
                     "You\u2019ve performed this action too many times. Please wait 23 hours before trying again.");
    }
    // Nothing was created by the refusals; staff and skip_validations are not limited.
    EXPECT_EQ(state.topics().size(), 3U);
    (void)new_topic(admin, 10);
    (void)new_topic(admin, 11);
    (void)new_topic(ann, 12, std::nullopt, true);
    // Rate limits off (Discourse's RateLimiter.disable): no limit at all.
    state.set_rate_limits(false);
    (void)new_topic(ann, 13);
}

TEST_F(limits_fixture, replies_wait_and_first_day_replies_are_counted)
{
    auto const topic_id = new_topic(admin, 1).id;
    auto const reply = [&](int number) {
        return state.create_post({.user_id = ann,
                                  .topic_id = topic_id,
                                  .raw = "Reply number " + std::to_string(number) + " from Ann here."});
    };
    state.settings().max_consecutive_replies = 0;
    (void)reply(1);
    EXPECT_EQ(refusal([&] { (void)reply(2); }), (std::pair<std::string, int>{"create_post", 30}));
    for (int i = 2; i <= 10; ++i) {
        wait(30);
        (void)reply(i);
    }
    wait(30);
    // max_replies_in_first_day (10).
    EXPECT_EQ(refusal([&] { (void)reply(11); }).first, "first-day-replies-per-day");
    // The next day the member is no longer new: rate_limit_create_post (5 s), no first-day limit.
    wait(24 * 60 * 60);
    (void)reply(11);
    EXPECT_EQ(refusal([&] { (void)reply(12); }), (std::pair<std::string, int>{"create_post", 5}));
}

TEST_F(limits_fixture, an_imported_author_with_old_posts_is_past_the_first_day)
{
    // A member who signed up two days ago and whose first post is from 2015 (imported): not a
    // new user, not on the first day; rate_limit_create_topic (15 s) and max_topics_per_day.
    wait(2 * 24 * 60 * 60);
    (void)new_topic(ann, 1, at("2015-01-01T00:00:00Z"));
    EXPECT_EQ(refusal([&] { (void)new_topic(ann, 2); }), (std::pair<std::string, int>{"create_topic", 15}));
    // The first topic counted as a first-day topic (there was no first post yet), so the
    // per-day limiter counts from the second, as Discourse's separate limiter keys do.
    state.settings().max_topics_per_day = 1;
    wait(15);
    (void)new_topic(ann, 2);
    wait(15);
    EXPECT_EQ(refusal([&] { (void)new_topic(ann, 3); }).first, "topics-per-day");
    // A limit of zero limits nothing, as in Discourse.
    state.settings().max_topics_per_day = 0;
    (void)new_topic(ann, 3);
}

TEST_F(limits_fixture, the_same_body_twice_within_unique_posts_mins_is_refused)
{
    state.set_rate_limits(false);
    auto const first = new_topic(admin, 1).id;
    auto const second = new_topic(admin, 2).id;
    (void)state.create_post({.user_id = ann, .topic_id = first, .raw = "Same words in two topics."});
    // Per author, not per topic, and white space does not count.
    EXPECT_EQ(errors_of([&] {
                  (void)state.create_post({.user_id = ann, .topic_id = second, .raw = "Same words  in two\ntopics. "});
              }),
              std::vector<std::string>{"Body is too similar to what you recently posted"});
    // skip_validations skips it; staff are never checked.
    (void)state.create_post(
        {.user_id = ann, .topic_id = second, .raw = "Same words in two topics.", .skip_validations = true});
    (void)state.create_post({.user_id = admin, .topic_id = first, .raw = "Staff may repeat themselves."});
    (void)state.create_post({.user_id = admin, .topic_id = second, .raw = "Staff may repeat themselves."});
    // After unique_posts_mins (5) minutes it is allowed again.
    wait(5 * 60);
    (void)state.create_post({.user_id = ann, .topic_id = second, .raw = "Same words in two topics."});
}

TEST_F(limits_fixture, max_consecutive_replies_spares_the_topic_author)
{
    state.set_rate_limits(false);
    auto const bob = state.create_user({.username = "bob", .email = "bob@example.org"}).id;
    auto const topic_id = new_topic(ann, 1).id;
    auto const say = [&](std::int64_t user_id, int number) {
        (void)state.create_post({.user_id = user_id,
                                 .topic_id = topic_id,
                                 .raw = "Message number " + std::to_string(number) + " in a row."});
    };
    say(bob, 1);
    say(bob, 2);
    say(bob, 3);
    EXPECT_EQ(
        errors_of([&] { say(bob, 4); }),
        std::vector<std::string>{"No more than 3 consecutive replies are allowed. Please edit your previous reply, "
                                 "or wait for someone to reply to you."});
    // The topic's author may go on; once someone else replied, so may Bob.
    say(ann, 5);
    say(ann, 6);
    say(ann, 7);
    say(ann, 8);
    say(bob, 9);
}

} // namespace
} // namespace forumgate::rehearsal
