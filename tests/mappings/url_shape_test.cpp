// Tests of mappings/url_shape: splitting a request target, and recognising Discourse URL shapes.

#include "mappings/url_shape.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
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
    for (std::string_view const target :
         {"", "t/774", "http://evil.example/t/774", "*", "?x=1", "#x", "/t/%zz", "/t/774%", "/t/774%4",
          "/t/%0d%0aSet-Cookie:x/774", "/t/%00/774", "/t/a\r\nb/774", "/t/%7F/774", "/t/%FF/774", "/t/%C0%AF/774",
          "/t/%ED%A0%80/774", "/t/\xFF/774"}) {
        EXPECT_EQ(parse(url, target), parsed_url::status::malformed) << target;
    }
    EXPECT_EQ(parse(url, std::string_view{"/t/a\0b/774", 10}), parsed_url::status::malformed);
}

TEST(parsed_url, control_bytes_in_query_are_malformed)
{
    parsed_url url;
    for (std::string_view const target :
         {"/t/774?x=%0d%0aSet-Cookie:x", "/t/774?%0A=1", "/t/774?x=%00", "/t/774?x=a\r\nSet-Cookie:x", "/t/774#a\nb"}) {
        EXPECT_EQ(parse(url, target), parsed_url::status::malformed) << target;
    }
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

/// What a test expects of a target's shape: the fields it names are checked, the others not.
struct expected_shape
{
    std::optional<shape_id> id{};
    std::optional<url_format> format{};
    std::optional<bool> last{};
    std::optional<bool> number_overflow{};
    std::optional<std::uint64_t> number{};
    std::optional<std::uint32_t> post_number{};
    std::optional<std::string> name{};
    std::optional<std::string> second_name{};
    std::optional<list> name_path{}; ///< the segments of a category's slug path
    std::optional<list> tail{};      ///< the segments carried over unchanged
};

/// The target parses, and parse_shape finds in it what `want` names.
void expect_shape(std::string_view target, expected_shape const &want)
{
    SCOPED_TRACE(target);
    auto const p = shape_of(target);
    auto const &shape = p->shape;
    auto const check = [](auto const &wanted, auto const &actual, std::string_view field) {
        if (wanted) {
            EXPECT_EQ(actual, *wanted) << field;
        }
    };
    check(want.id, shape.id, "id");
    check(want.format, shape.format, "format");
    check(want.last, shape.last, "last");
    check(want.number_overflow, shape.number_overflow, "number_overflow");
    check(want.number, shape.number, "number");
    check(want.post_number, shape.post_number, "post_number");
    check(want.name, shape.name, "name");
    check(want.second_name, shape.second_name, "second_name");
    check(want.name_path, name_path_of(*p), "name path");
    check(want.tail, tail_of(*p), "tail");
}

} // namespace

TEST(parse_shape, topics)
{
    expect_shape("/t/agm-minutes/774", {.id = shape_id::topic,
                                        .format = url_format::none,
                                        .last = false,
                                        .number = 774U,
                                        .post_number = 0U,
                                        .name = "agm-minutes",
                                        .tail = list{}});

    expect_shape("/t/774", {.id = shape_id::topic, .number = 774U, .name = ""});

    expect_shape("/t/774/3", {.id = shape_id::topic, .number = 774U, .post_number = 3U});

    expect_shape("/t/agm-minutes/774/3", {.number = 774U, .post_number = 3U});

    // An all-digit slug does not exist: topic 2019, post 774
    expect_shape("/t/2019/774", {.number = 2019U, .post_number = 774U});

    for (auto const *target : {"/t/agm-minutes/774/last", "/t/774/last"}) {
        expect_shape(target, {.id = shape_id::topic, .last = true, .number = 774U});
    }
}

TEST(parse_shape, topic_views_and_formats)
{
    for (auto const *view : {"print", "summary", "wordpress"}) {
        expect_shape(std::string{"/t/agm-minutes/774/"} + view, {.id = shape_id::topic, .tail = list{view}});
        expect_shape(std::string{"/t/774/"} + view, {.id = shape_id::topic, .tail = list{view}});
    }
    expect_shape("/t/agm-minutes/774.json", {.id = shape_id::topic, .format = url_format::json, .number = 774U});

    expect_shape("/t/agm-minutes/774/3.json", {.format = url_format::json, .post_number = 3U});

    expect_shape("/t/agm-minutes/774.rss", {.id = shape_id::topic, .format = url_format::rss, .number = 774U});

    EXPECT_EQ(shape_of("/t/agm-minutes/774/3.rss")->shape.id, shape_id::unknown);

    for (auto const *resource : {"posts", "post_ids", "excerpts"}) {
        expect_shape(
            std::string{"/t/774/"} + resource + ".json",
            {.id = shape_id::topic_resource, .format = url_format::json, .number = 774U, .tail = list{resource}});
    }
    EXPECT_EQ(shape_of("/t/774/posts")->shape.id, shape_id::unknown);
}

