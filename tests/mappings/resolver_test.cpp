// Tests of mappings/resolver: every old URL shape against a realistic map. Hostile input, custom
// rules and the invariants of random targets are in resolver_hostile_test.cpp.

#include "mappings/resolver.hpp"

#include "tests/mappings/resolver_map.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace forumgate::mappings;
using namespace forumgate::testing::resolver_map;

// ---------------------------------------------------------------------------------------------
// topics

TEST(resolve_topic, canonical_and_slug_less)
{
    expect_redirect("/t/agm-minutes/774", "/t/agm-minutes-2019/1774");
    expect_redirect("/t/774", "/t/agm-minutes-2019/1774");
    expect_redirect("/t/wrong-slug/774", "/t/agm-minutes-2019/1774"); // the slug is ignored
    expect_redirect("/t/topic/774", "/t/agm-minutes-2019/1774");
    EXPECT_EQ(resolve_target("/t/774").kind, url_kind::topic);
    EXPECT_EQ(resolve_target("/t/774").what, outcome::redirect);
}

TEST(resolve_topic, post_numbers)
{
    expect_redirect("/t/774/3", "/t/agm-minutes-2019/1774/3");
    expect_redirect("/t/agm-minutes/774/3", "/t/agm-minutes-2019/1774/3");
    expect_redirect("/t/agm-minutes/774/1", "/t/agm-minutes-2019/1774"); // /1 is the topic
    expect_redirect("/t/agm-minutes/774/23", "/t/agm-minutes-2019/1774/19");
    expect_redirect("/t/agm-minutes/774/23", post_774(23));
    expect_redirect("/t/agm-minutes/774/45", "/t/agm-minutes-2019/1774/40");
    expect_redirect("/t/agm-minutes/774/0", "/t/agm-minutes-2019/1774");
}

TEST(resolve_topic, post_not_migrated_goes_to_nearest)
{
    expect_redirect("/t/agm-minutes/774/7", post_774(6), reason::nearest_post);   // 6 is 1 away, 9 is 2
    expect_redirect("/t/agm-minutes/774/8", post_774(9), reason::nearest_post);   // 9 is 1 away, 6 is 2
    expect_redirect("/t/agm-minutes/774/30", post_774(29), reason::nearest_post); // tie: the earlier
    expect_redirect("/t/agm-minutes/774/5", post_774(4), reason::nearest_post);   // hidden, tie
    expect_redirect("/t/agm-minutes/774/10", post_774(9), reason::nearest_post);
    // A number the map never had (23 of topic 800): 22 and 24 are as near; the earlier wins.
    expect_redirect("/t/budget-2020/800/23", "/t/budget-2020/1800/22", reason::nearest_post);
    expect_redirect("/t/budget-2020/800/21", "/t/budget-2020/1800/20", reason::nearest_post);
}

TEST(resolve_topic, nearest_is_measured_from_the_number_asked_for)
{
    snapshot_builder b{site_settings{"https://forum.brum.coop", {"old.example"}, {}}};
    b.add(topic_row{1, "t", 101, "t", false});
    b.add(post_row{1, 1, 1, 11, 101, 1, false});
    b.add(post_row{9, 1, 9, std::nullopt, std::nullopt, std::nullopt, false});
    b.add(post_row{10, 1, 10, 20, 101, 2, false});
    auto const snap = b.build();
    // Post 2 was never in the map; 1 is one away, 10 is eight away.
    decision const d = resolve(request{"old.example", "/t/t/1/2"}, *snap);
    EXPECT_EQ(d.location, "https://forum.brum.coop/t/t/101");
    EXPECT_EQ(d.why, reason::nearest_post);
}

TEST(resolve_topic, past_the_end_and_last)
{
    expect_redirect("/t/agm-minutes/774/46", post_774(45), reason::nearest_post);
    expect_redirect("/t/agm-minutes/774/4294967295", post_774(45), reason::nearest_post);
    // Past any real topic: read as /last.
    expect_redirect("/t/agm-minutes/774/99999999999", post_774(45));
    expect_redirect("/t/agm-minutes/774/last", post_774(45));
    expect_redirect("/t/774/last", post_774(45));
}

