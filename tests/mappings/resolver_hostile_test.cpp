// Tests of mappings/resolver against hostile input: custom rules whose captures try to escape,
// open-redirect attempts, control bytes and bad encodings, overlong and deep targets, and
// random targets that must keep the invariants every Location keeps.

#include "mappings/resolver.hpp"
#include "tests/mappings/resolver_map.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace forumgate::mappings;
using namespace forumgate::testing::resolver_map;

// ---------------------------------------------------------------------------------------------
// custom rules

TEST(resolve_rules, rewrite_and_redirect)
{
    expect_redirect("/viewtopic.php?t=774", "/t/agm-minutes-2019/1774", reason::rule);
    expect_redirect("/viewtopic.php?t=774&utm_source=x", "/t/agm-minutes-2019/1774", reason::rule);
    EXPECT_EQ(resolve_target("/viewtopic.php?t=774").kind, url_kind::topic);
    EXPECT_EQ(resolve_target("/viewtopic.php?t=774").what, outcome::redirect);
    expect_status("/viewtopic.php?t=99999", 404, reason::unknown_id);
    expect_status("/viewtopic.php?t=776", 410, reason::not_migrated);
    expect_redirect("/old-about", "/about", reason::rule);
    expect_redirect("/forum/latest", "/latest", reason::rule);
    expect_redirect("/go/t/774/3", "/t/agm-minutes-2019/1774/3", reason::rule);
    expect_redirect("/go/u/alice", "/u/alice", reason::rule);
    expect_status("/go/nowhere", 404, reason::unknown_shape); // a rewrite is resolved without rules
    expect_status("/viewtopic.php?f=3", 404, reason::unknown_shape);
}

TEST(resolve_rules, only_when_no_shape_matched)
{
    // /t/legacy/5 is a topic shape (slug `legacy`, id 5): the map does not have it: 404, no rule.
    expect_status("/t/legacy/5", 404, reason::unknown_id);
    // /t/legacy/x is no topic shape: the rule applies.
    expect_redirect("/t/legacy/x", "/never/x", reason::rule);
    // A known shape wins over a rule that would match it.
    expect_redirect("/forum/x", "/x", reason::rule);
    expect_resolves("/latest", 301, "/latest", reason::site_page);
}

TEST(resolve_rules, captured_text_cannot_escape)
{
    expect_redirect("/forum//evil.example/x", "/evil.example/x", reason::rule);
    expect_redirect("/forum///evil.example", "/evil.example", reason::rule);
    expect_redirect("/forum/%2F%2Fevil.example", "/%2F%2Fevil.example", reason::rule);
    expect_redirect("/forum/\\evil.example", "/%5Cevil.example", reason::rule);
    expect_redirect("/forum/a b", "/a%20b", reason::rule);
    expect_redirect("/forum/a?next=//evil.example", "/a?next=%2F%2Fevil.example", reason::rule);
    expect_redirect("/forum/a?x=1#frag", "/a?x=1", reason::rule);
    expect_status("/forum/100%", 400, reason::malformed); // a bad escape in the path
    expect_redirect("/forum/a?x=100%", "/a?x=100%25", reason::rule);
    expect_redirect("/forum/a?x=%41%2f", "/a?x=%41%2f", reason::rule); // escapes stay as they are
    expect_status("/forum/%0d%0aSet-Cookie:x", 400, reason::malformed);
    expect_status("/forum/x?y=%0d%0aSet-Cookie:x", 400, reason::malformed);
    expect_status("/go//evil.example", 404, reason::unknown_shape);
    expect_status("/go/%2F%2Fevil.example", 404, reason::unknown_shape);
}

// ---------------------------------------------------------------------------------------------
// hostile input

TEST(resolve_hostile, open_redirect_attempts)
{
    for (std::string_view const target :
         {"//evil.example/x", "//evil.example", "/\\evil.example", "/%5Cevil.example", "/%2F%2Fevil.example",
          "/%2f%2fevil.example/t/774", "/%5C%5Cevil.example", "/https://evil.example", "/http:%2F%2Fevil.example",
          "/evil.example", "/@evil.example", "/.evil.example"}) {
        SCOPED_TRACE(target);
        decision const d = resolve_target(target);
        expect_invariants(d, target);
        EXPECT_EQ(d.status, 404);
    }
}

