// Tests of rehearsal/content.cpp: topics, posts, edits and tags, with Discourse's validations.

#include "tests/rehearsal/forum_fixture.hpp"

#include <gtest/gtest.h>

namespace forumgate::rehearsal {
namespace {

TEST_F(forum_fixture, topic_creation_assigns_ids_slugs_and_first_post)
{
    auto const &first = new_topic("Co-op's AGM minutes", general, ann);
    EXPECT_EQ(first.id, 1);
    EXPECT_EQ(first.slug, "co-ops-agm-minutes");
    EXPECT_EQ(first.fancy_title, "Co-op&rsquo;s AGM minutes");
    EXPECT_EQ(first.highest_post_number, 1);
    EXPECT_EQ(first.posts_count, 1);
    EXPECT_EQ(first.created_at, at("2024-05-01T12:00:00Z"));
    post const *const opening = state.find_post_by_number(first.id, 1);
    ASSERT_NE(opening, nullptr);
    EXPECT_EQ(opening->id, 1);
    EXPECT_EQ(opening->cooked, "<p>This is the first post of the topic.</p>");

    auto const &chinese = new_topic("合作社会议 (2024 meeting)", general, ann);
    EXPECT_EQ(chinese.id, 2);
    EXPECT_EQ(chinese.slug, "2024-meeting");
    auto const &only_chinese = new_topic("合作社会议合作社会议合作社会议合作社", general, ann);
    EXPECT_EQ(only_chinese.slug, "topic");

    EXPECT_EQ(state.find_category(general)->topic_count, 3);
    EXPECT_EQ(state.find_category(general)->post_count, 3);
}

TEST_F(forum_fixture, post_numbers_count_small_actions_and_whispers)
{
    auto const topic_id = new_topic("Numbering of the posts", general, ann).id;
    EXPECT_EQ(reply(topic_id, bob).post_number, 2);
    auto const &whisper = state.create_post({.user_id = admin,
                                             .topic_id = topic_id,
                                             .raw = "Staff only: keep an eye on this.",
                                             .type = post_type::whisper});
    EXPECT_EQ(whisper.post_number, 3);
    auto const &closed = state.set_topic_status(topic_id, "closed", true, admin);
    EXPECT_EQ(closed.post_number, 4);
    EXPECT_EQ(closed.type, post_type::small_action);
    EXPECT_EQ(closed.action_code, "closed.enabled");
    EXPECT_TRUE(state.find_topic(topic_id)->closed);
    EXPECT_EQ(state.find_topic(topic_id)->highest_post_number, 4);
    EXPECT_EQ(state.find_topic(topic_id)->posts_count, 3); // whispers are not counted

    // Post ids are global and sequential; numbers are per topic.
    auto const other = new_topic("Another topic for ids", general, bob).id;
    EXPECT_EQ(state.find_post_by_number(other, 1)->id, 5);
    EXPECT_EQ(reply(other, ann).post_number, 2);

    // A closed topic refuses non-staff replies with Discourse's message; staff may reply.
    EXPECT_EQ(errors_of([&] { (void)reply(topic_id, bob); }),
              std::vector<std::string>{"Something has gone wrong. Perhaps this topic was closed or deleted while "
                                       "you were looking at it?"});
    EXPECT_EQ(reply(topic_id, admin).post_number, 5);
    // Whispers need staff.
    EXPECT_THROW(
        (void)state.create_post(
            {.user_id = bob, .topic_id = other, .raw = "I am trying to whisper here", .type = post_type::whisper}),
        permission_error);
}

TEST_F(forum_fixture, reply_dates_bump_and_reply_to)
{
    auto const topic_id = new_topic("Dates of the replies", general, ann).id;
    auto const &answer = state.create_post({.user_id = bob,
                                            .topic_id = topic_id,
                                            .raw = "Replying to the first post here.",
                                            .reply_to_post_number = 1,
                                            .created_at = at("2024-05-02T08:00:00Z")});
    EXPECT_EQ(answer.reply_to_post_number, 1);
    EXPECT_EQ(state.find_topic(topic_id)->bumped_at, at("2024-05-02T08:00:00Z"));
    EXPECT_EQ(state.find_topic(topic_id)->last_posted_at, at("2024-05-02T08:00:00Z"));
    auto const &dangling = state.create_post({.user_id = bob,
                                              .topic_id = topic_id,
                                              .raw = "Replying to a post that is not there.",
                                              .reply_to_post_number = 99,
                                              .created_at = at("2024-05-03T08:00:00Z"),
                                              .no_bump = true});
    EXPECT_FALSE(dangling.reply_to_post_number);
    EXPECT_EQ(state.find_topic(topic_id)->bumped_at, at("2024-05-02T08:00:00Z"));
    EXPECT_EQ(state.find_topic(topic_id)->last_posted_at, at("2024-05-03T08:00:00Z"));
}

TEST_F(forum_fixture, validations_give_discourses_messages)
{
    EXPECT_EQ(errors_of([&] { (void)new_topic("Too short", general, ann); }),
              std::vector<std::string>{"Title is too short (minimum is 15 characters)"});
    (void)new_topic("Volunteers needed", general, ann);
    EXPECT_EQ(errors_of([&] { (void)new_topic("  volunteers NEEDED ", general, bob); }),
              std::vector<std::string>{"Title has already been used"});
    EXPECT_EQ(errors_of([&] {
                  (void)state.create_topic(
                      {.user_id = ann, .title = "A long enough title", .raw = "+1", .category_id = general});
              }),
              std::vector<std::string>{"Body is too short (minimum is 20 characters)"});
    auto const topic_id = new_topic("A topic to reply in", general, ann).id;
    EXPECT_EQ(errors_of([&] { (void)reply(topic_id, bob, "+1"); }),
              std::vector<std::string>{"Body is too short (minimum is 20 characters)"});
    EXPECT_EQ(errors_of([&] {
                  (void)state.create_topic(
                      {.user_id = ann, .title = "Nowhere to put it", .raw = "A body long enough to pass."});
              }),
              std::vector<std::string>{"Category can't be blank"});
    // Both problems at once, in Discourse's order (title first).
    EXPECT_EQ(errors_of([&] {
                  (void)state.create_topic({.user_id = ann, .title = "Short", .raw = "tiny", .category_id = general});
              }),
              (std::vector<std::string>{"Title is too short (minimum is 15 characters)",
                                        "Body is too short (minimum is 20 characters)"}));
    // Nothing was created by the failures.
    EXPECT_EQ(state.topics().size(), 2U);
}

TEST_F(forum_fixture, skip_validations_and_relaxed_settings)
{
    auto const &brief = state.create_topic(
        {.user_id = ann, .title = "AGM", .raw = "+1", .category_id = general, .skip_validations = true});
    EXPECT_EQ(brief.slug, "agm");
    EXPECT_EQ(state
                  .create_topic(
                      {.user_id = bob, .title = "agm", .raw = "x", .category_id = general, .skip_validations = true})
                  .slug,
              "agm");
    EXPECT_EQ(
        state.create_post({.user_id = bob, .topic_id = brief.id, .raw = "+1", .skip_validations = true}).post_number,
        2);
    // skip_validations never skips permissions.
    EXPECT_THROW((void)state.create_topic({.user_id = bob,
                                           .title = "Into the board room",
                                           .raw = "x",
                                           .category_id = board,
                                           .skip_validations = true}),
                 permission_error);

    set_setting(state.settings(), "min_topic_title_length", "3");
    set_setting(state.settings(), "min_post_length", "1");
    set_setting(state.settings(), "allow_duplicate_topic_titles", "true");
    EXPECT_NO_THROW((void)new_topic("AGM", general, ann));
    EXPECT_NO_THROW((void)reply(brief.id, ann, "ok"));
}

TEST_F(forum_fixture, tags_and_external_ids)
{
    auto const &tagged = state.create_topic({.user_id = admin,
                                             .title = "Tagged topic here",
                                             .raw = "A body long enough to pass.",
                                             .category_id = general,
                                             .tags = {"AGM", "minutes", "agm", "Big News"},
                                             .external_id = "cb-774"});
    EXPECT_EQ(tagged.tags, (std::vector<std::string>{"agm", "minutes", "big-news"}));
    EXPECT_NE(state.find_tag("big-news"), nullptr);
    EXPECT_EQ(state.find_topic_by_external_id("cb-774"), &tagged);
    EXPECT_EQ(state.find_topic_by_external_id("cb-775"), nullptr);
    // A member below min_trust_to_create_tag may use existing tags only.
    auto const &member_topic = state.create_topic({.user_id = ann,
                                                   .title = "Member's tagged topic",
                                                   .raw = "A body long enough to pass.",
                                                   .category_id = general,
                                                   .tags = {"minutes", "brand-new"}});
    EXPECT_EQ(member_topic.tags, std::vector<std::string>{"minutes"});
    EXPECT_EQ(errors_of([&] {
                  (void)state.create_topic({.user_id = admin,
                                            .title = "Same external id",
                                            .raw = "A body long enough to pass.",
                                            .category_id = general,
                                            .external_id = "cb-774"});
              }),
              std::vector<std::string>{"External id has already been taken"});
    EXPECT_EQ(errors_of([&] {
                  (void)state.create_topic({.user_id = admin,
                                            .title = "Too many tags here",
                                            .raw = "A body long enough to pass.",
                                            .category_id = general,
                                            .tags = {"a", "b", "c", "d", "e", "f"}});
              }).size(),
              1U);
}

TEST_F(forum_fixture, editing_creates_versions_and_bumps_only_the_last_post)
{
    auto const topic_id = new_topic("Editing the posts", general, ann).id;
    auto const first_id = state.find_post_by_number(topic_id, 1)->id;
    auto const last_id = state
                             .create_post({.user_id = bob,
                                           .topic_id = topic_id,
                                           .raw = "The last post of the topic.",
                                           .created_at = at("2024-05-02T00:00:00Z")})
                             .id;
    auto const same =
        state.edit_post({.post_id = first_id, .editor_id = ann, .raw = "This is the first post of the topic."});
    EXPECT_FALSE(same.changed);
    EXPECT_EQ(state.find_post(first_id)->version, 1);

    auto const early = state.edit_post({.post_id = first_id,
                                        .editor_id = ann,
                                        .raw = "Edited: see [the answer](/t/editing-the-posts/1/2)",
                                        .edited_at = at("2024-06-01T00:00:00Z")});
    EXPECT_TRUE(early.changed);
    EXPECT_FALSE(early.bumped);
    EXPECT_EQ(state.find_post(first_id)->version, 2);
    EXPECT_NE(state.find_post(first_id)->cooked.find("<a href=\"/t/editing-the-posts/1/2\">"), std::string::npos);
    EXPECT_EQ(state.find_topic(topic_id)->bumped_at, at("2024-05-02T00:00:00Z"));

    auto const last = state.edit_post({.post_id = last_id,
                                       .editor_id = bob,
                                       .raw = "The last post, edited by its author.",
                                       .edited_at = at("2024-06-02T00:00:00Z")});
    EXPECT_TRUE(last.bumped);
    EXPECT_EQ(state.find_topic(topic_id)->bumped_at, at("2024-06-02T00:00:00Z"));

    // bypass_bump is honoured for staff only.
    struct bypassing_edit
    {
        std::int64_t editor_id;
        char const *raw;
        char const *edited_at;
        bool bumps;
    };
    for (auto const &[editor_id, raw, edited_at, bumps] :
         {bypassing_edit{admin, "The last post, edited by the system.", "2024-07-01T00:00:00Z", false},
          bypassing_edit{bob, "The last post, edited by bob again.", "2024-07-02T00:00:00Z", true}}) {
        auto const edit = state.edit_post(
            {.post_id = last_id, .editor_id = editor_id, .raw = raw, .bypass_bump = true, .edited_at = at(edited_at)});
        EXPECT_TRUE(edit.changed) << raw;
        EXPECT_EQ(edit.bumped, bumps) << raw;
    }
    EXPECT_EQ(state.find_post(last_id)->version, 4);

    EXPECT_THROW((void)state.edit_post({.post_id = first_id, .editor_id = bob, .raw = "Bob may not edit Ann's post."}),
                 permission_error);
    EXPECT_EQ(errors_of([&] { (void)state.edit_post({.post_id = last_id, .editor_id = bob, .raw = "short"}); }),
              std::vector<std::string>{"Body is too short (minimum is 20 characters)"});

    // Renaming through the first post changes the slug.
    (void)state.edit_post({.post_id = first_id,
                           .editor_id = ann,
                           .raw = state.find_post(first_id)->raw,
                           .title = "Editing the posts, renamed"});
    EXPECT_EQ(state.find_topic(topic_id)->slug, "editing-the-posts-renamed");
}

} // namespace
} // namespace forumgate::rehearsal