TEST(resolve_topic, views_and_formats)
{
    expect_redirect("/t/agm-minutes/774/print", "/t/agm-minutes-2019/1774/print");
    expect_redirect("/t/774/print", "/t/agm-minutes-2019/1774/print");
    expect_redirect("/t/agm-minutes/774/summary", "/t/agm-minutes-2019/1774/summary");
    expect_redirect("/t/774/summary", "/t/agm-minutes-2019/1774/summary");
    expect_redirect("/t/agm-minutes/774/wordpress", "/t/agm-minutes-2019/1774/wordpress");
    expect_redirect("/t/774/wordpress.json", "/t/agm-minutes-2019/1774/wordpress.json");
    expect_redirect("/t/agm-minutes/774.json", "/t/agm-minutes-2019/1774.json");
    expect_redirect("/t/774.json", "/t/agm-minutes-2019/1774.json");
    expect_redirect("/t/agm-minutes/774/23.json", "/t/agm-minutes-2019/1774/19.json");
    expect_redirect("/t/agm-minutes/774/last.json", "/t/agm-minutes-2019/1774/40.json");
    expect_redirect("/t/agm-minutes/774.rss", "/t/agm-minutes-2019/1774.rss");
    expect_redirect("/t/774.rss", "/t/agm-minutes-2019/1774.rss");
    expect_redirect("/t/774/posts.json", "/t/1774/posts.json");
    expect_redirect("/t/774/post_ids.json", "/t/1774/post_ids.json");
    expect_redirect("/t/774/excerpts.json", "/t/1774/excerpts.json");
    // Old post ids and numbers would pick other posts on the new forum: dropped.
    expect_redirect("/t/774/posts.json?post_ids[]=9001&post_ids[]=9003", "/t/1774/posts.json");
    expect_redirect("/t/774/post_ids.json?post_number=5", "/t/1774/post_ids.json");
    expect_status("/t/agm-minutes/774/3.rss", 404, reason::unknown_shape);
}

TEST(resolve_topic, by_slug)
{
    expect_redirect("/t/2019-agm", "/t/2019-agm/1601");
    expect_redirect("/t/2019-AGM", "/t/2019-agm/1601");
    expect_redirect("/t/2019-agm.json", "/t/2019-agm/1601.json");
    expect_redirect("/t/id_for/2019-agm", "/t/2019-agm/1601");
    expect_redirect("/t/agm-minutes", "/t/agm-minutes-2019/1774");
    expect_status("/t/no-such-topic", 404, reason::unknown_id);
    expect_status("/t/id_for/no-such-topic", 404, reason::unknown_id);
    expect_status("/t/spam-thread", 410, reason::not_migrated);
    EXPECT_EQ(resolve_target("/t/no-such-topic").kind, url_kind::topic);
}

TEST(resolve_topic, external_id_is_unmappable)
{
    expect_status("/t/external_id/abc-123", 404, reason::unmappable);
    expect_status("/t/external_id/abc-123.json", 404, reason::unmappable);
}

TEST(resolve_topic, pages)
{
    // Page 2 starts at position 21 of the public stream: hidden posts 5 and 10 take no place,
    // so position 21 is post 23.
    expect_redirect("/t/agm-minutes/774?page=2", post_774(23));
    expect_redirect("/t/agm-minutes/774?page=3", post_774(43));
    expect_redirect("/t/774?page=2&u=bob", post_774(23));
    expect_redirect("/t/agm-minutes/774.json?page=2", post_774(23) + ".json");
    // Past the end: the last post.
    expect_redirect("/t/agm-minutes/774?page=4", post_774(45), reason::nearest_post);
    expect_redirect("/t/agm-minutes/774?page=1000000", post_774(45), reason::nearest_post);
    expect_redirect("/t/agm-minutes/774?page=9223372036854775807", post_774(45), reason::nearest_post);
    expect_redirect("/t/agm-minutes/774?page=18446744073709551615", post_774(45), reason::nearest_post);
    expect_redirect("/t/agm-minutes/774?page=99999999999999999999999", post_774(45), reason::nearest_post);
    // The first page is the topic.
    expect_redirect("/t/agm-minutes/774?page=1", "/t/agm-minutes-2019/1774");
    expect_redirect("/t/agm-minutes/774?page=0", "/t/agm-minutes-2019/1774");
    expect_redirect("/t/agm-minutes/774?page=-1", "/t/agm-minutes-2019/1774");
    expect_redirect("/t/agm-minutes/774?page=abc", "/t/agm-minutes-2019/1774");
    expect_redirect("/t/agm-minutes/774?page=", "/t/agm-minutes-2019/1774");
    // A post number wins over a page.
    expect_redirect("/t/agm-minutes/774/3?page=2", "/t/agm-minutes-2019/1774/3");
    // No hidden posts: position 21 is post 21, which was not migrated: 20 and 22 tie.
    expect_redirect("/t/budget-2020/800?page=2", "/t/budget-2020/1800/20", reason::nearest_post);
    // Views have pages of their own: a page there is not a post.
    expect_redirect("/t/agm-minutes/774/print?page=2", "/t/agm-minutes-2019/1774/print");
}

