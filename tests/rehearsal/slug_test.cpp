#include "rehearsal/slug.hpp"

#include <gtest/gtest.h>

#include <string>

namespace forumgate::rehearsal {
namespace {

TEST(slug, ascii_titles)
{
    EXPECT_EQ(slug_for("AGM minutes 2019"), "agm-minutes-2019");
    EXPECT_EQ(slug_for("Co-op's AGM"), "co-ops-agm");
    EXPECT_EQ(slug_for("  Hello,   World!  "), "hello-world");
    EXPECT_EQ(slug_for("What's up? (again)"), "whats-up-again");
    EXPECT_EQ(slug_for("snake_case_title"), "snake-case-title");
    EXPECT_EQ(slug_for("a -- b __ c"), "a-b-c");
    EXPECT_EQ(slug_for("---leading and trailing---"), "leading-and-trailing");
    EXPECT_EQ(slug_for("C++ & Rust"), "c-rust");
    EXPECT_EQ(slug_for("Test topic #1"), "test-topic-1");
    EXPECT_EQ(slug_for("50% off: 3 days"), "50-off-3-days");
}

TEST(slug, latin_accents_are_transliterated)
{
    EXPECT_EQ(slug_for("Café co-op — réunion"), "cafe-co-op-reunion");
    EXPECT_EQ(slug_for("Straße"), "strasse");
    EXPECT_EQ(slug_for("Æsir og Ørsted"), "aesir-og-orsted");
    EXPECT_EQ(slug_for("Łódź spotkanie"), "lodz-spotkanie");
    EXPECT_EQ(slug_for("Zoë's Piñata Ümlaut"), "zoes-pinata-umlaut");
    EXPECT_EQ(slug_for("Œuvre þing"), "oeuvre-thing");
    EXPECT_EQ(slug_for("Ĳssel"), "ijssel");
    // A decomposed accent (e + U+0301) gives the same slug as the composed one.
    EXPECT_EQ(slug_for("Cafe\xCC\x81"), "cafe");
    // No approximation: the sign becomes a separator.
    EXPECT_EQ(slug_for("Price÷2 ©2020"), "price-2-2020");
}

TEST(slug, non_latin_titles_fall_back_to_default)
{
    EXPECT_EQ(slug_for("合作社会议"), "topic");
    EXPECT_EQ(slug_for("Зустріч кооперативу"), "topic");
    EXPECT_EQ(slug_for("合作社 AGM 会议"), "agm");
    EXPECT_EQ(slug_for("🎉🎉"), "topic");
    EXPECT_EQ(slug_for(""), "topic");
    EXPECT_EQ(slug_for("合作社", slug_method::ascii, ""), "");
}

TEST(slug, digits_only_gives_default)
{
    EXPECT_EQ(slug_for("2019"), "topic");
    EXPECT_EQ(slug_for("2019!"), "topic");
    EXPECT_EQ(slug_for("20-19"), "20-19");
    EXPECT_EQ(slug_for("2019", slug_method::ascii, ""), "");
}

TEST(slug, emoji_codes_are_stripped)
{
    EXPECT_EQ(slug_for(":tada: Party time :tada:"), "party-time");
    EXPECT_EQ(slug_for("Hi :wave:t2: all"), "hi-all");
    EXPECT_EQ(slug_for(":+1: agreed"), "agreed");
    EXPECT_EQ(slug_for("Meeting at 12:30:45"), "meeting-at-1245");
    EXPECT_EQ(slug_for("a:b"), "a-b");
    EXPECT_EQ(slug_for(":smile:"), "topic");
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
    EXPECT_EQ(slug_for("ab\xC3"), "ab");
}

TEST(slug, encoded_method)
{
    EXPECT_EQ(slug_for("Café co-op réunion", slug_method::encoded), "caf%C3%A9-co-op-r%C3%A9union");
    EXPECT_EQ(slug_for("合作社会议", slug_method::encoded), "%E5%90%88%E4%BD%9C%E7%A4%BE%E4%BC%9A%E8%AE%AE");
    EXPECT_EQ(slug_for("  What's up? (v2.0)  ", slug_method::encoded), "whats-up-v20");
    EXPECT_EQ(slug_for("Zoë   ÉCOLE", slug_method::encoded), "zo%C3%AB-%C3%A9cole");
    EXPECT_EQ(slug_for("2019", slug_method::encoded), "topic");
    std::string const title(300, 'x');
    EXPECT_EQ(slug_for(title, slug_method::encoded).size(), 300U);
}

TEST(slug, none_method_gives_default)
{
    EXPECT_EQ(slug_for("Anything at all", slug_method::none), "topic");
    EXPECT_EQ(slug_for("Anything at all", slug_method::none, ""), "");
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
