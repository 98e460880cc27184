#pragma once
// The map the resolver tests resolve against: a realistic forum (topics with hidden and
// dropped posts, categories, users, tags, uploads on the new forum and a CDN, custom rules),
// and the checks every answer must pass.

#include "mappings/resolver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::testing::resolver_map {

using namespace forumgate::mappings;

inline constexpr std::string_view OLD_HOST = "forum.cooperationbirmingham.org.uk";
inline constexpr std::string_view BASE = "https://forum.brum.coop";
inline constexpr std::string_view CDN = "https://cdn.brum.coop";

// Upload SHA-1s (of short words) and the base62 names Python gives for them.
inline std::string const PHOTO = "de6756810009c13da0038b7c37bb025408e264b4"; // agm-photo
inline std::string const PHOTO_BASE62 = "vJtoJiJU9H2I4kJSa5njmf5cOZm";
inline std::string const SHEET = "2c07695ff3ae03083fe1d284bf43d8e1d31ad247";   // budget-sheet, on the CDN
inline std::string const SCAN = "14e6e631984c6fe9dea845b5a73e9639657dba00";    // secret-scan, not migrated
inline std::string const MINUTES = "ee135d29eaa11fdacfbf2993ddf80cbbc90f581a"; // minutes-pdf, secure upload
inline std::string const UNKNOWN = "50d8b4a941c26b89482c94ab324b5a274f9ced66";
inline std::string const UNKNOWN_BASE62 = "bxcudQxazzUU0QyB9l7rRSy6npc";

// Topic 774: posts 1…45. Hidden (deleted, whisper), not migrated: 5 and 10. Public but not
// migrated: 7, 8, 30. The new topic numbers the rest in sequence.
inline std::set<std::uint32_t> const HIDDEN_774 = {5, 10};
inline std::set<std::uint32_t> const DROPPED_774 = {5, 7, 8, 10, 30};

inline std::uint32_t new_number_774(std::uint32_t old_number)
{
    std::uint32_t dropped_before = 0;
    for (auto const d : DROPPED_774) {
        dropped_before += d < old_number ? 1 : 0;
    }
    return old_number - dropped_before;
}