TEST(resolve_topic, no_post_map_keeps_numbers)
{
    expect_redirect("/t/no-post-map/777", "/t/no-post-map/1777");
    expect_redirect("/t/no-post-map/777/5", "/t/no-post-map/1777/5");
    expect_redirect("/t/no-post-map/777/1", "/t/no-post-map/1777");
    expect_redirect("/t/no-post-map/777/last", "/t/no-post-map/1777/last");
    expect_redirect("/t/777/last.json", "/t/no-post-map/1777/last.json");
    expect_redirect("/t/no-post-map/777?page=3", "/t/no-post-map/1777/41");
    expect_redirect("/t/no-post-map/777?page=99999999999999999999", "/t/no-post-map/1777/last");
    expect_redirect("/t/no-post-map/777/99999999999", "/t/no-post-map/1777/last");
}

TEST(resolve_topic, implicit_topic_has_no_slug)
{
    expect_redirect("/t/whatever/900", "/t/1900");
    expect_redirect("/t/900/2", "/t/1900", reason::nearest_post);
    expect_redirect("/t/900.rss", "/t/topic/1900.rss");
}

TEST(resolve_topic, moved_post)
{
    expect_redirect("/t/moved-posts/780/2", "/t/1999/4");
    expect_redirect("/t/moved-posts/780/3", "/t/moved-posts/1780/2");
    expect_redirect("/posts/by_number/780/2", "/posts/by_number/1999/4");
    expect_redirect("/raw/780/2", "/raw/1999/4");
}

TEST(resolve_topic, unicode_slugs)
{
    std::string const new_slug = "%E6%97%A5%E6%9C%AC%E8%AA%9E";
    expect_redirect("/t/%E6%97%A5%E6%9C%AC/778", "/t/" + new_slug + "/1778");
    expect_redirect("/t/%e6%97%a5%e6%9c%ac/778/1", "/t/" + new_slug + "/1778");
    expect_redirect("/t/%E6%97%A5%E6%9C%AC", "/t/" + new_slug + "/1778");           // by old slug
    expect_redirect("/t/\xE6\x97\xA5\xE6\x9C\xAC/778", "/t/" + new_slug + "/1778"); // raw UTF-8
    expect_redirect("/t/caf%C3%A9/774", "/t/agm-minutes-2019/1774");
}

TEST(resolve_topic, not_migrated_and_unknown)
{
    expect_status("/t/spam-thread/776", 410, reason::not_migrated);
    expect_status("/t/776/3", 410, reason::not_migrated);
    expect_status("/t/776.rss", 410, reason::not_migrated);
    expect_status("/t/776/last", 410, reason::not_migrated);
    expect_status("/t/whatever/99999", 404, reason::unknown_id);
    expect_status("/t/99999/3", 404, reason::unknown_id);
    expect_status("/t/99999/posts.json", 404, reason::unknown_id);
    EXPECT_EQ(resolve_target("/t/776").kind, url_kind::topic);
}

TEST(resolve_topic, query_parameters)
{
    expect_redirect("/t/agm-minutes/774?u=bob&utm_source=newsletter&utm_medium=email&fbclid=abc&foo=bar",
                    "/t/agm-minutes-2019/1774");
    expect_redirect("/t/agm-minutes/774?print=true&utm_source=x", "/t/agm-minutes-2019/1774?print=true");
    expect_redirect(
        "/t/agm-minutes/774?filter=summary&username_filters=alice%2Cbob&filter_top_level_replies=true"
        "&preview_theme_id=3",
        "/t/agm-minutes-2019/1774?filter=summary&username_filters=alice%2Cbob&filter_top_level_replies=true");
    expect_redirect("/t/agm-minutes/774/3?username_filters=a+b", "/t/agm-minutes-2019/1774/3?username_filters=a%20b");
    expect_redirect("/t/agm-minutes/774#post_5", "/t/agm-minutes-2019/1774");
}

