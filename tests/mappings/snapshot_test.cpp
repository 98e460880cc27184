// Tests of mappings/snapshot: settings, builder checks, lookups, base62, rules.

#include "mappings/snapshot.hpp"

#include "base/digest.hpp"
#include "base/error.hpp"
#include "mappings/resolver.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using namespace forumgate::mappings;
using forumgate::input_error;

namespace {

site_settings settings()
{
    return {"https://forum.brum.coop",
            {"forum.cooperationbirmingham.org.uk", "www.forum.cooperationbirmingham.org.uk"},
            {"cdn.brum.coop"}};
}

// Expects `f` to throw input_error with a message containing every one of `parts`.
template <typename F>
void expect_input_error(F &&f, std::initializer_list<std::string_view> parts)
{
    try {
        f();
        ADD_FAILURE() << "no input_error thrown";
    } catch (input_error const &e) {
        std::string const message = e.what();
        for (auto const part : parts) {
            EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
        }
    }
}

topic_row topic(std::uint64_t old_id, std::string old_slug, std::optional<std::uint64_t> new_id, std::string new_slug,
                bool restricted = false)
{
    return {old_id, std::move(old_slug), new_id, std::move(new_slug), restricted};
}

post_row post(std::uint64_t old_id, std::uint64_t old_topic_id, std::uint32_t old_number,
              std::optional<std::uint64_t> new_id, std::optional<std::uint64_t> new_topic_id,
              std::optional<std::uint32_t> new_number, bool hidden = false)
{
    return {old_id, old_topic_id, old_number, new_id, new_topic_id, new_number, hidden};
}

} // namespace

// ---------------------------------------------------------------------------------------------
// settings

TEST(settings, normalised)
{
    site_settings s{"HTTPS://Forum.Brum.Coop/", {"Forum.CooperationBirmingham.org.uk:443"}, {"CDN.brum.coop"}};
    normalise(s);
    EXPECT_EQ(s.new_base, "https://forum.brum.coop");
    EXPECT_EQ(s.old_hosts, std::vector<std::string>{"forum.cooperationbirmingham.org.uk"});
    EXPECT_EQ(s.upload_hosts, std::vector<std::string>{"cdn.brum.coop"});

    site_settings with_path{"https://brum.coop:8443/forum/", {"old.example"}, {}};
    normalise(with_path);
    EXPECT_EQ(with_path.new_base, "https://brum.coop:8443/forum");
}

TEST(settings, bad_new_base)
{
    auto const with_base = [](std::string base) {
        return [base] {
            site_settings s{base, {"old.example"}, {}};
            normalise(s);
        };
    };
    expect_input_error(with_base("forum.brum.coop"), {"forum.brum.coop", "http(s)"});
    expect_input_error(with_base("ftp://forum.brum.coop"), {"ftp://forum.brum.coop"});
    expect_input_error(with_base("https://"), {"https://"});
    expect_input_error(with_base("https://forum.brum.coop/?x=1"), {"query or fragment"});
    expect_input_error(with_base("https://forum.brum.coop#top"), {"query or fragment"});
    expect_input_error(with_base("https://admin:secret@forum.brum.coop"), {"not an http(s) URL"});
    expect_input_error(with_base("https://forum.brum.coop/a b"), {"path"});
    expect_input_error(with_base("https://forum.brum.coop/a//b"), {"path"});
    expect_input_error(with_base("https://forum.brum.coop/%2F"), {"path"});
    expect_input_error(with_base("https://forum.brum.coop/a\\b"), {"path"});
    expect_input_error(with_base("https://forum.brum.coop:http/"), {"not an http(s) URL"});
    expect_input_error(with_base("https://forum_brum.coop/"), {"not a host name"});
}

TEST(settings, bad_hosts)
{
    expect_input_error(
        [] {
            site_settings s{"https://forum.brum.coop", {}, {}};
            normalise(s);
        },
        {"no old host"});
    expect_input_error(
        [] {
            site_settings s{"https://forum.brum.coop", {"old host"}, {}};
            normalise(s);
        },
        {"old host", "'old host'", "not a host name"});
    expect_input_error(
        [] {
            site_settings s{"https://forum.brum.coop", {"old.example"}, {"cdn.example/x"}};
            normalise(s);
        },
        {"upload host", "cdn.example/x"});
}