TEST(parse_shape, topics_by_slug_and_unmappable)
{
    expect_shape("/t/2019-agm", {.id = shape_id::topic_by_slug, .name = "2019-agm"});

    expect_shape("/t/id_for/agm-minutes", {.id = shape_id::topic_by_slug, .name = "agm-minutes"});

    expect_shape_ids({{"/t/external_id/abc-1", shape_id::unmappable},
                      {"/t/external_id/abc-1.json", shape_id::unmappable},
                      {"/t", shape_id::unknown},
                      {"/t/slug/notanid", shape_id::unknown},
                      {"/t/slug/774/3/4", shape_id::unknown},
                      {"/t/slug/774/nonsense", shape_id::unknown}});
}

TEST(parse_shape, huge_numbers)
{
    expect_shape("/t/99999999999999999999999", {.id = shape_id::topic, .number_overflow = true});

    expect_shape("/t/slug/4294967296", {.id = shape_id::topic, .number_overflow = true});

    expect_shape("/t/slug/4294967295", {.number_overflow = false, .number = 4294967295U});

    expect_shape("/p/18446744073709551616", {.id = shape_id::post_link, .number_overflow = true});

    // A post number past any topic: its last post.
    expect_shape("/t/slug/774/99999999999", {.last = true, .number_overflow = false});
}

TEST(parse_shape, posts)
{
    expect_shape("/p/123", {.id = shape_id::post_link, .number = 123U});
    expect_shape("/p/123/45", {.id = shape_id::post_link, .number = 123U});
    expect_shape_ids({{"/p/123/x", shape_id::unknown},
                      {"/p/123/45/6", shape_id::unknown},
                      {"/p/123.json", shape_id::unknown},
                      {"/p", shape_id::unknown}});

    expect_shape("/posts/123", {.id = shape_id::post_link, .number = 123U});

    expect_shape("/posts/123.json", {.id = shape_id::post_resource, .format = url_format::json, .tail = list{}});

    for (auto const *resource : {"raw", "cooked", "revisions"}) {
        expect_shape(std::string{"/posts/123/"} + resource, {.id = shape_id::post_resource, .tail = list{resource}});
    }

    expect_shape("/posts/by_number/774/3", {.id = shape_id::post_by_number, .number = 774U, .post_number = 3U});
    expect_shape("/posts/by_number/774/3.json", {.id = shape_id::post_by_number, .format = url_format::json});
    EXPECT_EQ(shape_of("/posts/by_number/774/last")->shape.id, shape_id::unknown);

    expect_shape("/posts/by-date/774/2019-05-01",
                 {.id = shape_id::post_by_date, .number = 774U, .tail = list{"2019-05-01"}});

    expect_shape("/posts.rss", {.id = shape_id::site_page, .format = url_format::rss});
}

TEST(parse_shape, raw)
{
    expect_shape("/raw/774", {.id = shape_id::raw_topic, .number = 774U, .post_number = 0U});
    expect_shape("/raw/774/3", {.id = shape_id::raw_topic, .post_number = 3U});
    expect_shape_ids(
        {{"/raw/774/last", shape_id::unknown}, {"/raw/slug", shape_id::unknown}, {"/raw", shape_id::unknown}});
}

TEST(parse_shape, categories)
{
    expect_shape("/c/general/5",
                 {.id = shape_id::category, .number = 5U, .name_path = list{"general"}, .tail = list{}});

    expect_shape("/c/working-groups/housing/7",
                 {.id = shape_id::category, .number = 7U, .name_path = list{"working-groups", "housing"}});

    expect_shape("/c/general", {.id = shape_id::category_by_slug, .name = "general", .name_path = list{"general"}});

    expect_shape("/c/working-groups/housing",
                 {.id = shape_id::category_by_slug, .name_path = list{"working-groups", "housing"}});

    expect_shape("/c/5-category", {.id = shape_id::category_by_slug, .name = "5-category"});

    expect_shape("/c/general/5/l/latest", {.id = shape_id::category, .tail = list{"l", "latest"}});

    expect_shape("/c/general/l/top",
                 {.id = shape_id::category_by_slug, .name_path = list{"general"}, .tail = list{"l", "top"}});

    expect_shape("/c/general/5/none", {.tail = list{"none"}});

    expect_shape("/c/general/5.rss", {.id = shape_id::category, .format = url_format::rss, .number = 5U});

    expect_shape("/c/5/show.json",
                 {.id = shape_id::category, .format = url_format::json, .number = 5U, .tail = list{"show"}});

    expect_shape("/category/general", {.id = shape_id::category_by_slug, .name = "general"});

    expect_shape_ids({{"/c", shape_id::categories_root},
                      {"/category", shape_id::categories_root},
                      {"/c/l/latest", shape_id::unknown},
                      {"/c/general/5/l/a.b", shape_id::unknown},
                      {"/c/general/5/a/b/c/d/e", shape_id::unknown}});
}