TEST(resolve_topic, restricted_never_shows_a_slug)
{
    std::vector<std::pair<std::string, std::string>> const cases = {
        {"/t/board-secrets/775", "/t/1775"},
        {"/t/775", "/t/1775"},
        {"/t/board-secrets/775/5", "/t/1775/5"},
        {"/t/board-secrets/775/1", "/t/1775"},
        {"/t/board-secrets/775/last", "/t/1775/30"},
        {"/t/board-secrets/775?page=2", "/t/1775/21"},
        {"/t/board-secrets/775.json", "/t/1775.json"},
        {"/t/board-secrets/775/print", "/t/1775/print"},
        {"/t/board-secrets/775.rss", "/t/topic/1775.rss"},
        {"/t/775.rss", "/t/topic/1775.rss"},
        {"/p/12005", "/t/1775/5"},
        {"/p/12001/3", "/t/1775"},
        {"/posts/12007", "/t/1775/7"},
        {"/posts/by_number/775/5", "/posts/by_number/1775/5"},
        {"/raw/775/5", "/raw/1775/5"},
    };
    for (auto const &[target, location] : cases) {
        SCOPED_TRACE(target);
        decision const d = resolve_target(target);
        expect_invariants(d, target);
        EXPECT_EQ(d.status, 301);
        EXPECT_EQ(d.location, std::string{BASE} + location);
        EXPECT_EQ(d.location.find("board-secrets"), std::string::npos);
        EXPECT_EQ(d.location.find("secrets"), std::string::npos);
    }
    // Not even found by its old slug, which would tell that the topic exists.
    expect_status("/t/board-secrets", 404, reason::unknown_id);
}

TEST(resolve_topic, marks_redirects_to_members_only_places)
{
    // What the map marks restricted (topic 775, its posts, category 9), through any shape and
    // through a rewrite rule; nothing else.
    for (std::string_view const target :
         {"/t/board-secrets/775", "/t/775.rss", "/p/12005", "/posts/12007", "/posts/by_number/775/5", "/raw/775/5",
          "/c/staff/9", "/c/staff/9/l/latest", "/viewtopic.php?t=775"}) {
        decision const d = resolve_target(target);
        EXPECT_EQ(d.status, 301) << target;
        EXPECT_TRUE(d.restricted) << target;
    }
    for (std::string_view const target : {"/t/agm-minutes/774", "/p/10003", "/c/general/5", "/viewtopic.php?t=774",
                                          "/u/alice", "/latest", "/old-about", "/t/board-secrets"}) {
        EXPECT_FALSE(resolve_target(target).restricted) << target;
    }
}

// ---------------------------------------------------------------------------------------------
// posts

TEST(resolve_post, short_links)
{
    expect_redirect("/p/10023", "/t/agm-minutes-2019/1774/19");
    expect_redirect("/p/10023/45", "/t/agm-minutes-2019/1774/19"); // the user id is dropped
    expect_redirect("/p/10001", "/t/agm-minutes-2019/1774");       // post 1 is the topic
    expect_redirect("/p/10023?u=bob", "/t/agm-minutes-2019/1774/19");
    expect_redirect("/posts/10023", "/t/agm-minutes-2019/1774/19");
    expect_redirect("/p/15002", "/t/1999/4"); // moved to another topic: no slug
    expect_redirect("/p/14001", "/t/1900");   // topic known only through its posts
    EXPECT_EQ(resolve_target("/p/10023").kind, url_kind::post);
}

TEST(resolve_post, not_migrated)
{
    // Public but not migrated: the nearest migrated post of its topic.
    expect_redirect("/p/10007", post_774(6), reason::nearest_post);
    expect_redirect("/p/10030", post_774(29), reason::nearest_post);
    expect_redirect("/p/11021", "/t/budget-2020/1800/20", reason::nearest_post);
    expect_redirect("/p/14002", "/t/1900", reason::nearest_post);
    // Hidden (deleted, whisper) and not migrated: gone.
    expect_status("/p/10005", 410, reason::not_migrated);
    expect_status("/p/10010", 410, reason::not_migrated);
    expect_status("/p/14003", 410, reason::not_migrated);
    // Its topic was not migrated.
    expect_status("/p/13001", 410, reason::not_migrated);
    expect_status("/posts/13001.json", 410, reason::not_migrated);
    EXPECT_EQ(resolve_target("/p/10005").kind, url_kind::post);
}