TEST(resolve_hostile, control_bytes_and_bad_encoding)
{
    for (std::string_view const target : {"/t/%0d%0aSet-Cookie:x/774",
                                          "/t/agm-minutes/774%0d%0a",
                                          "/t/agm-minutes/774?x=%0d%0aSet-Cookie:x",
                                          "/t/agm-minutes/774?%0d%0a=1",
                                          "/latest?q=a%0Ab",
                                          "/t/%00/774",
                                          "/t/agm-minutes/774?x=%00",
                                          "/t/agm-minutes/774\r\nSet-Cookie: x",
                                          "/t/agm-minutes/774?x=\r\n",
                                          "/t/a\tb/774",
                                          "/t/%09/774",
                                          "/t/%FF/774",
                                          "/t/%C0%AF/774",
                                          "/t/%ED%A0%80/774",
                                          "/t/%F4%90%80%80/774",
                                          "/t/%zz/774",
                                          "/t/774%",
                                          "/t/774%2",
                                          "/%",
                                          "/u/%E9t%E9",
                                          "t/774",
                                          "",
                                          "*",
                                          "http://evil.example/t/774",
                                          "?x=1"}) {
        SCOPED_TRACE(target);
        decision const d = resolve_target(target);
        expect_invariants(d, target);
        EXPECT_EQ(d.status, 400);
        EXPECT_EQ(d.why, reason::malformed);
    }
    // NUL and raw bytes given as such.
    for (std::string const &target : {std::string{"/t/a\0b/774", 10}, std::string{"/t/774\0", 7},
                                      std::string{"/t/agm-minutes/774?x=\x7F"}, std::string{"/t/\xFF/774"}}) {
        decision const d = resolve_target(target);
        expect_invariants(d, "raw bytes");
        EXPECT_EQ(d.status, 400);
    }
}

TEST(resolve_hostile, bad_query_parameters_are_dropped)
{
    expect_redirect("/t/agm-minutes/774?print=%zz&filter=summary", "/t/agm-minutes-2019/1774?filter=summary");
    expect_redirect("/t/agm-minutes/774?print=%FF", "/t/agm-minutes-2019/1774");
    expect_resolves("/latest?utm_source=%E9t%E9&order=views", 301, "/latest?order=views", reason::site_page);
}

TEST(resolve_hostile, lengths_and_depth)
{
    std::string const long_slug(parsed_url::MAX_TARGET_LENGTH, 'a');
    decision d = resolve_target("/t/" + long_slug + "/774");
    expect_invariants(d, "long");
    EXPECT_EQ(d.status, 414);
    EXPECT_EQ(d.why, reason::too_long);
    std::string const fits = "/t/" + std::string(parsed_url::MAX_TARGET_LENGTH - 7, 'a') + "/774";
    expect_redirect(fits, "/t/agm-minutes-2019/1774");
    d = resolve_target("/t/774?" + std::string(100000, 'x'));
    EXPECT_EQ(d.status, 414);

    std::string deep;
    for (int i = 0; i < 40; ++i) {
        deep += "/a";
    }
    expect_status(deep, 404, reason::unknown_shape);
    expect_status("/t/774" + deep, 404, reason::unknown_shape);
    // Too deep, and bad further on: still a bad request.
    expect_status(deep + "/%0d%0a", 400, reason::malformed);
    expect_status(deep + "/%zz", 400, reason::malformed);
    // A rule still sees a deep path.
    expect_redirect("/forum" + deep, deep, reason::rule);
}

TEST(resolve_hostile, huge_numbers)
{
    expect_status("/t/99999999999999999999999", 404, reason::unknown_id);
    expect_status("/t/slug/4294967296", 404, reason::unknown_id);
    expect_status("/t/slug/4294968070", 404, reason::unknown_id); // 774 + 2^32
    expect_status("/t/slug/18446744073709552390", 404, reason::unknown_id);
    expect_status("/p/18446744073709551616", 404, reason::unknown_id);
    expect_status("/p/4294977319", 404, reason::unknown_id); // 10023 + 2^32
    expect_status("/posts/by_number/4294968070/1", 404, reason::unknown_id);
    expect_status("/raw/4294968070", 404, reason::unknown_id);
    expect_status("/c/general/4294967301", 404, reason::unknown_id);
    expect_status("/tags/c/general/4294967301/housing", 404, reason::unknown_id);
    expect_redirect("/t/agm-minutes/774/18446744073709551616", post_774(45));
}

TEST(resolve_hostile, dot_segments)
{
    expect_status("/t/../../774", 404, reason::unknown_shape);
    expect_redirect("/../../t/774", "/t/agm-minutes-2019/1774");
    expect_redirect("/t/agm-minutes/774/3/..", "/t/agm-minutes-2019/1774");
    expect_redirect("/uploads/../t/774", "/t/agm-minutes-2019/1774");
    expect_redirect("/t/%2e%2e/t/774", "/t/agm-minutes-2019/1774");
}