TEST(settings, old_host_equal_to_new_host_loops)
{
    for (auto const *old_host : {"forum.brum.coop", "FORUM.brum.coop", "forum.brum.coop:8080"}) {
        expect_input_error(
            [old_host] {
                site_settings s{"https://Forum.Brum.Coop", {"forum.cooperationbirmingham.org.uk", old_host}, {}};
                normalise(s);
            },
            {"forum.brum.coop", "loop"});
    }
}

TEST(settings, host_names_are_normalised_in_one_way_trailing_dot_and_idna_included)
{
    // Once: a trailing dot got past the host checks. `--new-base https://forum.brum.coop.
    // --old-host forum.brum.coop` was accepted and redirected the new host to itself; an old host
    // stored with its dot never matched a request (matched without it): every URL missed.
    for (auto const *base : {"https://forum.brum.coop.", "https://FORUM.brum.coop.:443"}) {
        expect_input_error(
            [base] {
                site_settings s{base, {"forum.brum.coop"}, {}};
                normalise(s);
            },
            {"forum.brum.coop", "loop"});
    }
    site_settings s{
        "https://forum.brum.coop./", {"forum.cooperationbirmingham.org.uk.", "Bücher.example"}, {"cdn.brum.coop."}};
    normalise(s);
    EXPECT_EQ(s.new_base, "https://forum.brum.coop");
    EXPECT_EQ(s.old_hosts, (std::vector<std::string>{"forum.cooperationbirmingham.org.uk", "xn--bcher-kva.example"}));
    EXPECT_EQ(s.upload_hosts, std::vector<std::string>{"cdn.brum.coop"});
    // ...and so a request names them with or without the dot, in either form.
    snapshot_builder builder{s};
    auto const map = builder.build();
    EXPECT_TRUE(map->is_old_host("forum.cooperationbirmingham.org.uk"));
    EXPECT_NE(resolve({"forum.cooperationbirmingham.org.uk.", "/"}, *map).why, reason::unknown_host);
    EXPECT_NE(resolve({"xn--bcher-kva.example", "/"}, *map).why, reason::unknown_host);
    // Labels that cannot be a host: empty, too long, a hyphen at either end; a port out of range.
    for (auto const *host : {"a..example", "-a.example", "a-.example", "x..", "."}) {
        expect_input_error(
            [host] {
                site_settings bad{"https://forum.brum.coop", {host}, {}};
                normalise(bad);
            },
            {"not a host name"});
    }
    expect_input_error(
        [] {
            site_settings bad{"https://forum.brum.coop", {std::string(64, 'a') + ".example"}, {}};
            normalise(bad);
        },
        {"not a host name"});
    for (auto const *base : {"https://forum.brum.coop:99999", "https://forum.brum.coop:0"}) {
        expect_input_error(
            [base] {
                site_settings bad{base, {"old.example"}, {}};
                normalise(bad);
            },
            {"port"});
    }
}

TEST(settings, host_of_url)
{
    EXPECT_EQ(host_of_url("https://CDN.brum.coop:8443/a/b"), "cdn.brum.coop");
    EXPECT_EQ(host_of_url("http://x.example"), "x.example");
    // No host, or one behind credentials: none.
    for (std::string_view const url : {"/uploads/x.png", "javascript:alert(1)", "https://user@x.example/"}) {
        EXPECT_EQ(host_of_url(url), "") << url;
    }
}

TEST(snapshot, builder_refuses_bad_settings)
{
    expect_input_error(
        [] {
            snapshot_builder b{site_settings{"https://forum.brum.coop?x", {"a.example"}, {}}};
        },
        {"query"});
}

TEST(snapshot, settings_and_hosts)
{
    snapshot_builder builder{settings()};
    auto const snap = builder.build();
    EXPECT_EQ(snap->base_origin(), "https://forum.brum.coop");
    EXPECT_EQ(snap->base_path(), "");
    EXPECT_EQ(snap->new_host(), "forum.brum.coop");
    EXPECT_TRUE(snap->is_old_host("forum.cooperationbirmingham.org.uk"));
    EXPECT_TRUE(snap->is_old_host("WWW.Forum.CooperationBirmingham.org.uk"));
    EXPECT_FALSE(snap->is_old_host("forum.brum.coop"));
    EXPECT_FALSE(snap->is_old_host("evil.example"));
    EXPECT_TRUE(snap->is_upload_host("cdn.brum.coop"));
    EXPECT_TRUE(snap->is_upload_host("forum.brum.coop"));
    EXPECT_FALSE(snap->is_upload_host("evil.example"));

    snapshot_builder with_path{site_settings{"https://brum.coop/forum/", {"old.example"}, {}}};
    auto const sub = with_path.build();
    EXPECT_EQ(sub->base_origin(), "https://brum.coop");
    EXPECT_EQ(sub->base_path(), "/forum");
}