TEST(resolve_post, hidden_but_migrated)
{
    // A whisper that was migrated (as a whisper): the link still leads to it; the new forum
    // decides who may see it.
    snapshot_builder b{site_settings{"https://forum.brum.coop", {"old.example"}, {}}};
    b.add(topic_row{1, "t", 101, "t", false});
    b.add(post_row{11, 1, 1, 111, 101, 1, false});
    b.add(post_row{12, 1, 2, 112, 101, 2, true});
    b.add(post_row{13, 1, 3, std::nullopt, std::nullopt, std::nullopt, true});
    auto const snap = b.build();
    decision d = resolve(request{"old.example", "/p/12"}, *snap);
    EXPECT_EQ(d.status, 301);
    EXPECT_EQ(d.location, "https://forum.brum.coop/t/t/101/2");
    d = resolve(request{"old.example", "/p/13"}, *snap);
    EXPECT_EQ(d.status, 410);
    // By number, a hidden post that was not migrated lands on the nearest, like any other.
    d = resolve(request{"old.example", "/t/t/1/3"}, *snap);
    EXPECT_EQ(d.location, "https://forum.brum.coop/t/t/101/2");
    EXPECT_EQ(d.why, reason::nearest_post);
}

TEST(resolve_post, unknown)
{
    expect_status("/p/99999", 404, reason::unknown_id);
    expect_status("/posts/99999.json", 404, reason::unknown_id);
    expect_status("/p/0", 404, reason::unknown_id);
    expect_status("/p/18446744073709551616", 404, reason::unknown_id);
    expect_status("/p/4294977296", 404, reason::unknown_id); // 10000 + 2^32
}

TEST(resolve_post, resources)
{
    expect_redirect("/posts/10023.json", "/posts/20023.json");
    expect_redirect("/posts/10023/raw", "/posts/20023/raw");
    expect_redirect("/posts/10023/cooked", "/posts/20023/cooked");
    expect_redirect("/posts/10023/revisions", "/posts/20023/revisions");
    expect_status("/posts/10005.json", 410, reason::not_migrated);
    expect_status("/posts/10007/raw", 410, reason::not_migrated);
    expect_redirect("/posts/by_number/774/23", "/posts/by_number/1774/19");
    expect_redirect("/posts/by_number/774/23.json", "/posts/by_number/1774/19.json");
    expect_redirect("/posts/by_number/774/7", "/posts/by_number/1774/5", reason::nearest_post);
    expect_redirect("/posts/by_number/777/5", "/posts/by_number/1777/5");
    expect_status("/posts/by_number/776/1", 410, reason::not_migrated);
    expect_status("/posts/by_number/99999/1", 404, reason::unknown_id);
    expect_redirect("/posts/by-date/774/2019-05-01", "/posts/by-date/1774/2019-05-01");
    expect_redirect("/raw/774", "/raw/1774");
    expect_redirect("/raw/774?page=2", "/raw/1774?page=2");
    expect_redirect("/raw/774/23", "/raw/1774/19");
    expect_redirect("/raw/774/1", "/raw/1774/1");
    expect_status("/raw/776", 410, reason::not_migrated);
    expect_status("/raw/99999", 404, reason::unknown_id);
    expect_redirect("/posts.rss", "/posts.rss", reason::site_page);
}

// ---------------------------------------------------------------------------------------------
// categories

TEST(resolve_category, all_forms)
{
    expect_redirect("/c/general/5", "/c/general/12");
    expect_redirect("/c/whatever/5", "/c/general/12"); // slugs ignored when there is an id
    expect_redirect("/c/5", "/c/general/12");
    expect_redirect("/c/working-groups/housing/7", "/c/working-groups/housing-coops/14");
    expect_redirect("/c/general", "/c/general/12");
    expect_redirect("/c/General", "/c/general/12");
    expect_redirect("/c/working-groups/housing", "/c/working-groups/housing-coops/14");
    expect_redirect("/c/housing", "/c/working-groups/housing-coops/14"); // a unique leaf
    expect_redirect("/c/11-category", "/c/misc/17");
    expect_redirect("/c/general/5/l/latest", "/c/general/12/l/latest");
    expect_redirect("/c/general/l/top?period=weekly&utm_source=x", "/c/general/12/l/top?period=weekly");
    expect_redirect("/c/general/5/none", "/c/general/12/none");
    expect_redirect("/c/general/5/all", "/c/general/12/all");
    expect_redirect("/c/general/5/none/l/latest", "/c/general/12/none/l/latest");
    expect_redirect("/c/general/5/subcategories", "/c/general/12/subcategories");
    expect_redirect("/c/general/5.rss", "/c/general/12.rss");
    expect_redirect("/c/general/5.json", "/c/general/12.json");
    expect_redirect("/c/5/show", "/c/12/show");
    expect_redirect("/c/5/show.json", "/c/12/show.json");
    expect_redirect("/category/general", "/c/general/12");
    expect_redirect("/category/working-groups/housing", "/c/working-groups/housing-coops/14");
    expect_redirect("/c/general/5?page=2&order=views", "/c/general/12?page=2&order=views");
    EXPECT_EQ(resolve_target("/c/general/5").kind, url_kind::category);
}