inline std::shared_ptr<snapshot const> build_map()
{
    snapshot_builder b{site_settings{
        std::string{BASE}, {std::string{OLD_HOST}, "www.forum.cooperationbirmingham.org.uk"}, {"cdn.brum.coop"}}};
    // Topics.
    b.add(topic_row{774, "agm-minutes", 1774, "agm-minutes-2019", false});
    b.add(topic_row{775, "board-secrets", 1775, "board-secrets-new", true});
    b.add(topic_row{776, "spam-thread", std::nullopt, "", false});
    b.add(topic_row{777, "no-post-map", 1777, "no-post-map", false});
    b.add(topic_row{778, "%E6%97%A5%E6%9C%AC", 1778, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", false});
    b.add(topic_row{780, "moved-posts", 1780, "moved-posts", false});
    b.add(topic_row{800, "budget-2020", 1800, "budget-2020", false});
    b.add(topic_row{601, "2019-agm", 1601, "2019-agm", false});

    // Topic 774's posts: ids 10000 + n, new ids 20000 + n.
    for (std::uint32_t n = 1; n <= 45; ++n) {
        bool const hidden = HIDDEN_774.count(n) != 0;
        if (DROPPED_774.count(n) != 0) {
            b.add(post_row{10000 + n, 774, n, std::nullopt, std::nullopt, std::nullopt, hidden});
        } else {
            b.add(post_row{10000 + n, 774, n, 20000 + n, 1774, new_number_774(n), hidden});
        }
    }
    // Topic 775 (restricted): 30 posts, numbers kept.
    for (std::uint32_t n = 1; n <= 30; ++n) {
        b.add(post_row{12000 + n, 775, n, 22000 + n, 1775, n, false});
    }
    // Topic 776 (not migrated): its posts neither.
    for (std::uint32_t n = 1; n <= 3; ++n) {
        b.add(post_row{13000 + n, 776, n, std::nullopt, std::nullopt, std::nullopt, false});
    }
    // Topic 900, known only through its posts: 1 migrated, 2 public not migrated, 3 hidden.
    b.add(post_row{14001, 900, 1, 24001, 1900, 1, false});
    b.add(post_row{14002, 900, 2, std::nullopt, std::nullopt, std::nullopt, false});
    b.add(post_row{14003, 900, 3, std::nullopt, std::nullopt, std::nullopt, true});
    // Topic 780: post 2 was moved to another topic on the new forum.
    b.add(post_row{15001, 780, 1, 25001, 1780, 1, false});
    b.add(post_row{15002, 780, 2, 25002, 1999, 4, false});
    b.add(post_row{15003, 780, 3, 25003, 1780, 2, false});
    // Topic 800: 25 posts, no hidden ones, numbers kept; 21 not migrated, 23 never in the map.
    for (std::uint32_t n = 1; n <= 25; ++n) {
        if (n == 23) {
            continue;
        }
        if (n == 21) {
            b.add(post_row{11000 + n, 800, n, std::nullopt, std::nullopt, std::nullopt, false});
        } else {
            b.add(post_row{11000 + n, 800, n, 21000 + n, 1800, n, false});
        }
    }

    // Categories.
    b.add(category_row{5, "general", 12, "general", false});
    b.add(category_row{6, "working-groups", 13, "working-groups", false});
    b.add(category_row{7, "working-groups/housing", 14, "working-groups/housing-coops", false});
    b.add(category_row{8, "events/energy", 15, "events/energy", false});
    b.add(category_row{23, "projects/energy", 24, "projects/energy", false});
    b.add(category_row{9, "staff", 16, "staff-room", true});
    b.add(category_row{10, "archive", std::nullopt, "", false});
    b.add(category_row{11, "", 17, "misc", false});
    b.add(category_row{20, "events", 21, "events", false});

    // Users and tags.
    b.add(user_row{"John.Smith", "john_smith"});
    b.add(user_row{"Spammer", std::nullopt});
    b.add(user_row{"alice", "alice"});
    b.add(tag_row{"housing", "homes"});
    b.add(tag_row{"energy", "energy"});
    b.add(tag_row{"obsolete", std::nullopt});

    // Uploads.
    b.add(upload_row{"/uploads/default/original/1X/" + PHOTO + ".png",
                     "/uploads/default/original/3X/d/e/" + PHOTO + ".png"});
    b.add(upload_row{"/uploads/default/original/1X/" + SHEET + ".jpeg",
                     std::string{CDN} + "/original/1X/" + SHEET + ".jpeg"});
    b.add(upload_row{"/uploads/default/12/abcdef0123456789.png", "/uploads/default/original/1X/logo.png"});
    b.add(upload_row{"/uploads/default/original/1X/" + SCAN + ".png", std::nullopt});
    b.add(upload_row{"/secure-uploads/original/1X/" + MINUTES + ".pdf",
                     "/secure-uploads/default/original/1X/" + MINUTES + ".pdf"});

    // Custom rules.
    b.add(rule_row{R"(^/viewtopic\.php\?t=(\d+))", "/t/\\1", rule_kind::rewrite});
    b.add(rule_row{R"(^/old-about$)", "/about", rule_kind::redirect});
    b.add(rule_row{R"(^/forum/(.*)$)", "/\\1", rule_kind::redirect});
    b.add(rule_row{R"(^/go/(.*)$)", "/\\1", rule_kind::rewrite});
    b.add(rule_row{R"(^/t/legacy/(.*)$)", "/never/\\1", rule_kind::redirect});
    return b.build();
}

inline snapshot const &map()
{
    static std::shared_ptr<snapshot const> const instance = build_map();
    return *instance;
}

inline decision resolve_target(std::string_view target, std::string_view host = OLD_HOST)
{
    return resolve(request{host, target}, map());
}

// The invariants every decision keeps, whatever the input.
inline void expect_invariants(decision const &d, std::string_view context)
{
    SCOPED_TRACE(context);
    switch (d.status) {
    case 301:
        EXPECT_TRUE(d.what == outcome::redirect || d.what == outcome::pass_through);
        break;
    case 400:
    case 414:
        EXPECT_EQ(d.what, outcome::bad_request);
        break;
    case 404:
        EXPECT_EQ(d.what, outcome::not_found);
        break;
    case 410:
        EXPECT_EQ(d.what, outcome::gone);
        EXPECT_EQ(d.why, reason::not_migrated);
        break;
    default:
        ADD_FAILURE() << "status " << d.status;
    }
    if (d.status != 301) {
        EXPECT_TRUE(d.location.empty()) << d.location;
        return;
    }
    std::string_view const loc = d.location;
    bool const on_new = loc.starts_with(std::string{BASE} + "/");
    bool const on_cdn = loc.starts_with(std::string{CDN} + "/");
    EXPECT_TRUE(on_new || on_cdn) << loc;
    auto const after_scheme = loc.substr(std::min<std::size_t>(loc.size(), 8));
    EXPECT_EQ(after_scheme.find("//"), std::string_view::npos) << loc;
    for (char const c : loc) {
        auto const byte = static_cast<unsigned char>(c);
        EXPECT_FALSE(byte < 0x21 || byte >= 0x7F || c == '\\' || c == '"' || c == '<' || c == '>')
            << "byte " << static_cast<int>(byte) << " in " << loc;
    }
    auto const host_end = after_scheme.find_first_of("/?#");
    auto const host = after_scheme.substr(0, host_end);
    EXPECT_TRUE(host == "forum.brum.coop" || host == "cdn.brum.coop") << loc; // never evil.example
}

// Resolves and checks status, Location and reason.
inline void expect_resolves(std::string_view target, int status, std::string_view location, reason why,
                            std::string_view host = OLD_HOST)
{
    SCOPED_TRACE(std::string{"target: "} + std::string{target});
    decision const d = resolve_target(target, host);
    expect_invariants(d, target);
    EXPECT_EQ(d.status, status);
    EXPECT_EQ(d.location, location.empty() ? std::string{} : std::string{BASE} + std::string{location});
    EXPECT_EQ(to_string(d.why), to_string(why));
}

inline void expect_redirect(std::string_view target, std::string_view location, reason why = reason::mapped)
{
    expect_resolves(target, 301, location, why);
}

inline void expect_status(std::string_view target, int status, reason why)
{
    expect_resolves(target, status, "", why);
}

inline std::string post_774(std::uint32_t old_number)
{
    std::uint32_t const n = new_number_774(old_number);
    return "/t/agm-minutes-2019/1774" + (n > 1 ? "/" + std::to_string(n) : std::string{});
}

} // namespace forumgate::testing::resolver_map
