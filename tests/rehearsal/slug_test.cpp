#include "rehearsal/slug.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace forumgate::rehearsal {
namespace {

/// Represents one title and the slug Discourse makes of it with a method and default.
struct slug_case
{
    std::string_view title;
    std::string_view slug;
    slug_method method = slug_method::ascii;
    std::string_view default_slug = "topic";
};

void expect_slugs(std::initializer_list<slug_case> cases)
{
    for (auto const &expected : cases) {
        EXPECT_EQ(slug_for(expected.title, expected.method, expected.default_slug), expected.slug) << expected.title;
    }
}

TEST(slug, ascii_titles)
{
    expect_slugs({
        {"AGM minutes 2019", "agm-minutes-2019"},
        {"Co-op's AGM", "co-ops-agm"},
        {"  Hello,   World!  ", "hello-world"},
        {"What's up? (again)", "whats-up-again"},
        {"snake_case_title", "snake-case-title"},
        {"a -- b __ c", "a-b-c"},
        {"---leading and trailing---", "leading-and-trailing"},
        {"C++ & Rust", "c-rust"},
        {"Test topic #1", "test-topic-1"},
        {"50% off: 3 days", "50-off-3-days"},
    });
}

TEST(slug, latin_accents_are_transliterated)
{
    expect_slugs({
        {"Café co-op — réunion", "cafe-co-op-reunion"},
        {"Straße", "strasse"},
        {"Æsir og Ørsted", "aesir-og-orsted"},
        {"Łódź spotkanie", "lodz-spotkanie"},
        {"Zoë's Piñata Ümlaut", "zoes-pinata-umlaut"},
        {"Œuvre þing", "oeuvre-thing"},
        {"Ĳssel", "ijssel"},
    });
    // A decomposed accent (e + U+0301) gives the same slug as the composed one.
    expect_slugs({{"Cafe\xCC\x81", "cafe"}});
    // No approximation: the sign becomes a separator.
    expect_slugs({{"Price÷2 ©2020", "price-2-2020"}});
}

TEST(slug, non_latin_titles_fall_back_to_default)
{
    expect_slugs({
        {"合作社会议", "topic"},
        {"Зустріч кооперативу", "topic"},
        {"合作社 AGM 会议", "agm"},
        {"🎉🎉", "topic"},
        {"", "topic"},
        {"合作社", "", slug_method::ascii, ""},
    });
}

TEST(slug, digits_only_gives_default)
{
    expect_slugs({
        {"2019", "topic"},
        {"2019!", "topic"},
        {"20-19", "20-19"},
        {"2019", "", slug_method::ascii, ""},
    });
}

TEST(slug, emoji_codes_are_stripped)
{
    expect_slugs({
        {":tada: Party time :tada:", "party-time"},
        {"Hi :wave:t2: all", "hi-all"},
        {":+1: agreed", "agreed"},
        {"Meeting at 12:30:45", "meeting-at-1245"},
        {"a:b", "a-b"},
        {":smile:", "topic"},
    });
}

TEST(slug, truncated_to_255)
{
    std::string const title(300, 'a');
    EXPECT_EQ(slug_for(title).size(), 255U);
    // Truncation happens before trimming: a separator at position 255 is removed.
    std::string const spaced = std::string(254, 'b') + " cde";
    EXPECT_EQ(slug_for(spaced), std::string(254, 'b'));
}

TEST(slug, invalid_utf8_is_a_separator)
{
    EXPECT_EQ(slug_for("ab\xFF"
                       "cd"),
              "ab-cd");
    expect_slugs({{"ab\xC3", "ab"}});
}

TEST(slug, encoded_method)
{
    expect_slugs({
        {"Café co-op réunion", "caf%C3%A9-co-op-r%C3%A9union", slug_method::encoded},
        {"合作社会议", "%E5%90%88%E4%BD%9C%E7%A4%BE%E4%BC%9A%E8%AE%AE", slug_method::encoded},
        {"  What's up? (v2.0)  ", "whats-up-v20", slug_method::encoded},
        {"Zoë   ÉCOLE", "zo%C3%AB-%C3%A9cole", slug_method::encoded},
        {"2019", "topic", slug_method::encoded},
    });
    std::string const title(300, 'x');
    EXPECT_EQ(slug_for(title, slug_method::encoded).size(), 300U);
}

TEST(slug, none_method_gives_default)
{
    expect_slugs({
        {"Anything at all", "topic", slug_method::none},
        {"Anything at all", "", slug_method::none, ""},
    });
}

TEST(slug, method_names)
{
    EXPECT_EQ(parse_slug_method("ascii"), slug_method::ascii);
    EXPECT_EQ(parse_slug_method("encoded"), slug_method::encoded);
    EXPECT_EQ(parse_slug_method("none"), slug_method::none);
    EXPECT_EQ(parse_slug_method("ASCII"), std::nullopt);
    EXPECT_EQ(to_string(slug_method::encoded), "encoded");
}

TEST(slug, utf8_helpers)
{
    EXPECT_EQ(utf8_length("Café"), 4U);
    EXPECT_EQ(utf8_length("合作社"), 3U);
    EXPECT_EQ(lowercase_utf8("ÀÉÎ ŁŚŹ ЗУСТ ΑΒΓ"), "àéî łśź зуст αβγ");
    std::string out;
    append_utf8(out, U'😀');
    std::size_t pos = 0;
    EXPECT_EQ(next_code_point(out, pos), U'😀');
    EXPECT_EQ(pos, 4U);
}

} // namespace
} // namespace forumgate::rehearsal