TEST(resolve_category, root_restricted_gone_unknown)
{
    expect_redirect("/c", "/categories", reason::site_page);
    expect_redirect("/category", "/categories", reason::site_page);
    expect_redirect("/c/staff/9", "/c/16");
    expect_redirect("/c/staff", "/c/16");
    expect_redirect("/c/staff/9/l/latest", "/c/16/l/latest");
    expect_status("/c/archive/10", 410, reason::not_migrated);
    expect_status("/c/archive", 410, reason::not_migrated);
    expect_status("/c/nowhere", 404, reason::unknown_id);
    expect_status("/c/nowhere/99", 404, reason::unknown_id);
    expect_status("/c/energy", 404, reason::unknown_id); // two categories end in `energy`
    expect_redirect("/c/events/energy", "/c/events/energy/15");
    expect_status("/c/99-category", 404, reason::unknown_id);
    expect_status("/c/general/4294967301", 404, reason::unknown_id); // 5 + 2^32
    for (std::string_view const target : {"/c/staff/9", "/c/staff", "/c/9/show"}) {
        decision const d = resolve_target(target);
        EXPECT_EQ(d.location.find("staff"), std::string::npos) << target;
    }
}

TEST(resolve_category, tags_in_category)
{
    expect_redirect("/tags/c/general/5/housing", "/tags/c/general/12/homes");
    expect_redirect("/tags/c/working-groups/housing/7/energy/l/top",
                    "/tags/c/working-groups/housing-coops/14/energy/l/top");
    expect_redirect("/tags/c/general/5/unlisted", "/tags/c/general/12/unlisted");
    expect_redirect("/tags/c/staff/9/housing", "/tags/c/16/homes");
    expect_status("/tags/c/general/5/obsolete", 410, reason::not_migrated);
    expect_status("/tags/c/archive/10/housing", 410, reason::not_migrated);
    expect_status("/tags/c/nowhere/99/housing", 404, reason::unknown_id);
    EXPECT_EQ(resolve_target("/tags/c/general/5/housing").kind, url_kind::tag);
}

// ---------------------------------------------------------------------------------------------
// users

TEST(resolve_user, forms)
{
    expect_redirect("/u/John.Smith", "/u/john_smith");
    expect_redirect("/u/john.smith", "/u/john_smith");
    expect_redirect("/u/JOHN.SMITH", "/u/john_smith");
    expect_redirect("/users/john.smith", "/u/john_smith");
    expect_redirect("/u/john.smith/activity", "/u/john_smith/activity");
    expect_redirect("/u/john.smith/activity/topics", "/u/john_smith/activity/topics");
    expect_redirect("/u/john.smith/activity.rss", "/u/john_smith/activity.rss");
    expect_redirect("/u/john.smith/summary", "/u/john_smith/summary");
    expect_redirect("/u/john.smith.json", "/u/john_smith.json");
    expect_redirect("/u/john.smith?utm_source=x", "/u/john_smith");
    expect_redirect("/u/alice", "/u/alice");
    EXPECT_EQ(resolve_target("/u/alice").kind, url_kind::user);
}

TEST(resolve_user, gone_and_unknown)
{
    expect_status("/u/spammer", 410, reason::not_migrated);
    expect_status("/u/Spammer/activity", 410, reason::not_migrated);
    expect_resolves("/u/Unknown_Person", 301, "/u/Unknown_Person", reason::not_in_map);
    expect_resolves("/users/bob.jones/activity", 301, "/u/bob.jones/activity", reason::not_in_map);
    EXPECT_EQ(resolve_target("/u/nobody").what, outcome::pass_through);
    expect_status("/u/by-external/42", 404, reason::unmappable);
    expect_redirect("/u", "/u", reason::site_page);
    expect_redirect("/users", "/users", reason::site_page);
}

TEST(resolve_user, avatars)
{
    expect_redirect("/user_avatar/forum.cooperationbirmingham.org.uk/john.smith/120/3.png",
                    "/user_avatar/forum.brum.coop/john_smith/120/3.png");
    expect_redirect("/user_avatar/evil.example/john.smith/120/3.png", // the old host is not copied
                    "/user_avatar/forum.brum.coop/john_smith/120/3.png");
    expect_resolves("/user_avatar/forum.cooperationbirmingham.org.uk/bob/45/7.png", 301,
                    "/user_avatar/forum.brum.coop/bob/45/7.png", reason::not_in_map);
    expect_status("/user_avatar/forum.cooperationbirmingham.org.uk/spammer/45/7.png", 410, reason::not_migrated);
    expect_redirect("/letter_avatar/john.smith/45/5_abcdef.png", "/letter_avatar/john_smith/45/5_abcdef.png");
    expect_resolves("/letter_avatar/bob/45/5_abcdef.png", 301, "/letter_avatar/bob/45/5_abcdef.png",
                    reason::not_in_map);
}

