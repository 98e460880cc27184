#include "rehearsal/forum.hpp"

#include "base/digest.hpp"
#include "mappings/snapshot.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <thread>

namespace forumgate::rehearsal {
namespace {

timestamp at(char const *text)
{
    return *parse_time(text);
}

// A small forum: a public and a restricted category, an admin, a member, a second member.
class forum_fixture : public ::testing::Test
{
protected:
    forum_fixture() : state([] { return at("2024-05-01T12:00:00Z"); })
    {
        // The clock stands still here, so the per-user rate limits and the duplicate-body
        // window would refuse most of what the tests build; they have tests of their own below.
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
    std::int64_t general = 0;
    std::int64_t housing = 0;
    std::int64_t repairs = 0;
    std::int64_t board = 0;
    std::int64_t admin = 0;
    std::int64_t ann = 0;
    std::int64_t bob = 0;
};

std::vector<std::string> errors_of(auto const &operation)
{
    try {
        operation();
    } catch (validation_error const &e) {
        return e.errors();
    }
    return {};
}

TEST(site_settings, defaults_are_discourses)
{
    site_settings const settings;
    EXPECT_EQ(settings.min_topic_title_length, 15);
    EXPECT_EQ(settings.min_post_length, 20);
    EXPECT_EQ(settings.min_first_post_length, 20);
    EXPECT_FALSE(settings.allow_duplicate_topic_titles);
    EXPECT_EQ(settings.max_topics_per_day, 20);
    EXPECT_EQ(settings.rate_limit_create_topic, 15);
    EXPECT_EQ(settings.rate_limit_create_post, 5);
    EXPECT_EQ(settings.slug_generation_method, slug_method::ascii);
    EXPECT_TRUE(settings.tagging_enabled);
    EXPECT_EQ(settings.max_tags_per_topic, 5);
    EXPECT_FALSE(settings.enable_discourse_connect);
    EXPECT_EQ(settings.discourse_connect_secret, "");
    EXPECT_EQ(get_setting(settings, "authorized_extensions"), "jpg|jpeg|png|gif|heic|heif|webp");

    auto const &table = setting_table();
    auto const entry =
        std::find_if(table.begin(), table.end(), [](auto const &e) { return e.name == "min_post_length"; });
    ASSERT_NE(entry, table.end());
    EXPECT_EQ(entry->type, setting_type::integer);
    EXPECT_EQ(entry->default_value, "20");
}

TEST(site_settings, set_as_the_admin_endpoint_does)
{
    site_settings settings;
    set_setting(settings, "min_post_length", " 1 ");
    EXPECT_EQ(settings.min_post_length, 1);
    set_setting(settings, "max_post_length", "40,000");
    EXPECT_EQ(settings.max_post_length, 40000);
    set_setting(settings, "allow_duplicate_topic_titles", "true");
    EXPECT_TRUE(settings.allow_duplicate_topic_titles);
    set_setting(settings, "slug_generation_method", "encoded");
    EXPECT_EQ(settings.slug_generation_method, slug_method::encoded);
    set_setting(settings, "discourse_connect_secret", "abcdefghijkl");
    EXPECT_EQ(get_setting(settings, "discourse_connect_secret"), "abcdefghijkl");

    EXPECT_EQ(errors_of([&] { set_setting(settings, "no_such_thing", "1"); }),
              std::vector<std::string>{"No setting named 'no_such_thing' exists"});
    EXPECT_FALSE(errors_of([&] { set_setting(settings, "min_post_length", "many"); }).empty());
    EXPECT_FALSE(errors_of([&] { set_setting(settings, "tagging_enabled", "maybe"); }).empty());
    EXPECT_FALSE(errors_of([&] { set_setting(settings, "slug_generation_method", "fancy"); }).empty());
    EXPECT_THROW((void)get_setting(settings, "nope"), not_found_error);
}

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
    auto const bypassed = state.edit_post({.post_id = last_id,
                                           .editor_id = admin,
                                           .raw = "The last post, edited by the system.",
                                           .bypass_bump = true,
                                           .edited_at = at("2024-07-01T00:00:00Z")});
    EXPECT_TRUE(bypassed.changed);
    EXPECT_FALSE(bypassed.bumped);
    auto const ignored = state.edit_post({.post_id = last_id,
                                          .editor_id = bob,
                                          .raw = "The last post, edited by bob again.",
                                          .bypass_bump = true,
                                          .edited_at = at("2024-07-02T00:00:00Z")});
    EXPECT_TRUE(ignored.bumped);
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

// -- Per-user limits ----------------------------------------------------------------------------

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

TEST(uploads, path_rule_and_short_url)
{
    std::string const sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d";
    EXPECT_EQ(upload_path(1, sha1, "png"), "/uploads/default/original/1X/" + sha1 + ".png");
    EXPECT_EQ(upload_path(1000, sha1, "png"), "/uploads/default/original/1X/" + sha1 + ".png");
    EXPECT_EQ(upload_path(1001, sha1, "png"), "/uploads/default/original/2X/a/" + sha1 + ".png");
    EXPECT_EQ(upload_path(16000, sha1, "png"), "/uploads/default/original/2X/a/" + sha1 + ".png");
    EXPECT_EQ(upload_path(16001, sha1, "jpg"), "/uploads/default/original/3X/a/9/" + sha1 + ".jpg");
    EXPECT_EQ(forumgate::base::sha1_hex("abc"), sha1);
}

TEST_F(forum_fixture, add_upload_computes_sha1_size_and_urls)
{
    // A 3×2 PNG header is enough for the size.
    std::string png{"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0", 29};
    auto const &file = state.add_upload({.user_id = ann, .original_filename = "Photo.PNG", .bytes = png});
    EXPECT_EQ(file.id, 1);
    EXPECT_EQ(file.extension, "png");
    EXPECT_EQ(file.sha1, forumgate::base::sha1_hex(png));
    EXPECT_EQ(file.width, 3);
    EXPECT_EQ(file.height, 2);
    EXPECT_EQ(file.filesize, 29);
    EXPECT_EQ(file.url(), "/uploads/default/original/1X/" + file.sha1 + ".png");
    std::string const base62 = base::base62_from_sha1(file.sha1);
    EXPECT_EQ(file.short_url(), "upload://" + base62 + ".png");
    EXPECT_EQ(file.short_path(), "/uploads/short-url/" + base62 + ".png");
    EXPECT_EQ(state.find_upload_by_short_url(file.short_url()), &file);
    // The same bytes again: the same upload.
    EXPECT_EQ(state.add_upload({.user_id = bob, .original_filename = "copy.png", .bytes = png}).id, file.id);
    // A post's cooked HTML points at the real URL.
    auto const topic_id = state
                              .create_topic({.user_id = ann,
                                             .title = "A picture for you",
                                             .raw = "![photo|3x2](" + file.short_url() + ")",
                                             .category_id = general})
                              .id;
    EXPECT_NE(state.find_post_by_number(topic_id, 1)->cooked.find("src=\"" + file.url() + "\""), std::string::npos);

    EXPECT_EQ(errors_of([&] { (void)state.add_upload({.user_id = ann, .original_filename = "x.exe", .bytes = "MZ"}); }),
              std::vector<std::string>{"Sorry, the file you are trying to upload is not authorized (authorized "
                                       "extensions: jpg, jpeg, png, gif, heic, heif, webp)."});
}

TEST(hmac_sha256_hex, rfc_4231_test_case_2)
{
    EXPECT_EQ(forumgate::base::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(image_size, png_gif_jpeg)
{
    EXPECT_EQ(image_size(std::string{"GIF89a\x05\x00\x07\x00", 10}), (std::pair{5, 7}));
    std::string const jpeg{"\xFF\xD8\xFF\xE0\x00\x04\x00\x00\xFF\xC0\x00\x11\x08\x00\x09\x00\x0A\x03\x00\x00", 20};
    EXPECT_EQ(image_size(jpeg), (std::pair{10, 9}));
    EXPECT_FALSE(image_size("plain text"));
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
