// Tests of rehearsal/visibility.cpp: who sees which categories, topics and posts.

#include "tests/rehearsal/forum_fixture.hpp"

#include <gtest/gtest.h>

namespace forumgate::rehearsal {
namespace {

TEST_F(forum_fixture, visibility_of_categories_topics_and_posts)
{
    auto const public_topic = new_topic("A public topic for all", general, ann).id;
    auto const secret_topic = new_topic("Board meeting agenda", board, ann).id;
    auto const &pm = state.create_topic({.user_id = ann,
                                         .title = "Private chat",
                                         .raw = "Just between us two.",
                                         .kind = archetype::private_message,
                                         .recipient_ids = {bob}});
    EXPECT_EQ(pm.allowed_user_ids, (std::vector<std::int64_t>{ann, bob}));
    EXPECT_FALSE(pm.category_id);

    auto const anonymous = viewer::anonymous();
    auto const as_ann = viewer::of(*state.find_user(ann));
    auto const as_bob = viewer::of(*state.find_user(bob));
    auto const as_admin = viewer::of(*state.find_user(admin));
    auto const carol_id = state.create_user({.username = "carol", .email = "carol@example.org"}).id;
    auto const as_carol = viewer::of(*state.find_user(carol_id));

    category const &board_room = *state.find_category(board);
    EXPECT_FALSE(state.can_see_category(anonymous, board_room));
    EXPECT_FALSE(state.can_see_category(as_bob, board_room));
    EXPECT_TRUE(state.can_see_category(as_ann, board_room)); // member of "board"
    EXPECT_TRUE(state.can_see_category(as_admin, board_room));

    EXPECT_TRUE(state.can_see_topic(anonymous, *state.find_topic(public_topic)));
    EXPECT_FALSE(state.can_see_topic(anonymous, *state.find_topic(secret_topic)));
    EXPECT_FALSE(state.can_see_topic(anonymous, pm));
    EXPECT_TRUE(state.can_see_topic(as_bob, pm));
    EXPECT_FALSE(state.can_see_topic(as_carol, pm));
    EXPECT_TRUE(state.can_see_topic(as_admin, pm));
    EXPECT_FALSE(state.listed_for(as_admin, pm)); // private messages are never in topic lists

    // Unlisted: open by URL, not in lists (except for staff).
    (void)state.set_topic_status(public_topic, "visible", false, admin);
    EXPECT_TRUE(state.can_see_topic(anonymous, *state.find_topic(public_topic)));
    EXPECT_FALSE(state.listed_for(anonymous, *state.find_topic(public_topic)));
    EXPECT_TRUE(state.listed_for(as_admin, *state.find_topic(public_topic)));
}

TEST_F(forum_fixture, post_stream_per_viewer)
{
    auto const topic_id = new_topic("Stream of posts here", general, ann).id;
    auto const p2 = reply(topic_id, bob).id;
    auto const p3 =
        state
            .create_post(
                {.user_id = admin, .topic_id = topic_id, .raw = "A whisper among staff.", .type = post_type::whisper})
            .id;
    auto const p4 = reply(topic_id, ann).id;
    state.delete_post(p4, admin);
    auto const p5 = state.set_topic_status(topic_id, "pinned", true, admin).id;
    auto const p1 = state.find_post_by_number(topic_id, 1)->id;

    auto const anonymous = viewer::anonymous();
    auto const as_admin = viewer::of(*state.find_user(admin));
    EXPECT_EQ(state.post_stream(anonymous, topic_id), (std::vector<std::int64_t>{p1, p2, p5}));
    EXPECT_EQ(state.post_stream(as_admin, topic_id), (std::vector<std::int64_t>{p1, p2, p3, p5}));
    EXPECT_EQ(state.post_stream(as_admin, topic_id, true), (std::vector<std::int64_t>{p1, p2, p3, p4, p5}));
    EXPECT_EQ(state.post_stream(anonymous, topic_id, true), (std::vector<std::int64_t>{p1, p2, p5}));

    post const &deleted = *state.find_post(p4);
    EXPECT_FALSE(state.can_see_post(anonymous, deleted, true));
    EXPECT_FALSE(state.can_see_post(as_admin, deleted, false));
    EXPECT_TRUE(state.can_see_post(as_admin, deleted, true));
    EXPECT_FALSE(state.can_see_post(anonymous, *state.find_post(p3), false));
    EXPECT_EQ(state.find_topic(topic_id)->posts_count, 3); // p1, p2, p5

    // Deleting the first post deletes the topic: gone for everybody but staff.
    state.delete_post(p1, admin);
    EXPECT_TRUE(state.find_topic(topic_id)->deleted_at);
    EXPECT_TRUE(state.post_stream(anonymous, topic_id).empty());
    EXPECT_EQ(state.post_stream(as_admin, topic_id).front(), p1); // post 1 stays in the staff stream
    EXPECT_EQ(state.find_category(general)->topic_count, 0);
}

} // namespace
} // namespace forumgate::rehearsal
