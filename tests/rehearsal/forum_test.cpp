// Tests of rehearsal/forum.cpp: the system user, lookups and indexes, and the lock that `forum`
// shares the state with.

#include "tests/rehearsal/forum_fixture.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace forumgate::rehearsal {
namespace {

TEST_F(forum_fixture, system_user_exists)
{
    user const *const system = state.find_user(SYSTEM_USER_ID);
    ASSERT_NE(system, nullptr);
    EXPECT_EQ(system->username, "system");
    EXPECT_TRUE(system->admin);
    EXPECT_EQ(state.find_user_by_username("SYSTEM"), system);
}

TEST_F(forum_fixture, categories_get_ids_slugs_and_paths)
{
    EXPECT_EQ(general, 1);
    EXPECT_EQ(repairs, 3);
    EXPECT_EQ(state.find_category(repairs)->slug, "repairs-maintenance");
    EXPECT_EQ(state.category_slug_path(repairs), "housing/repairs-maintenance");
    auto const &chinese = state.create_category({.name = "合作社"});
    EXPECT_EQ(chinese.slug, "");
    EXPECT_EQ(state.category_slug_path(chinese.id), std::to_string(chinese.id) + "-category");
    EXPECT_EQ(errors_of([&] { (void)state.create_category({.name = "general"}); }),
              std::vector<std::string>{"Category Name has already been taken"});
    EXPECT_EQ(errors_of([&] { (void)state.create_category({.name = "Sub-sub", .parent_id = repairs}); }),
              std::vector<std::string>{"Parent category cannot be a subcategory"});
    // Same name under another parent is fine.
    EXPECT_NO_THROW((void)state.create_category({.name = "General", .parent_id = housing}));
}

TEST_F(forum_fixture, users_are_unique_by_username_and_email)
{
    EXPECT_EQ(state.find_user_by_username("bob")->id, bob);
    EXPECT_EQ(errors_of([&] { (void)state.create_user({.username = "BOB", .email = "other@example.org"}); }),
              std::vector<std::string>{"Username must be unique"});
    EXPECT_EQ(errors_of([&] { (void)state.create_user({.username = "bob2", .email = "BOB@example.org"}); }),
              std::vector<std::string>{"Primary email has already been taken"});
    EXPECT_FALSE(errors_of([&] { (void)state.create_user({.username = "bad name", .email = "x@y.z"}); }).empty());
    auto const &sso = state.create_user({.username = "carol", .email = "carol@example.org", .external_id = "cb-17"});
    EXPECT_EQ(state.find_user_by_external_id("cb-17"), &sso);
    EXPECT_EQ(state.find_user_by_email("Carol@Example.org"), &sso);
}

TEST(forum, readers_and_writers_share_one_lock)
{
    forum shared;
    auto const user_id = shared.write([](forum_state &state) {
        return state.create_user({.username = "writer", .email = "w@example.org", .admin = true}).id;
    });
    auto const category_id =
        shared.write([](forum_state &state) { return state.create_category({.name = "Busy"}).id; });
    std::thread writer{[&] {
        for (int i = 0; i < 200; ++i) {
            shared.write([&](forum_state &state) {
                return state
                    .create_topic({.user_id = user_id,
                                   .title = "Busy topic number " + std::to_string(i),
                                   .raw = "A body long enough to pass.",
                                   .category_id = category_id})
                    .id;
            });
        }
    }};
    std::size_t seen = 0;
    while (seen < 200) {
        seen = shared.read([](forum_state const &state) {
            // Every topic read has its first post: the two change under one lock.
            for (auto const &[id, subject] : state.topics()) {
                EXPECT_EQ(subject.highest_post_number, 1);
            }
            return state.topics().size();
        });
    }
    writer.join();
    EXPECT_EQ(shared.read([](forum_state const &state) { return state.posts().size(); }), 200U);
}

} // namespace
} // namespace forumgate::rehearsal