TEST(parse_shape, users)
{
    expect_shape("/u/John", {.id = shape_id::user, .name = "John"});
    expect_shape("/users/john/activity", {.id = shape_id::user, .name = "john", .tail = list{"activity"}});
    expect_shape("/u/john.smith.json", {.id = shape_id::user, .format = url_format::json, .name = "john.smith"});
    expect_shape("/u/john/activity.rss", {.format = url_format::rss, .name = "john", .tail = list{"activity"}});
    expect_shape_ids(
        {{"/u/by-external/42", shape_id::unmappable}, {"/u", shape_id::site_page}, {"/u/john/a.b", shape_id::unknown}});

    expect_shape("/user_avatar/forum.cooperationbirmingham.org.uk/john/120/3.png",
                 {.id = shape_id::user_avatar, .name = "john", .tail = list{"120", "3.png"}});
    expect_shape("/letter_avatar/john/45/5_abc.png",
                 {.id = shape_id::letter_avatar, .name = "john", .tail = list{"45", "5_abc.png"}});
    expect_shape_ids(
        {{"/user_avatar/host/john/big/3.png", shape_id::unknown}, {"/letter_avatar/john/45", shape_id::unknown}});
}

TEST(parse_shape, tags)
{
    expect_shape("/tag/housing", {.id = shape_id::tag, .name = "housing"});
    expect_shape("/tag/housing.rss", {.format = url_format::rss, .name = "housing"});
    expect_shape("/tag/housing/l/latest", {.tail = list{"l", "latest"}});
    expect_shape("/tags/housing", {.id = shape_id::tag, .name = "housing"});
    expect_shape("/tags/intersection/housing/energy",
                 {.id = shape_id::tag_intersection, .tail = list{"housing", "energy"}});
    expect_shape(
        "/tags/c/general/5/housing",
        {.id = shape_id::tag_in_category, .number = 5U, .second_name = "housing", .name_path = list{"general"}});
    expect_shape("/tags/c/working-groups/housing/7/energy/l/top",
                 {.id = shape_id::tag_in_category, .number = 7U, .second_name = "energy", .tail = list{"l", "top"}});
    expect_shape_ids({{"/tags", shape_id::site_page},
                      {"/tags.json", shape_id::site_page},
                      {"/tags/c/5", shape_id::unknown},
                      {"/tag", shape_id::unknown}});
}

TEST(parse_shape, uploads)
{
    std::string const sha1 = "0123456789abcdef0123456789abcdef01234567";
    expect_shape("/uploads/default/original/2X/a/" + sha1 + ".png",
                 {.id = shape_id::upload_sha1, .name = sha1, .second_name = "png"});
    expect_shape("/uploads/default/optimized/2X/a/" + sha1 + "_2_690x388.jpeg",
                 {.id = shape_id::upload_sha1, .name = sha1});
    expect_shape("/uploads/default/" + sha1 + ".png", {.id = shape_id::upload_sha1});
    expect_shape("/secure-uploads/original/1X/" + sha1 + ".pdf", {.id = shape_id::upload_sha1, .name = sha1});
    expect_shape("/secure-media-uploads/default/original/1X/" + sha1 + ".mp4", {.id = shape_id::upload_sha1});
    expect_shape("/uploads/default/12/abcdef0123456789.png",
                 {.id = shape_id::upload_path, .name = "abcdef0123456789.png"});
    expect_shape("/uploads/short-url/v8vA6WnPVTOE1o39waNFVmAqEJj.png",
                 {.id = shape_id::upload_short, .name = "v8vA6WnPVTOE1o39waNFVmAqEJj", .second_name = "png"});
    expect_shape_ids({{"/uploads/short-url/a/b.png", shape_id::unknown}, {"/uploads/x.png", shape_id::unknown}});
    // 40 hex digits followed by something else than `_`: not a sha1 name.
    expect_shape("/uploads/default/" + sha1 + "x.png", {.id = shape_id::upload_path});
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
        EXPECT_EQ(shape_of(target)->shape.id, shape_id::site_page) << target;
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