// ---------------------------------------------------------------------------------------------
// builder checks

TEST(snapshot_builder, ids_out_of_range)
{
    snapshot_builder b{settings()};
    expect_input_error([&] { b.add(topic(0, "a", 1, "a")); }, {"topic 0", "out of range"});
    expect_input_error([&] { b.add(topic(4294967296ULL, "a", 1, "a")); }, {"topic 4294967296", "out of range"});
    expect_input_error([&] { b.add(topic(5, "a", 4294967296ULL, "a")); }, {"topic 5", "4294967296", "out of range"});
    expect_input_error([&] { b.add(post(0, 1, 1, 1, 1, 1)); }, {"post 0", "out of range"});
    expect_input_error([&] { b.add(post(7, 0, 1, 1, 1, 1)); }, {"post 7", "out of range"});
    expect_input_error([&] { b.add(post(7, 1, 0, 1, 1, 1)); }, {"post 7", "post number 0"});
    expect_input_error([&] { b.add(post(7, 1, 0x80000000U, 1, 1, 1)); }, {"post 7", "post number"});
    expect_input_error([&] { b.add(post(7, 1, 1, 1, 1, 0)); }, {"post 7", "new post number 0"});
    expect_input_error([&] { b.add(post(7, 1, 1, 5000000000ULL, 1, 1)); }, {"post 7", "out of range"});
    expect_input_error([&] { b.add(category_row{0, "a", 1, "a", false}); }, {"category 0", "out of range"});
    expect_input_error([&] { b.add(category_row{3, "a", 0, "a", false}); }, {"category 3", "out of range"});
    expect_input_error([&] { b.add(user_row{"", "x"}); }, {"empty old username"});
    expect_input_error([&] { b.add(tag_row{"", "x"}); }, {"empty old name"});
}

TEST(snapshot_builder, migrated_post_needs_new_numbers)
{
    snapshot_builder b{settings()};
    expect_input_error([&] { b.add(post(7, 1, 1, 100, std::nullopt, 1)); },
                       {"post 7", "new topic id and new post number"});
    expect_input_error([&] { b.add(post(7, 1, 1, 100, 10, std::nullopt)); },
                       {"post 7", "new topic id and new post number"});
    b.add(post(7, 1, 1, std::nullopt, std::nullopt, std::nullopt)); // not migrated: fine
}

TEST(snapshot_builder, duplicate_topics)
{
    snapshot_builder b{settings()};
    b.add(topic(774, "agm", 1774, "agm"));
    b.add(topic(775, "x", 1775, "x"));
    b.add(topic(774, "agm-again", 1776, "agm"));
    expect_input_error([&] { (void)b.build(); }, {"topic 774", "more than once"});
}

TEST(snapshot_builder, duplicate_topics_sparse)
{
    snapshot_builder b{settings()};
    b.add(topic(4000000000ULL, "a", 1, "a"));
    b.add(topic(5, "x", 2, "x"));
    b.add(topic(4000000000ULL, "b", 3, "b"));
    expect_input_error([&] { (void)b.build(); }, {"topic 4000000000", "more than once"});
}

TEST(snapshot_builder, duplicate_posts)
{
    snapshot_builder b{settings()};
    b.add(post(100, 1, 1, 200, 10, 1));
    b.add(post(101, 2, 1, 201, 11, 1));
    b.add(post(100, 3, 1, 202, 12, 1));
    expect_input_error([&] { (void)b.build(); }, {"post 100", "more than once"});
}

TEST(snapshot_builder, duplicate_post_numbers)
{
    snapshot_builder b{settings()};
    b.add(post(100, 1, 1, 200, 10, 1));
    b.add(post(101, 1, 2, 201, 10, 2));
    b.add(post(102, 1, 2, 202, 10, 3, true)); // hidden or not, number 2 is taken
    expect_input_error([&] { (void)b.build(); }, {"topic 1", "post number 2", "more than once"});
}