// ---------------------------------------------------------------------------------------------
// tags

TEST(resolve_tag, forms)
{
    expect_redirect("/tag/housing", "/tag/homes");
    expect_redirect("/tag/HOUSING", "/tag/homes");
    expect_redirect("/tag/housing.rss", "/tag/homes.rss");
    expect_redirect("/tag/housing.json", "/tag/homes.json");
    expect_redirect("/tag/housing/l/latest", "/tag/homes/l/latest");
    expect_redirect("/tag/energy", "/tag/energy");
    expect_redirect("/tags/housing", "/tag/homes"); // the pre-2019 form
    expect_redirect("/tags/intersection/housing/energy", "/tags/intersection/homes/energy");
    expect_resolves("/tags/intersection/housing/solar", 301, "/tags/intersection/homes/solar", reason::not_in_map);
    expect_resolves("/tag/solar", 301, "/tag/solar", reason::not_in_map);
    expect_resolves("/tags/solar", 301, "/tag/solar", reason::not_in_map);
    expect_status("/tag/obsolete", 410, reason::not_migrated);
    expect_status("/tags/intersection/housing/obsolete", 410, reason::not_migrated);
    expect_redirect("/tags", "/tags", reason::site_page);
    EXPECT_EQ(resolve_target("/tag/housing").kind, url_kind::tag);
}

// ---------------------------------------------------------------------------------------------
// uploads

TEST(resolve_upload, forms)
{
    std::string const photo_new = "/uploads/default/original/3X/d/e/" + PHOTO + ".png";
    expect_redirect("/uploads/default/original/1X/" + PHOTO + ".png", photo_new);
    expect_redirect("/uploads/default/original/1X/" + PHOTO + ".PNG", photo_new);
    expect_redirect("/uploads/default/optimized/1X/" + PHOTO + "_2_690x388.png", photo_new);
    expect_redirect("/uploads/default/optimized/2X/d/" + PHOTO + "_1_100x100.jpeg", photo_new);
    expect_redirect("/uploads/default/" + PHOTO + ".png", photo_new);
    expect_redirect("/uploads/short-url/" + PHOTO_BASE62 + ".png", photo_new);
    expect_redirect("/uploads/short-url/" + PHOTO_BASE62, photo_new);
    expect_redirect("/secure-media-uploads/default/original/1X/" + PHOTO + ".png", photo_new);
    expect_redirect("/secure-uploads/original/1X/" + MINUTES + ".pdf",
                    "/secure-uploads/default/original/1X/" + MINUTES + ".pdf");
    expect_redirect("/uploads/default/12/abcdef0123456789.png", "/uploads/default/original/1X/logo.png");
    expect_redirect("/uploads/default/12/abcdef0123456789.png?v=2", "/uploads/default/original/1X/logo.png");
    EXPECT_EQ(resolve_target("/uploads/default/" + PHOTO + ".png").kind, url_kind::upload);
}

TEST(resolve_upload, absolute_cdn_url)
{
    decision const d = resolve_target("/uploads/default/original/1X/" + SHEET + ".jpeg");
    expect_invariants(d, "cdn");
    EXPECT_EQ(d.status, 301);
    EXPECT_EQ(d.location, std::string{CDN} + "/original/1X/" + SHEET + ".jpeg");
}

TEST(resolve_upload, gone_and_unknown)
{
    expect_status("/uploads/default/original/1X/" + SCAN + ".png", 410, reason::not_migrated);
    expect_status("/uploads/default/optimized/1X/" + SCAN + "_2_10x10.png", 410, reason::not_migrated);
    expect_status("/uploads/default/original/1X/" + UNKNOWN + ".png", 404, reason::unknown_id);
    expect_status("/uploads/short-url/" + UNKNOWN_BASE62 + ".png", 404, reason::unknown_id);
    expect_status("/uploads/short-url/not!base62.png", 404, reason::unknown_id);
    expect_status("/uploads/short-url/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz.png", 404, reason::unknown_id);
    expect_status("/uploads/default/12/0000000000000000.png", 404, reason::unknown_id);
    expect_status("/uploads/default/12/ABCDEF0123456789.png", 404, reason::unknown_id); // exact path
}