TEST(resolve_hostile, many_parameters)
{
    std::string target = "/t/agm-minutes/774?";
    for (int i = 0; i < 1000; ++i) {
        target += "utm_x" + std::to_string(i) + "=%0" + std::to_string(i % 10) + "z&";
    }
    decision d = resolve_target(target.substr(0, 4000));
    expect_invariants(d, "many parameters");
    EXPECT_EQ(d.status, 400); // the %0Nz escapes are control bytes

    target = "/latest?";
    for (int i = 0; i < 1000 && target.size() < 4000; ++i) {
        target += "k" + std::to_string(i) + "=v&";
    }
    d = resolve_target(target);
    expect_invariants(d, "many parameters");
    EXPECT_EQ(d.status, 301);
    // Only the first parameters are looked at.
    EXPECT_EQ(static_cast<std::size_t>(std::count(d.location.begin(), d.location.end(), '&')),
              parsed_url::MAX_PARAMS - 1);
}

TEST(resolve_hostile, location_is_only_url_characters)
{
    // Text from the request that ends up in a Location is escaped.
    expect_resolves("/u/a%22b%3Cc%3E", 301, "/u/a%22b%3Cc%3E", reason::not_in_map);
    expect_resolves("/u/%E5%B1%B1%E7%94%B0", 301, "/u/%E5%B1%B1%E7%94%B0", reason::not_in_map);
    expect_resolves("/tag/a%2Fb", 301, "/tag/a%2Fb", reason::not_in_map);
    expect_resolves("/search?q=%3Cscript%3E", 301, "/search?q=%3Cscript%3E", reason::site_page);
}

TEST(resolve_api, scratch_reuse_gives_the_same_answers)
{
    parsed_url scratch;
    for (std::string_view const target :
         {"/t/774/3", "/t/%zz", "/u/John.Smith", "/viewtopic.php?t=774", "/latest?order=x"}) {
        decision const a = resolve(request{OLD_HOST, target}, map(), scratch);
        decision const b = resolve(request{OLD_HOST, target}, map());
        EXPECT_EQ(a.status, b.status) << target;
        EXPECT_EQ(a.location, b.location) << target;
        EXPECT_EQ(a.why, b.why) << target;
    }
}

TEST(resolve_api, names)
{
    EXPECT_EQ(to_string(outcome::pass_through), "pass_through");
    EXPECT_EQ(to_string(outcome::gone), "gone");
    EXPECT_EQ(to_string(reason::nearest_post), "nearest_post");
    EXPECT_EQ(to_string(reason::too_long), "too_long");
}