TEST(snapshot_builder, duplicate_categories)
{
    snapshot_builder b{settings()};
    b.add(category_row{5, "general", 12, "general", false});
    b.add(category_row{5, "other", 13, "other", false});
    expect_input_error([&] { (void)b.build(); }, {"category 5", "more than once"});
}

TEST(snapshot_builder, upload_urls)
{
    snapshot_builder b{settings()};
    auto const add = [&](std::string new_url) {
        b.add(upload_row{"/uploads/default/1/abcdef0123456789.png", std::move(new_url)});
    };
    add("/uploads/default/original/1X/x.png");
    add("https://forum.brum.coop/uploads/default/original/1X/x.png");
    add("https://CDN.brum.coop/original/1X/x.png");
    add("http://cdn.brum.coop:8080/x.png?v=1");
    expect_input_error([&] { add("https://evil.example/x.png"); },
                       {"evil.example", "neither the new forum nor an upload host"});
    expect_input_error([&] { add("//evil.example/x.png"); }, {"protocol-relative"});
    expect_input_error([&] { add("ftp://cdn.brum.coop/x.png"); }, {"neither a path nor an http(s) URL"});
    expect_input_error([&] { add("javascript:alert(1)"); }, {"neither a path nor an http(s) URL"});
    expect_input_error([&] { add("x.png"); }, {"neither a path nor an http(s) URL"});
    expect_input_error([&] { add(""); }, {"neither a path nor an http(s) URL"});
    expect_input_error([&] { add("https://user@cdn.brum.coop/x.png"); }, {"neither a path nor an http(s) URL"});
    expect_input_error([&] { add("/uploads/a b.png"); }, {"percent-encode"});
    expect_input_error([&] { add("/uploads/x.png\r\nSet-Cookie: x"); }, {"percent-encode"});
    expect_input_error([&] { add("/uploads\\x.png"); }, {"percent-encode"});
    expect_input_error([&] { add("https://cdn.brum.coop//evil.example/x.png"); }, {"//"});
    expect_input_error([&] { add("/uploads//x.png"); }, {"//"});
    expect_input_error(
        [&] {
            b.add(upload_row{"not a path", "/x.png"});
            (void)b.build();
        },
        {"not a path", "not a valid path"});
}

TEST(snapshot_builder, bad_short_upload_url)
{
    snapshot_builder b{settings()};
    b.add(upload_row{"upload://not-base62!.png", "/x.png"});
    expect_input_error([&] { (void)b.build(); }, {"upload://not-base62!.png", "short URL"});
}

// ---------------------------------------------------------------------------------------------
// lookups

TEST(snapshot, topics_posts_and_implicit_topics)
{
    snapshot_builder b{settings()};
    b.add(topic(774, "AGM-Minutes", 1774, "agm-minutes"));
    b.add(topic(775, "secret", 1775, "secret-plans", true));
    b.add(topic(776, "dropped", std::nullopt, ""));
    // Posts given out of order.
    b.add(post(5003, 774, 3, 9003, 1774, 3));
    b.add(post(5001, 774, 1, 9001, 1774, 1));
    b.add(post(5002, 774, 2, std::nullopt, std::nullopt, std::nullopt, true));
    // Topic 900 is known only through its posts.
    b.add(post(6002, 900, 2, std::nullopt, std::nullopt, std::nullopt));
    b.add(post(6001, 900, 1, 9501, 1900, 1));
    auto const snap = b.build();

    EXPECT_EQ(snap->size().topics, 4U);
    EXPECT_EQ(snap->size().posts, 5U);

    auto const *t = snap->find_topic(774);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->old_id, 774U);
    EXPECT_EQ(t->new_id, 1774U);
    EXPECT_EQ(snap->new_slug(*t), "agm-minutes");
    EXPECT_EQ(t->flags & snapshot::TOPIC_RESTRICTED, 0);
    EXPECT_NE(t->flags & snapshot::TOPIC_HAS_HIDDEN_POSTS, 0);
    auto const posts = snap->posts_of(*t);
    ASSERT_EQ(posts.size(), 3U);
    EXPECT_EQ(posts[0].old_post_number, 1U);
    EXPECT_EQ(posts[1].old_post_number, 2U | snapshot::POST_HIDDEN);
    EXPECT_EQ(posts[1].new_post_number, 0U);
    EXPECT_EQ(posts[2].new_post_number, 3U);
    EXPECT_EQ(posts[2].new_topic_id, 1774U);
    EXPECT_EQ(posts[2].new_id, 9003U);

    auto const *p = snap->find_post(5003);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->new_id, 9003U);
    EXPECT_EQ(&snap->topic_of(*p), t);
    EXPECT_EQ(snap->find_post(5004), nullptr);
    EXPECT_EQ(snap->find_post(0), nullptr);

    EXPECT_EQ(snap->find_topic_by_slug("agm-minutes"), t); // old slugs are stored lower-case
    EXPECT_EQ(snap->find_topic_by_slug("dropped"), snap->find_topic(776));
    EXPECT_EQ(snap->find_topic(776)->new_id, 0U);

    auto const *implicit = snap->find_topic(900);
    ASSERT_NE(implicit, nullptr);
    EXPECT_EQ(implicit->new_id, 1900U);
    EXPECT_EQ(snap->new_slug(*implicit), "");
    EXPECT_EQ(snap->posts_of(*implicit).size(), 2U);

    EXPECT_EQ(snap->find_topic(773), nullptr);
    EXPECT_EQ(snap->find_topic(777), nullptr);
    EXPECT_EQ(snap->find_topic(0), nullptr);
    EXPECT_EQ(snap->find_topic(774ULL + (1ULL << 32U)), nullptr);
}

