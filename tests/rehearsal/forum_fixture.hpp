#pragma once
// Test support for the rehearsal forum's model: a small forum to write into, and the
// validation messages an operation throws.

#include "rehearsal/forum.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace forumgate::rehearsal {

/// \return the time an ISO-8601 literal names.
inline timestamp at(char const *text)
{
    return *parse_time(text);
}

/// Represents a small forum: a public and a restricted category, an admin, a member, a second
/// member.
class forum_fixture : public ::testing::Test
{
protected:
    forum_fixture() : state([] { return at("2024-05-01T12:00:00Z"); })
    {
        // The clock stands still here, so the per-user rate limits and the duplicate-body
        // window would refuse most of what the tests build; limits_test.cpp tests them.
        state.set_rate_limits(false);
        state.settings().unique_posts_mins = 0;
        general = state.create_category({.name = "General"}).id;
        housing = state.create_category({.name = "Housing"}).id;
        repairs = state.create_category({.name = "Repairs & Maintenance", .parent_id = housing}).id;
        board = state.create_category({.name = "Board room", .read_restricted = true, .allowed_groups = {"board"}}).id;
        admin =
            state.create_user({.username = "admin", .name = "Admin", .email = "admin@example.org", .admin = true}).id;
        ann = state.create_user({.username = "ann", .name = "Ann Lee", .email = "ann@example.org"}).id;
        bob = state.create_user({.username = "Bob", .name = "Bob", .email = "bob@example.org"}).id;
        (void)state.create_group("board", {ann});
    }

    topic const &new_topic(std::string title, std::int64_t category_id, std::int64_t user_id)
    {
        return state.create_topic({.user_id = user_id,
                                   .title = std::move(title),
                                   .raw = "This is the first post of the topic.",
                                   .category_id = category_id});
    }

    post const &reply(std::int64_t topic_id, std::int64_t user_id, std::string raw = "A reply that is long enough.")
    {
        return state.create_post({.user_id = user_id, .topic_id = topic_id, .raw = std::move(raw)});
    }

    forum_state state;
    std::int64_t general = 0, housing = 0, repairs = 0, board = 0;
    std::int64_t admin = 0, ann = 0, bob = 0;
};

/// \return the messages of the validation_error `operation` throws; none when it throws nothing.
inline std::vector<std::string> errors_of(auto const &operation)
{
    try {
        operation();
    } catch (validation_error const &e) {
        return e.errors();
    }
    return {};
}

} // namespace forumgate::rehearsal