namespace {

// Pieces the random targets are made of: real shapes and ids in the map...
std::vector<std::string> real_pieces()
{
    return {// The URL shapes.
            "/t", "/p", "/c", "/u", "/tag", "/tags", "/posts", "/raw", "/uploads", "/category", "/user_avatar",
            "/letter_avatar",
            // Prefixes of the custom rules.
            "/forum", "/go", "/viewtopic.php",
            // Words inside paths (uploads, tag intersections, posts by number).
            "/default", "/original", "/1X", "/short-url", "/intersection", "/by_number",
            // Slugs and ids in the map.
            "/agm-minutes", "/774", "/775", "/776", "/777", "/780", "/800", "/900", "/10023", "/12005", "/5", "/7",
            "/9", "/3", "/23",
            // Views and lists.
            "/last", "/print", "/summary", "/l", "/latest", "/none", "/show",
            // Names.
            "/john.smith", "/housing",
            // Uploads.
            "/" + PHOTO + ".png", "/" + PHOTO_BASE62,
            // A restricted topic's slug.
            "/board-secrets",
            // Formats.
            ".json", ".rss"};
}

// ...and hostile bytes.
std::vector<std::string> hostile_pieces()
{
    return {// Slashes and dots.
            "/", "//", "/.", "/..", "%2F", "%2f", "%5C", "\\",
            // Escapes, good and bad.
            "%0d%0a", "%00", "\r\n", " ", "%FF", "%C0%AF", "%ED%A0%80", "%zz", "%", "%7", "%74",
            // Other hosts.
            "evil.example", "//evil.example", "@evil.example",
            // Query strings and fragments.
            "?page=2", "?page=99999999999999999999", "&u=x", "&utm_source=y", "?print=true", "&filter=summary",
            "?t=774", "?q=%3Cx%3E", "#frag",
            // Numbers too large.
            "4294967296", "99999999999999999999999",
            // UTF-8, and a byte that is not.
            "\xE6\x97\xA5", "\xFF",
            // A whole URL.
            "https://evil.example",
            // Punctuation.
            ":", ";", "=", "&", "+", "\"", "<", ">"};
}

std::vector<std::string> random_pieces()
{
    std::vector<std::string> pieces = real_pieces();
    for (auto &piece : hostile_pieces()) {
        pieces.push_back(std::move(piece));
    }
    return pieces;
}

// A random target of 1 to 10 pieces, random bytes and random escapes.
std::string random_target(std::mt19937 &random, std::vector<std::string> const &pieces)
{
    std::string target = random() % 8 == 0 ? "" : "/";
    int const count = static_cast<int>(random() % 10) + 1;
    for (int k = 0; k < count; ++k) {
        switch (random() % 6) {
        case 0: { // a random byte
            target.push_back(static_cast<char>(random() % 256));
            break;
        }
        case 1: { // a random escape
            static constexpr char HEX[] = "0123456789ABCDEFz";
            target.push_back('%');
            target.push_back(HEX[random() % 17]);
            target.push_back(HEX[random() % 17]);
            break;
        }
        default:
            target += pieces[random() % pieces.size()];
        }
    }
    return target;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// property: random targets keep the invariants

// resolve_each reads the map ahead from a guess at each raw target: whatever the guess (an id
// of no topic, one past 32 bits, a slug of digits, a post number taken for a topic id), the
// decisions are resolve()'s, in order, for runs shorter and longer than its read-ahead.
TEST(resolve_each, gives_resolves_decisions_in_order)
{
    std::mt19937 random{20261205};
    std::vector<std::string> const pieces = random_pieces();
    std::vector<std::string> targets = {"/t/774",        "/t/agm-minutes/774/3",
                                        "/t/123/774",    "/t/774/99999999999999999999",
                                        "/p/1",          "/p/18446744073709551616",
                                        "/p/",           "/t/",
                                        "/t//774",       "/t/774abc/3",
                                        "/p/7740",       "/t/776/1?page=2",
                                        "/t/775/2#frag", "/t/x/4294967296",
                                        "/u/John.Smith", ""};
    for (int i = 0; i < 2000; ++i) {
        targets.push_back(random_target(random, pieces));
    }
    std::vector<std::string> const hosts = {std::string{OLD_HOST}, "evil.example", ""};
    for (std::size_t const count : {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{25}, targets.size()}) {
        for (read_ahead const when : {read_ahead::always, read_ahead::never, read_ahead::for_large_maps}) {
            std::vector<std::size_t> order;
            resolve_each(
                count, map(),
                [&](std::size_t i) {
                    return request{hosts[i % hosts.size()], targets[i]};
                },
                [&](std::size_t i, decision const &d) {
                    order.push_back(i);
                    decision const one = resolve(request{hosts[i % hosts.size()], targets[i]}, map());
                    EXPECT_EQ(std::tie(d.status, d.what, d.why, d.kind, d.restricted, d.location),
                              std::tie(one.status, one.what, one.why, one.kind, one.restricted, one.location))
                        << targets[i];
                },
                when);
            ASSERT_EQ(order.size(), count);
            for (std::size_t i = 0; i < order.size(); ++i) {
                ASSERT_EQ(order[i], i);
            }
        }
    }
}

// The read-ahead's guess at what a target looks up.
TEST(resolve_each, lookup_hints)
{
    using kind = lookup_hint::kind;
    auto const hint = [](std::string_view target) {
        lookup_hint const h = lookup_hint_of(target);
        return std::pair{h.what, h.id};
    };
    EXPECT_EQ(hint("/t/agm-minutes/774/3"), std::pair(kind::topic, std::uint64_t{774}));
    EXPECT_EQ(hint("/t/774?page=2"), std::pair(kind::topic, std::uint64_t{774}));
    EXPECT_EQ(hint("/t/agm/774#x"), std::pair(kind::topic, std::uint64_t{774}));
    EXPECT_EQ(hint("/p/123"), std::pair(kind::post, std::uint64_t{123}));
    EXPECT_EQ(hint("/p/123/"), std::pair(kind::post, std::uint64_t{123}));
    for (std::string_view const target :
         {"/t/agm", "/t/", "/p/x", "/u/774", "", "/t/agm/x/774", "/p/99999999999999999999"}) {
        EXPECT_EQ(hint(target).first, kind::none) << target;
    }
}

TEST(resolve_property, random_targets_keep_invariants)
{
    std::mt19937 random{20240611};
    std::vector<std::string> const pieces = random_pieces();
    std::vector<std::string> const hosts = {std::string{OLD_HOST}, "www.forum.cooperationbirmingham.org.uk:8080", "",
                                            "evil.example", "FORUM.cooperationbirmingham.org.uk"};
    int redirects = 0;
    for (int i = 0; i < 5000; ++i) {
        std::string const target = random_target(random, pieces);
        std::string const &host = hosts[random() % hosts.size()];
        decision const d = resolve(request{host, target}, map());
        expect_invariants(d, target);
        redirects += d.status == 301 ? 1 : 0;
        if (::testing::Test::HasFailure()) {
            FAIL() << "target: " << target << " host: " << host;
        }
    }
    EXPECT_GT(redirects, 100); // the generator does reach real shapes
}