TEST(snapshot, restricted_topic_keeps_no_slug)
{
    snapshot_builder b{settings()};
    b.add(topic(775, "secret-board-minutes", 1775, "secret-plans", true));
    auto const snap = b.build();
    auto const *t = snap->find_topic(775);
    ASSERT_NE(t, nullptr);
    EXPECT_NE(t->flags & snapshot::TOPIC_RESTRICTED, 0);
    EXPECT_EQ(snap->new_slug(*t), "");
    // Neither slug is kept anywhere: not findable by its old slug either.
    EXPECT_EQ(snap->find_topic_by_slug("secret-board-minutes"), nullptr);
}

TEST(snapshot, shared_old_slug_goes_to_lowest_id)
{
    snapshot_builder b{settings()};
    b.add(topic(900, "welcome", 1900, "welcome-2"));
    b.add(topic(12, "welcome", 1012, "welcome"));
    auto const snap = b.build();
    EXPECT_EQ(snap->find_topic_by_slug("welcome"), snap->find_topic(12));
}

TEST(snapshot, old_slugs_are_found_whether_or_not_they_are_the_new_ones)
{
    // The slug index keeps no copy of an old slug that is the new one byte for byte.
    snapshot_builder b{settings()};
    b.add(topic(1, "agm-minutes", 101, "agm-minutes"));      // the same
    b.add(topic(2, "Budget-Vote", 102, "Budget-Vote"));      // the same but for case: kept apart
    b.add(topic(3, "old-name", 103, "agm-minutes"));         // another topic's old slug as new slug
    b.add(topic(4, "welcome", 104, "welcome-to-the-forum")); // renamed
    auto const snap = b.build();
    EXPECT_EQ(snap->find_topic_by_slug("agm-minutes"), snap->find_topic(1));
    EXPECT_EQ(snap->find_topic_by_slug("budget-vote"), snap->find_topic(2));
    EXPECT_EQ(snap->find_topic_by_slug("old-name"), snap->find_topic(3));
    EXPECT_EQ(snap->find_topic_by_slug("welcome"), snap->find_topic(4));
    EXPECT_EQ(snap->find_topic_by_slug("welcome-to-the-forum"), nullptr);
    EXPECT_NE(snap->find_topic(1)->flags & snapshot::TOPIC_OLD_SLUG_IS_NEW, 0);
    EXPECT_EQ(snap->find_topic(4)->flags & snapshot::TOPIC_OLD_SLUG_IS_NEW, 0);
}

TEST(snapshot, encoded_slugs_are_stored_decoded)
{
    snapshot_builder b{settings()};
    b.add(topic(10, "%E6%97%A5%E6%9C%AC", 20, "%E6%97%A5%E6%9C%AC-2"));
    auto const snap = b.build();
    auto const *t = snap->find_topic(10);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(snap->new_slug(*t), "\xE6\x97\xA5\xE6\x9C\xAC-2");
    EXPECT_EQ(snap->find_topic_by_slug("\xE6\x97\xA5\xE6\x9C\xAC"), t);
}

