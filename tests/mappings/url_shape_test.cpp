// Tests of mappings/url_shape: splitting a request target, and recognising Discourse URL shapes.

#include "mappings/url_shape.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

using namespace forumgate::mappings;

namespace {

std::vector<std::string> segments_of(parsed_url const &url)
{
    return {url.segments().begin(), url.segments().end()};
}

using list = std::vector<std::string>;

parsed_url::status parse(parsed_url &url, std::string_view target)
{
    return url.parse(target);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// parsed_url

TEST(parsed_url, splits_and_decodes_segments)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "/t/agm-minutes/774/3"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"t", "agm-minutes", "774", "3"}));
    EXPECT_EQ(url.size(), 4U);
    EXPECT_EQ(url[1], "agm-minutes");

    ASSERT_EQ(parse(url, "/%74/%E6%97%A5/774"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"t", "\xE6\x97\xA5", "774"}));
}

TEST(parsed_url, root)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "/"), parsed_url::status::ok);
    EXPECT_EQ(url.size(), 0U);
    ASSERT_EQ(parse(url, "/?x=1"), parsed_url::status::ok);
    EXPECT_EQ(url.size(), 0U);
    EXPECT_EQ(url.param_value("x"), "1");
}

TEST(parsed_url, empty_and_dot_segments)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "//t///774//"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"t", "774"}));
    ASSERT_EQ(parse(url, "/t/./774/."), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"t", "774"}));
    ASSERT_EQ(parse(url, "/t/slug/../774"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"t", "774"}));
    ASSERT_EQ(parse(url, "/../../t/774"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"t", "774"}));
    ASSERT_EQ(parse(url, "/t/%2E%2E/x"), parsed_url::status::ok); // escaped dots are dots
    EXPECT_EQ(segments_of(url), (list{"x"}));
}

TEST(parsed_url, escaped_slash_stays_in_its_segment)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "/%2F%2Fevil.example/x"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"//evil.example", "x"}));
}

TEST(parsed_url, fragment_ignored)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "/t/774#post_5"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"t", "774"}));
    ASSERT_EQ(parse(url, "/t/774?page=2#post_25"), parsed_url::status::ok);
    EXPECT_EQ(url.param_value("page"), "2");
    ASSERT_EQ(parse(url, "/t/774#x?page=2"), parsed_url::status::ok);
    EXPECT_EQ(url.params().size(), 0U);
}

TEST(parsed_url, query_parameters)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "/search?q=co-op+brum&expanded&=x&&period=weekly&q=second"), parsed_url::status::ok);
    ASSERT_EQ(url.params().size(), 4U); // the empty key is dropped
    EXPECT_EQ(url.param_value("q"), "co-op brum");
    EXPECT_EQ(url.param_value("expanded"), "");
    EXPECT_EQ(url.param_value("period"), "weekly");
    EXPECT_EQ(url.param_value("missing"), "");
    EXPECT_EQ(url.params()[3].value, "second");
}

TEST(parsed_url, query_key_and_value_decoded)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "/search?q=%E6%97%A5%26x&a%5Bb%5D=1"), parsed_url::status::ok);
    EXPECT_EQ(url.param_value("q"), "\xE6\x97\xA5&x");
    EXPECT_EQ(url.param_value("a[b]"), "1");
}

TEST(parsed_url, malformed_query_parameters_are_skipped)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "/latest?utm_source=%zz&bad=%FF&%E9t%E9=1&period=weekly&x=%"), parsed_url::status::ok);
    ASSERT_EQ(url.params().size(), 1U);
    EXPECT_EQ(url.param_value("period"), "weekly");
}

TEST(parsed_url, at_most_max_params)
{
    // 1000 distinct two-letter keys.
    constexpr std::string_view LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string target = "/latest?";
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < 1000; ++i) {
        keys.push_back({LETTERS[i / LETTERS.size()], LETTERS[i % LETTERS.size()]});
        target += keys.back() + "&";
    }
    parsed_url url;
    ASSERT_LE(target.size(), parsed_url::MAX_TARGET_LENGTH);
    ASSERT_EQ(parse(url, target), parsed_url::status::ok);
    EXPECT_EQ(url.params().size(), parsed_url::MAX_PARAMS);
    EXPECT_EQ(url.params()[parsed_url::MAX_PARAMS - 1].key, keys[parsed_url::MAX_PARAMS - 1]);
    for (auto const &param : url.params()) {
        EXPECT_NE(param.key, keys[parsed_url::MAX_PARAMS]);
    }
}

