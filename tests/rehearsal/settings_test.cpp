// Tests of rehearsal/settings.cpp: the site settings' defaults and the admin endpoint's parsing.

#include "tests/rehearsal/forum_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace forumgate::rehearsal {
namespace {

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

} // namespace
} // namespace forumgate::rehearsal