TEST(snapshot, sparse_topic_ids)
{
    snapshot_builder b{settings()};
    b.add(topic(3, "a", 103, "a"));
    b.add(topic(4000000000ULL, "b", 104, "b"));
    b.add(post(1, 2000000000ULL, 1, 11, 105, 1));
    auto const snap = b.build();
    ASSERT_NE(snap->find_topic(3), nullptr);
    EXPECT_EQ(snap->find_topic(3)->new_id, 103U);
    ASSERT_NE(snap->find_topic(4000000000ULL), nullptr);
    EXPECT_EQ(snap->find_topic(4000000000ULL)->new_id, 104U);
    ASSERT_NE(snap->find_topic(2000000000ULL), nullptr);
    EXPECT_EQ(snap->find_topic(2000000000ULL)->new_id, 105U);
    EXPECT_EQ(snap->find_topic(4), nullptr);
    EXPECT_EQ(snap->find_post(1)->new_id, 11U);
    EXPECT_EQ(snap->topic_of(*snap->find_post(1)).old_id, 2000000000U);
}

TEST(snapshot, categories)
{
    snapshot_builder b{settings()};
    b.add(category_row{5, "General", 12, "general", false});
    b.add(category_row{6, "working-groups", 13, "working-groups", false});
    b.add(category_row{7, "/working-groups//Housing/", 14, "working-groups/housing", false});
    b.add(category_row{8, "events/housing", 15, "events/housing", false});
    b.add(category_row{9, "events/energy", 16, "events/energy", false});
    b.add(category_row{10, "staff", 17, "staff-room", true});
    b.add(category_row{11, "archive", std::nullopt, "", false});
    auto const snap = b.build();
    EXPECT_EQ(snap->size().categories, 7U);
    EXPECT_EQ(snap->find_category(5)->new_id, 12U);
    EXPECT_EQ(snap->find_category(7)->new_slug_path, "working-groups/housing");
    EXPECT_EQ(snap->find_category(4), nullptr);
    EXPECT_EQ(snap->find_category_by_path("general"), snap->find_category(5));
    EXPECT_EQ(snap->find_category_by_path("GENERAL"), snap->find_category(5));
    EXPECT_EQ(snap->find_category_by_path("working-groups/housing"), snap->find_category(7));
    EXPECT_EQ(snap->find_category_by_path("events/energy"), snap->find_category(9));
    EXPECT_EQ(snap->find_category_by_path("energy"), snap->find_category(9)); // unique leaf
    EXPECT_EQ(snap->find_category_by_path("housing"), nullptr);               // two leaves
    EXPECT_EQ(snap->find_category_by_path("working-groups"), snap->find_category(6));
    EXPECT_EQ(snap->find_category_by_path("other/energy"), nullptr);
    EXPECT_TRUE(snap->find_category(10)->restricted);
    EXPECT_EQ(snap->find_category(11)->new_id, 0U);
}

TEST(snapshot, users_and_tags)
{
    snapshot_builder b{settings()};
    b.add(user_row{"John.Smith", "john_smith"});
    b.add(user_row{"spammer", std::nullopt});
    b.add(user_row{"JOHN.SMITH", "second"}); // the first of two wins
    b.add(tag_row{"Housing", "homes"});
    b.add(tag_row{"old-tag", std::nullopt});
    auto const snap = b.build();
    ASSERT_NE(snap->find_user("john.smith"), nullptr);
    EXPECT_EQ(snap->find_user("john.SMITH")->new_name, "john_smith");
    EXPECT_EQ(snap->find_user("spammer")->new_name, "");
    EXPECT_EQ(snap->find_user("nobody"), nullptr);
    EXPECT_EQ(snap->find_tag("HOUSING")->new_name, "homes");
    EXPECT_EQ(snap->find_tag("old-tag")->new_name, "");
    EXPECT_EQ(snap->find_tag("energy"), nullptr);
}