TEST(parsed_url, malformed_paths)
{
    parsed_url url;
    EXPECT_EQ(parse(url, ""), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "t/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "http://evil.example/t/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "*"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "?x=1"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "#x"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/%zz"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/774%"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/774%4"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/%0d%0aSet-Cookie:x/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/%00/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/a\r\nb/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, std::string_view{"/t/a\0b/774", 10}), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/%7F/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/%FF/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/%C0%AF/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/%ED%A0%80/774"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/\xFF/774"), parsed_url::status::malformed);
}

TEST(parsed_url, control_bytes_in_query_are_malformed)
{
    parsed_url url;
    EXPECT_EQ(parse(url, "/t/774?x=%0d%0aSet-Cookie:x"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/774?%0A=1"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/774?x=%00"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/774?x=a\r\nSet-Cookie:x"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, "/t/774#a\nb"), parsed_url::status::malformed);
    // Far past the parameters looked at, still refused.
    std::string target = "/latest?";
    for (int i = 0; i < 100; ++i) {
        target += "p=" + std::to_string(i) + "&";
    }
    EXPECT_EQ(parse(url, target + "x=%0D"), parsed_url::status::malformed);
    EXPECT_EQ(parse(url, target + "x=%0"), parsed_url::status::ok); // a bad escape is skipped
}

TEST(parsed_url, length_limit)
{
    parsed_url url;
    std::string target = "/t/" + std::string(parsed_url::MAX_TARGET_LENGTH - 7, 'a') + "/774";
    ASSERT_EQ(target.size(), parsed_url::MAX_TARGET_LENGTH);
    EXPECT_EQ(parse(url, target), parsed_url::status::ok);
    EXPECT_EQ(parse(url, target + "1"), parsed_url::status::too_long);
    EXPECT_EQ(parse(url, "/" + std::string(100000, '%')), parsed_url::status::too_long);
}

TEST(parsed_url, segment_limit)
{
    parsed_url url;
    std::string target;
    for (std::size_t i = 0; i < parsed_url::MAX_SEGMENTS; ++i) {
        target += "/a";
    }
    EXPECT_EQ(parse(url, target), parsed_url::status::ok);
    EXPECT_EQ(url.size(), parsed_url::MAX_SEGMENTS);
    EXPECT_EQ(parse(url, target + "/a"), parsed_url::status::too_deep);
    EXPECT_EQ(parse(url, target + "/a/.."), parsed_url::status::too_deep);
    EXPECT_EQ(parse(url, target + "///"), parsed_url::status::ok); // empty segments do not count
}

TEST(parsed_url, reusable)
{
    parsed_url url;
    ASSERT_EQ(parse(url, "/t/one/1?a=1&b=2"), parsed_url::status::ok);
    ASSERT_EQ(parse(url, "/u/x"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"u", "x"}));
    EXPECT_EQ(url.params().size(), 0U);
    ASSERT_EQ(parse(url, "/t/%zz"), parsed_url::status::malformed);
    ASSERT_EQ(parse(url, "/c/general/5?period=weekly"), parsed_url::status::ok);
    EXPECT_EQ(segments_of(url), (list{"c", "general", "5"}));
    EXPECT_EQ(url.param_value("period"), "weekly");
}

// ---------------------------------------------------------------------------------------------
// parse_shape

namespace {

struct parsed
{
    parsed_url url;
    url_shape shape;
};

// Parses a target that must be well-formed, and its shape.
std::unique_ptr<parsed> shape_of(std::string_view target)
{
    auto p = std::make_unique<parsed>();
    EXPECT_EQ(p->url.parse(target), parsed_url::status::ok) << target;
    p->shape = parse_shape(p->url);
    return p;
}

// Each target parses, and parse_shape finds the given shape in it.
void expect_shape_ids(std::initializer_list<std::pair<std::string_view, shape_id>> cases)
{
    for (auto const &[target, id] : cases) {
        EXPECT_EQ(shape_of(target)->shape.id, id) << target;
    }
}

// The target has the given shape, and the shape names the given slug or name...
void expect_named(std::string_view target, shape_id id, std::string_view name)
{
    auto const p = shape_of(target);
    EXPECT_EQ(p->shape.id, id) << target;
    EXPECT_EQ(p->shape.name, name) << target;
}

// ...or the given number.
void expect_numbered(std::string_view target, shape_id id, std::uint64_t number)
{
    auto const p = shape_of(target);
    EXPECT_EQ(p->shape.id, id) << target;
    EXPECT_EQ(p->shape.number, number) << target;
}

list tail_of(parsed const &p)
{
    list out;
    for (std::size_t i = p.shape.tail_begin; i < p.shape.tail_end; ++i) {
        out.emplace_back(p.url[i]);
    }
    return out;
}

list name_path_of(parsed const &p)
{
    list out;
    for (std::size_t i = p.shape.name_begin; i < p.shape.name_end; ++i) {
        out.emplace_back(p.url[i]);
    }
    return out;
}

} // namespace

TEST(parse_shape, topics)
{
    auto p = shape_of("/t/agm-minutes/774");
    EXPECT_EQ(p->shape.id, shape_id::topic);
    EXPECT_EQ(p->shape.number, 774U);
    EXPECT_EQ(p->shape.name, "agm-minutes");
    EXPECT_EQ(p->shape.post_number, 0U);
    EXPECT_FALSE(p->shape.last);
    EXPECT_EQ(p->shape.format, url_format::none);
    EXPECT_TRUE(tail_of(*p).empty());

    p = shape_of("/t/774");
    EXPECT_EQ(p->shape.id, shape_id::topic);
    EXPECT_EQ(p->shape.number, 774U);
    EXPECT_EQ(p->shape.name, "");

    p = shape_of("/t/774/3");
    EXPECT_EQ(p->shape.id, shape_id::topic);
    EXPECT_EQ(p->shape.number, 774U);
    EXPECT_EQ(p->shape.post_number, 3U);

    p = shape_of("/t/agm-minutes/774/3");
    EXPECT_EQ(p->shape.number, 774U);
    EXPECT_EQ(p->shape.post_number, 3U);

    p = shape_of("/t/2019/774"); // an all-digit slug does not exist: topic 2019, post 774
    EXPECT_EQ(p->shape.number, 2019U);
    EXPECT_EQ(p->shape.post_number, 774U);

    for (auto const *target : {"/t/agm-minutes/774/last", "/t/774/last"}) {
        p = shape_of(target);
        EXPECT_EQ(p->shape.id, shape_id::topic) << target;
        EXPECT_TRUE(p->shape.last) << target;
        EXPECT_EQ(p->shape.number, 774U) << target;
    }
}

TEST(parse_shape, topic_views_and_formats)
{
    for (auto const *view : {"print", "summary", "wordpress"}) {
        auto p = shape_of(std::string{"/t/agm-minutes/774/"} + view);
        EXPECT_EQ(p->shape.id, shape_id::topic) << view;
        EXPECT_EQ(tail_of(*p), list{view});
        p = shape_of(std::string{"/t/774/"} + view);
        EXPECT_EQ(p->shape.id, shape_id::topic) << view;
        EXPECT_EQ(tail_of(*p), list{view});
    }
    auto p = shape_of("/t/agm-minutes/774.json");
    EXPECT_EQ(p->shape.id, shape_id::topic);
    EXPECT_EQ(p->shape.format, url_format::json);
    EXPECT_EQ(p->shape.number, 774U);

    p = shape_of("/t/agm-minutes/774/3.json");
    EXPECT_EQ(p->shape.format, url_format::json);
    EXPECT_EQ(p->shape.post_number, 3U);

    p = shape_of("/t/agm-minutes/774.rss");
    EXPECT_EQ(p->shape.id, shape_id::topic);
    EXPECT_EQ(p->shape.format, url_format::rss);
    EXPECT_EQ(p->shape.number, 774U);

    EXPECT_EQ(shape_of("/t/agm-minutes/774/3.rss")->shape.id, shape_id::unknown);

    for (auto const *resource : {"posts", "post_ids", "excerpts"}) {
        p = shape_of(std::string{"/t/774/"} + resource + ".json");
        EXPECT_EQ(p->shape.id, shape_id::topic_resource) << resource;
        EXPECT_EQ(p->shape.number, 774U);
        EXPECT_EQ(tail_of(*p), list{resource});
        EXPECT_EQ(p->shape.format, url_format::json);
    }
    EXPECT_EQ(shape_of("/t/774/posts")->shape.id, shape_id::unknown);
}

TEST(parse_shape, topics_by_slug_and_unmappable)
{
    expect_named("/t/2019-agm", shape_id::topic_by_slug, "2019-agm");

    expect_named("/t/id_for/agm-minutes", shape_id::topic_by_slug, "agm-minutes");

    expect_shape_ids({{"/t/external_id/abc-1", shape_id::unmappable},
                      {"/t/external_id/abc-1.json", shape_id::unmappable},
                      {"/t", shape_id::unknown},
                      {"/t/slug/notanid", shape_id::unknown},
                      {"/t/slug/774/3/4", shape_id::unknown},
                      {"/t/slug/774/nonsense", shape_id::unknown}});
}

TEST(parse_shape, huge_numbers)
{
    auto p = shape_of("/t/99999999999999999999999");
    EXPECT_EQ(p->shape.id, shape_id::topic);
    EXPECT_TRUE(p->shape.number_overflow);

    p = shape_of("/t/slug/4294967296");
    EXPECT_EQ(p->shape.id, shape_id::topic);
    EXPECT_TRUE(p->shape.number_overflow);

    p = shape_of("/t/slug/4294967295");
    EXPECT_FALSE(p->shape.number_overflow);
    EXPECT_EQ(p->shape.number, 4294967295U);

    p = shape_of("/p/18446744073709551616");
    EXPECT_EQ(p->shape.id, shape_id::post_link);
    EXPECT_TRUE(p->shape.number_overflow);

    p = shape_of("/t/slug/774/99999999999"); // a post number past any topic: its last post
    EXPECT_TRUE(p->shape.last);
    EXPECT_FALSE(p->shape.number_overflow);
}

TEST(parse_shape, posts)
{
    expect_numbered("/p/123", shape_id::post_link, 123U);
    expect_numbered("/p/123/45", shape_id::post_link, 123U);
    expect_shape_ids({{"/p/123/x", shape_id::unknown},
                      {"/p/123/45/6", shape_id::unknown},
                      {"/p/123.json", shape_id::unknown},
                      {"/p", shape_id::unknown}});

    expect_numbered("/posts/123", shape_id::post_link, 123U);

    auto p = shape_of("/posts/123.json");
    EXPECT_EQ(p->shape.id, shape_id::post_resource);
    EXPECT_EQ(p->shape.format, url_format::json);
    EXPECT_TRUE(tail_of(*p).empty());

    for (auto const *resource : {"raw", "cooked", "revisions"}) {
        p = shape_of(std::string{"/posts/123/"} + resource);
        EXPECT_EQ(p->shape.id, shape_id::post_resource) << resource;
        EXPECT_EQ(tail_of(*p), list{resource});
    }

    p = shape_of("/posts/by_number/774/3");
    EXPECT_EQ(p->shape.id, shape_id::post_by_number);
    EXPECT_EQ(p->shape.number, 774U);
    EXPECT_EQ(p->shape.post_number, 3U);
    p = shape_of("/posts/by_number/774/3.json");
    EXPECT_EQ(p->shape.id, shape_id::post_by_number);
    EXPECT_EQ(p->shape.format, url_format::json);
    EXPECT_EQ(shape_of("/posts/by_number/774/last")->shape.id, shape_id::unknown);

    p = shape_of("/posts/by-date/774/2019-05-01");
    EXPECT_EQ(p->shape.id, shape_id::post_by_date);
    EXPECT_EQ(p->shape.number, 774U);
    EXPECT_EQ(tail_of(*p), list{"2019-05-01"});

    p = shape_of("/posts.rss");
    EXPECT_EQ(p->shape.id, shape_id::site_page);
    EXPECT_EQ(p->shape.format, url_format::rss);
}

TEST(parse_shape, raw)
{
    auto p = shape_of("/raw/774");
    EXPECT_EQ(p->shape.id, shape_id::raw_topic);
    EXPECT_EQ(p->shape.number, 774U);
    EXPECT_EQ(p->shape.post_number, 0U);
    p = shape_of("/raw/774/3");
    EXPECT_EQ(p->shape.id, shape_id::raw_topic);
    EXPECT_EQ(p->shape.post_number, 3U);
    expect_shape_ids(
        {{"/raw/774/last", shape_id::unknown}, {"/raw/slug", shape_id::unknown}, {"/raw", shape_id::unknown}});
}

TEST(parse_shape, categories)
{
    auto p = shape_of("/c/general/5");
    EXPECT_EQ(p->shape.id, shape_id::category);
    EXPECT_EQ(p->shape.number, 5U);
    EXPECT_EQ(name_path_of(*p), list{"general"});
    EXPECT_TRUE(tail_of(*p).empty());

    p = shape_of("/c/working-groups/housing/7");
    EXPECT_EQ(p->shape.id, shape_id::category);
    EXPECT_EQ(p->shape.number, 7U);
    EXPECT_EQ(name_path_of(*p), (list{"working-groups", "housing"}));

    p = shape_of("/c/general");
    EXPECT_EQ(p->shape.id, shape_id::category_by_slug);
    EXPECT_EQ(p->shape.name, "general");
    EXPECT_EQ(name_path_of(*p), list{"general"});

    p = shape_of("/c/working-groups/housing");
    EXPECT_EQ(p->shape.id, shape_id::category_by_slug);
    EXPECT_EQ(name_path_of(*p), (list{"working-groups", "housing"}));

    expect_named("/c/5-category", shape_id::category_by_slug, "5-category");

    p = shape_of("/c/general/5/l/latest");
    EXPECT_EQ(p->shape.id, shape_id::category);
    EXPECT_EQ(tail_of(*p), (list{"l", "latest"}));

    p = shape_of("/c/general/l/top");
    EXPECT_EQ(p->shape.id, shape_id::category_by_slug);
    EXPECT_EQ(name_path_of(*p), list{"general"});
    EXPECT_EQ(tail_of(*p), (list{"l", "top"}));

    p = shape_of("/c/general/5/none");
    EXPECT_EQ(tail_of(*p), list{"none"});

    p = shape_of("/c/general/5.rss");
    EXPECT_EQ(p->shape.id, shape_id::category);
    EXPECT_EQ(p->shape.format, url_format::rss);
    EXPECT_EQ(p->shape.number, 5U);

    p = shape_of("/c/5/show.json");
    EXPECT_EQ(p->shape.id, shape_id::category);
    EXPECT_EQ(p->shape.number, 5U);
    EXPECT_EQ(tail_of(*p), list{"show"});
    EXPECT_EQ(p->shape.format, url_format::json);

    expect_named("/category/general", shape_id::category_by_slug, "general");

    expect_shape_ids({{"/c", shape_id::categories_root},
                      {"/category", shape_id::categories_root},
                      {"/c/l/latest", shape_id::unknown},
                      {"/c/general/5/l/a.b", shape_id::unknown},
                      {"/c/general/5/a/b/c/d/e", shape_id::unknown}});
}

TEST(parse_shape, users)
{
    expect_named("/u/John", shape_id::user, "John");
    auto p = shape_of("/users/john/activity");
    EXPECT_EQ(p->shape.id, shape_id::user);
    EXPECT_EQ(p->shape.name, "john");
    EXPECT_EQ(tail_of(*p), list{"activity"});
    p = shape_of("/u/john.smith.json");
    EXPECT_EQ(p->shape.id, shape_id::user);
    EXPECT_EQ(p->shape.name, "john.smith");
    EXPECT_EQ(p->shape.format, url_format::json);
    p = shape_of("/u/john/activity.rss");
    EXPECT_EQ(p->shape.name, "john");
    EXPECT_EQ(p->shape.format, url_format::rss);
    EXPECT_EQ(tail_of(*p), list{"activity"});
    expect_shape_ids(
        {{"/u/by-external/42", shape_id::unmappable}, {"/u", shape_id::site_page}, {"/u/john/a.b", shape_id::unknown}});

    p = shape_of("/user_avatar/forum.cooperationbirmingham.org.uk/john/120/3.png");
    EXPECT_EQ(p->shape.id, shape_id::user_avatar);
    EXPECT_EQ(p->shape.name, "john");
    EXPECT_EQ(tail_of(*p), (list{"120", "3.png"}));
    p = shape_of("/letter_avatar/john/45/5_abc.png");
    EXPECT_EQ(p->shape.id, shape_id::letter_avatar);
    EXPECT_EQ(p->shape.name, "john");
    EXPECT_EQ(tail_of(*p), (list{"45", "5_abc.png"}));
    expect_shape_ids(
        {{"/user_avatar/host/john/big/3.png", shape_id::unknown}, {"/letter_avatar/john/45", shape_id::unknown}});
}

TEST(parse_shape, tags)
{
    expect_named("/tag/housing", shape_id::tag, "housing");
    auto p = shape_of("/tag/housing.rss");
    EXPECT_EQ(p->shape.name, "housing");
    EXPECT_EQ(p->shape.format, url_format::rss);
    p = shape_of("/tag/housing/l/latest");
    EXPECT_EQ(tail_of(*p), (list{"l", "latest"}));
    expect_named("/tags/housing", shape_id::tag, "housing");
    p = shape_of("/tags/intersection/housing/energy");
    EXPECT_EQ(p->shape.id, shape_id::tag_intersection);
    EXPECT_EQ(tail_of(*p), (list{"housing", "energy"}));
    p = shape_of("/tags/c/general/5/housing");
    EXPECT_EQ(p->shape.id, shape_id::tag_in_category);
    EXPECT_EQ(p->shape.number, 5U);
    EXPECT_EQ(p->shape.second_name, "housing");
    EXPECT_EQ(name_path_of(*p), list{"general"});
    p = shape_of("/tags/c/working-groups/housing/7/energy/l/top");
    EXPECT_EQ(p->shape.id, shape_id::tag_in_category);
    EXPECT_EQ(p->shape.number, 7U);
    EXPECT_EQ(p->shape.second_name, "energy");
    EXPECT_EQ(tail_of(*p), (list{"l", "top"}));
    expect_shape_ids({{"/tags", shape_id::site_page},
                      {"/tags.json", shape_id::site_page},
                      {"/tags/c/5", shape_id::unknown},
                      {"/tag", shape_id::unknown}});
}

TEST(parse_shape, uploads)
{
    std::string const sha1 = "0123456789abcdef0123456789abcdef01234567";
    auto p = shape_of("/uploads/default/original/2X/a/" + sha1 + ".png");
    EXPECT_EQ(p->shape.id, shape_id::upload_sha1);
    EXPECT_EQ(p->shape.name, sha1);
    EXPECT_EQ(p->shape.second_name, "png");
    p = shape_of("/uploads/default/optimized/2X/a/" + sha1 + "_2_690x388.jpeg");
    EXPECT_EQ(p->shape.id, shape_id::upload_sha1);
    EXPECT_EQ(p->shape.name, sha1);
    p = shape_of("/uploads/default/" + sha1 + ".png");
    EXPECT_EQ(p->shape.id, shape_id::upload_sha1);
    p = shape_of("/secure-uploads/original/1X/" + sha1 + ".pdf");
    EXPECT_EQ(p->shape.id, shape_id::upload_sha1);
    EXPECT_EQ(p->shape.name, sha1);
    p = shape_of("/secure-media-uploads/default/original/1X/" + sha1 + ".mp4");
    EXPECT_EQ(p->shape.id, shape_id::upload_sha1);
    expect_named("/uploads/default/12/abcdef0123456789.png", shape_id::upload_path, "abcdef0123456789.png");
    p = shape_of("/uploads/short-url/v8vA6WnPVTOE1o39waNFVmAqEJj.png");
    EXPECT_EQ(p->shape.id, shape_id::upload_short);
    EXPECT_EQ(p->shape.name, "v8vA6WnPVTOE1o39waNFVmAqEJj");
    EXPECT_EQ(p->shape.second_name, "png");
    expect_shape_ids({{"/uploads/short-url/a/b.png", shape_id::unknown}, {"/uploads/x.png", shape_id::unknown}});
    // 40 hex digits followed by something else than `_`: not a sha1 name.
    p = shape_of("/uploads/default/" + sha1 + "x.png");
    EXPECT_EQ(p->shape.id, shape_id::upload_path);
}

TEST(parse_shape, site_pages)
{
    for (auto const *target : {"/",
                               "/latest",
                               "/latest.json",
                               "/latest.rss",
                               "/top",
                               "/top/weekly",
                               "/about",
                               "/faq",
                               "/search",
                               "/sitemap.xml",
                               "/sitemap_3.xml",
                               "/sitemap_recent.xml",
                               "/robots.txt",
                               "/g/board",
                               "/groups/board/members",
                               "/badges/1/first-post",
                               "/categories",
                               "/categories.json",
                               "/new",
                               "/unread",
                               "/privacy",
                               "/tos",
                               "/guidelines",
                               "/news.xml"}) {
        auto p = shape_of(target);
        EXPECT_EQ(p->shape.id, shape_id::site_page) << target;
    }
    EXPECT_EQ(shape_of("/latest.rss")->shape.format, url_format::rss);
    for (auto const *target : {"/sitemap_x.xml", "/sitemap_.xml", "/viewtopic.php", "/latest/a/b/c", "/g/a.b",
                               "/wp-admin", "/%5Cevil.example", "/evil.example"}) {
        EXPECT_EQ(shape_of(target)->shape.id, shape_id::unknown) << target;
    }
}

TEST(kinds, every_shape_has_a_kind)
{
    EXPECT_EQ(kind_of(shape_id::topic), url_kind::topic);
    EXPECT_EQ(kind_of(shape_id::topic_by_slug), url_kind::topic);
    EXPECT_EQ(kind_of(shape_id::topic_resource), url_kind::topic);
    EXPECT_EQ(kind_of(shape_id::raw_topic), url_kind::topic);
    EXPECT_EQ(kind_of(shape_id::post_link), url_kind::post);
    EXPECT_EQ(kind_of(shape_id::post_by_number), url_kind::post);
    EXPECT_EQ(kind_of(shape_id::category_by_slug), url_kind::category);
    EXPECT_EQ(kind_of(shape_id::categories_root), url_kind::category);
    EXPECT_EQ(kind_of(shape_id::letter_avatar), url_kind::user);
    EXPECT_EQ(kind_of(shape_id::tag_in_category), url_kind::tag);
    EXPECT_EQ(kind_of(shape_id::upload_short), url_kind::upload);
    EXPECT_EQ(kind_of(shape_id::site_page), url_kind::site_page);
    EXPECT_EQ(kind_of(shape_id::unknown), url_kind::other);
    EXPECT_EQ(kind_of(shape_id::unmappable), url_kind::other);
    EXPECT_EQ(kind_of(shape_id::post_resource), url_kind::post);
    EXPECT_EQ(kind_of(shape_id::post_by_date), url_kind::post);
    EXPECT_EQ(kind_of(shape_id::category), url_kind::category);
    EXPECT_EQ(kind_of(shape_id::user), url_kind::user);
    EXPECT_EQ(kind_of(shape_id::user_avatar), url_kind::user);
    EXPECT_EQ(kind_of(shape_id::tag), url_kind::tag);
    EXPECT_EQ(kind_of(shape_id::tag_intersection), url_kind::tag);
    EXPECT_EQ(kind_of(shape_id::upload_sha1), url_kind::upload);
    EXPECT_EQ(kind_of(shape_id::upload_path), url_kind::upload);
    EXPECT_EQ(to_string(url_kind::topic), "topic");
    EXPECT_EQ(to_string(url_kind::site_page), "site_page");
    EXPECT_EQ(to_string(url_kind::other), "other");
}