// ---------------------------------------------------------------------------------------------
// site pages

TEST(resolve_site_page, pass_through)
{
    for (std::string_view const target : {"/latest",
                                          "/latest.rss",
                                          "/latest.json",
                                          "/top",
                                          "/top/weekly",
                                          "/about",
                                          "/faq",
                                          "/guidelines",
                                          "/tos",
                                          "/privacy",
                                          "/sitemap.xml",
                                          "/sitemap_3.xml",
                                          "/sitemap_recent.xml",
                                          "/news.xml",
                                          "/robots.txt",
                                          "/g/board",
                                          "/groups/board/members",
                                          "/badges",
                                          "/badges/1/first-post",
                                          "/categories",
                                          "/categories.json",
                                          "/new",
                                          "/unread",
                                          "/hot",
                                          "/search",
                                          "/letter_avatar_proxy/v4/letter/a/9de0a6/45.png"}) {
        expect_resolves(target, 301, target, reason::site_page);
        EXPECT_EQ(resolve_target(target).what, outcome::pass_through);
        EXPECT_EQ(resolve_target(target).kind, url_kind::site_page);
    }
    expect_resolves("/", 301, "/", reason::site_page);
    expect_resolves("/?utm_source=x", 301, "/", reason::site_page);
    expect_resolves("/latest/", 301, "/latest", reason::site_page);
}

TEST(resolve_site_page, query_parameters)
{
    expect_resolves("/top?period=weekly", 301, "/top?period=weekly", reason::site_page);
    expect_resolves("/search?q=co-op+housing&utm_campaign=x", 301, "/search?q=co-op%20housing", reason::site_page);
    expect_resolves("/latest?order=views&ascending=true&u=bob&fbclid=x&gclid=y&_ga=z&mc_cid=w", 301,
                    "/latest?order=views&ascending=true", reason::site_page);
    expect_resolves("/latest.rss?utm_source=feedburner", 301, "/latest.rss", reason::site_page);
    expect_resolves("/search?q=%22quoted%22%20%26%20more", 301, "/search?q=%22quoted%22%20%26%20more",
                    reason::site_page);
}

// ---------------------------------------------------------------------------------------------
// hosts and normalisation

TEST(resolve_host, hosts)
{
    expect_resolves("/t/774", 301, "/t/agm-minutes-2019/1774", reason::mapped,
                    "www.forum.cooperationbirmingham.org.uk");
    expect_resolves("/t/774", 301, "/t/agm-minutes-2019/1774", reason::mapped, "Forum.CooperationBirmingham.ORG.uk");
    expect_resolves("/t/774", 301, "/t/agm-minutes-2019/1774", reason::mapped,
                    "forum.cooperationbirmingham.org.uk:443");
    expect_resolves("/t/774", 301, "/t/agm-minutes-2019/1774", reason::mapped,
                    "forum.cooperationbirmingham.org.uk:8080");
    expect_resolves("/t/774", 301, "/t/agm-minutes-2019/1774", reason::mapped, ""); // no Host: the main one
    expect_resolves("/t/774", 301, "/t/agm-minutes-2019/1774", reason::mapped, "forum.cooperationbirmingham.org.uk.");
    expect_resolves("/t/774", 301, "/t/agm-minutes-2019/1774", reason::mapped,
                    "forum.cooperationbirmingham.org.uk.:443");
    expect_resolves("/t/774", 404, "", reason::unknown_host, "evil.example");
    expect_resolves("/t/774", 404, "", reason::unknown_host, "forum.brum.coop"); // the new forum itself
    expect_resolves("/t/774", 404, "", reason::unknown_host, "cooperationbirmingham.org.uk");
    expect_resolves("/t/774", 404, "", reason::unknown_host, "forum.cooperationbirmingham.org.uk.evil.example");
    expect_resolves("/t/774", 404, "", reason::unknown_host, "[::1]:80");
    expect_resolves("/", 404, "", reason::unknown_host, "evil.example");
}

TEST(resolve_normalise, equivalent_targets)
{
    for (std::string_view const target :
         {"/t/agm-minutes/774/", "//t//agm-minutes///774", "/%74/agm-minutes/774", "/t/agm-minutes/%37%37%34",
          "/t/./agm-minutes/774", "/t/x/../agm-minutes/774", "/t/agm-minutes/774?", "/t/agm-minutes/774#top",
          "/t/agm-minutes/774/?utm_source=x#y"}) {
        expect_redirect(target, "/t/agm-minutes-2019/1774");
    }
}