TEST(snapshot, uploads)
{
    std::string const sha1 = "0123456789abcdef0123456789abcdef01234567";
    std::string const other = "fedcba9876543210fedcba9876543210fedcba98";
    std::string const third = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    snapshot_builder b{settings()};
    // The optimized copy first: sha1 lookups still find the original.
    b.add(upload_row{"/uploads/default/optimized/1X/" + sha1 + "_2_100x100.png", "/thumb.png"});
    b.add(upload_row{"/uploads/default/original/1X/" + sha1 + ".png", "/original.png"});
    b.add(upload_row{"/uploads/default/12/abcdef0123456789.png", "https://cdn.brum.coop/old.png"});
    b.add(upload_row{"/secure-uploads/original/1X/" + other + ".pdf", std::nullopt});
    b.add(upload_row{"upload://v8vA6WnPVTOE1o39waNFVmAqEJj.jpeg", "/short.jpeg"});
    auto const snap = b.build();
    EXPECT_EQ(snap->size().uploads, 5U);
    ASSERT_NE(snap->find_upload_by_sha1(sha1), nullptr);
    EXPECT_EQ(snap->find_upload_by_sha1(sha1)->new_name, "/original.png");
    EXPECT_EQ(snap->find_upload_by_sha1("0123456789ABCDEF0123456789ABCDEF01234567")->new_name, "/original.png");
    EXPECT_EQ(snap->find_upload_by_path("/uploads/default/12/abcdef0123456789.png")->new_name,
              "https://cdn.brum.coop/old.png");
    EXPECT_EQ(snap->find_upload_by_path("/uploads/default/optimized/1X/" + sha1 + "_2_100x100.png")->new_name,
              "/thumb.png");
    EXPECT_EQ(snap->find_upload_by_sha1(other)->new_name, "");
    // Secure-upload paths are stored under /uploads, as the resolver looks them up.
    ASSERT_NE(snap->find_upload_by_path("/uploads/original/1X/" + other + ".pdf"), nullptr);
    EXPECT_EQ(snap->find_upload_by_sha1(third)->new_name, "/short.jpeg");
    EXPECT_EQ(snap->find_upload_by_sha1("ffffffffffffffffffffffffffffffffffffffff"), nullptr);
    EXPECT_EQ(snap->find_upload_by_path("/uploads/default/12/other.png"), nullptr);
}

TEST(snapshot, memory_bytes_sane)
{
    snapshot_builder empty_builder{settings()};
    auto const empty = empty_builder.build();
    EXPECT_GE(empty->memory_bytes(), sizeof(snapshot));
    EXPECT_LT(empty->memory_bytes(), 64U * 1024U);

    snapshot_builder b{settings()};
    b.reserve_posts(20000);
    for (std::uint32_t t = 1; t <= 1000; ++t) {
        b.add(topic(t, "topic-" + std::to_string(t), t + 10000, "topic-" + std::to_string(t)));
        for (std::uint32_t n = 1; n <= 20; ++n) {
            std::uint32_t const id = (t - 1) * 20 + n;
            b.add(post(id, t, n, id + 100000, t + 10000, n));
        }
    }
    for (std::uint32_t u = 0; u < 1000; ++u) {
        b.add(user_row{"user" + std::to_string(u), "member" + std::to_string(u)});
    }
    auto const snap = b.build();
    EXPECT_EQ(snap->size().topics, 1000U);
    EXPECT_EQ(snap->size().posts, 20000U);
    EXPECT_EQ(snap->size().users, 1000U);
    std::size_t const bytes = snap->memory_bytes();
    // At least the posts themselves; far less than a naive map of strings would take.
    EXPECT_GE(bytes, 20000U * sizeof(snapshot::post));
    EXPECT_LT(bytes, 4U * 1024U * 1024U);
    EXPECT_GT(bytes, empty->memory_bytes());
}

TEST(snapshot, builder_is_reusable_after_build)
{
    snapshot_builder b{settings()};
    b.add(topic(1, "a", 2, "a"));
    b.set_version(7);
    auto const first = b.build();
    EXPECT_EQ(first->version(), 7);
    EXPECT_NE(first->find_topic(1), nullptr);
}

// ---------------------------------------------------------------------------------------------
// base62

TEST(base62, known_vectors)
{
    // Computed with Python: int(sha1_hex, 16) written in base 62 with alphabet 0-9a-zA-Z.
    std::pair<std::string, std::string> const both_ways[] = {
        {"da39a3ee5e6b4b0d3255bfef95601890afd80709", "v8vA6WnPVTOE1o39waNFVmAqEJj"},
        {"08ef77f82f543e6d9b050ec01afc06c55b51890f", "1h2SuDICDCGJb2ZJcZfoF8D06Gr"},
        {"ffffffffffffffffffffffffffffffffffffffff", "AwGeptL1TMEBFSqZfp4BXWGY80v"},
        {"00000000000000000000000000000000000000ff", "47"},
        {"0000000000000000000000000000000000000000", "0"}};
    for (auto const &[sha1, base62] : both_ways) {
        EXPECT_EQ(forumgate::base::base62_from_sha1(sha1), base62) << sha1;
        EXPECT_EQ(forumgate::base::sha1_from_base62(base62), sha1) << base62;
    }
    EXPECT_EQ(forumgate::base::base62_from_sha1("0000000000000000000000000000000000000001"), "1");
    EXPECT_EQ(forumgate::base::base62_from_sha1("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"),
              "v8vA6WnPVTOE1o39waNFVmAqEJj"); // upper-case hex reads the same
}

TEST(base62, invalid)
{
    EXPECT_EQ(forumgate::base::sha1_from_base62(""), std::nullopt);
    EXPECT_EQ(forumgate::base::sha1_from_base62("abc-def"), std::nullopt);
    EXPECT_EQ(forumgate::base::sha1_from_base62("abc.png"), std::nullopt);
    EXPECT_EQ(forumgate::base::sha1_from_base62("AwGeptL1TMEBFSqZfp4BXWGY80w"), std::nullopt); // 2^160: too big
    EXPECT_EQ(forumgate::base::sha1_from_base62("zzzzzzzzzzzzzzzzzzzzzzzzzzzz"), std::nullopt);
    EXPECT_EQ(forumgate::base::sha1_from_base62(std::string(100, '1')), std::nullopt);
    expect_input_error([] { (void)forumgate::base::base62_from_sha1("xyz"); }, {"xyz", "SHA-1"});
    expect_input_error([] { (void)forumgate::base::base62_from_sha1("da39a3ee5e6b4b0d3255bfef95601890afd8070g"); },
                       {"SHA-1"});
    expect_input_error([] { (void)forumgate::base::base62_from_sha1("da39a3ee5e6b4b0d3255bfef95601890afd807091"); },
                       {"SHA-1"});
}

TEST(base62, round_trip)
{
    std::uint64_t state = 12345;
    for (int i = 0; i < 2000; ++i) {
        std::string hex;
        for (int k = 0; k < 40; ++k) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            hex.push_back("0123456789abcdef"[(state >> 33U) % 16U]);
        }
        if (i % 10 == 0) {
            hex.replace(0, static_cast<std::size_t>(i % 40), std::string(static_cast<std::size_t>(i % 40), '0'));
        }
        std::string const short_name = forumgate::base::base62_from_sha1(hex);
        EXPECT_LE(short_name.size(), 27U);
        ASSERT_EQ(forumgate::base::sha1_from_base62(short_name), hex) << short_name;
    }
}

// ---------------------------------------------------------------------------------------------
// rules

TEST(rules, compile)
{
    rule const r = compile_rule({R"(^/viewtopic\.php\?t=(\d+))", "/t/\\1", rule_kind::rewrite});
    EXPECT_EQ(r.kind, rule_kind::rewrite);
    EXPECT_EQ(r.replacement, "/t/\\1");
    ASSERT_NE(r.pattern, nullptr);

    snapshot_builder b{settings()};
    b.add(rule_row{"^/old$", "/new", rule_kind::redirect});
    EXPECT_EQ(b.build()->rules().size(), 1U);
}

TEST(rules, refused)
{
    expect_input_error([] { (void)compile_rule({"(unclosed", "/x", rule_kind::redirect}); }, {"(unclosed"});
    expect_input_error([] { (void)compile_rule({"^/a(\\d+)$", "/t/\\2", rule_kind::redirect}); }, {"\\2"});
    expect_input_error([] { (void)compile_rule({"^/a$", "", rule_kind::redirect}); }, {"one '/'"});
    expect_input_error([] { (void)compile_rule({"^/a$", "t/1", rule_kind::redirect}); }, {"one '/'"});
    expect_input_error([] { (void)compile_rule({"^/a$", "//evil.example/", rule_kind::redirect}); }, {"one '/'"});
    expect_input_error([] { (void)compile_rule({"^/a$", "https://evil.example/", rule_kind::redirect}); }, {"one '/'"});
    expect_input_error([] { (void)compile_rule({"^/a$", "/\\\\evil", rule_kind::redirect}); }, {"one '/'"});
    expect_input_error([] { (void)compile_rule({"^/a$", "/a\r\nb", rule_kind::redirect}); }, {"one '/'"});
}
