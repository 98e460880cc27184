// Tests of mappings/url_codec: percent-decoding, encoding, UTF-8 checks and small helpers.

#include "base/url_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace forumgate::base;

namespace {

std::optional<std::string> decoded(std::string_view in)
{
    std::string out;
    if (!forumgate::base::append_percent_decoded(out, in)) {
        return std::nullopt;
    }
    return out;
}

std::optional<std::string> form_decoded(std::string_view in)
{
    std::string out;
    if (!forumgate::base::append_form_decoded(out, in)) {
        return std::nullopt;
    }
    return out;
}

std::string segment(std::string_view in)
{
    std::string out;
    forumgate::base::append_encoded_segment(out, in);
    return out;
}

std::string query_component(std::string_view in)
{
    std::string out;
    forumgate::base::append_encoded_query_component(out, in);
    return out;
}

} // namespace

TEST(percent_decode, plain_text_unchanged)
{
    EXPECT_EQ(decoded(""), "");
    EXPECT_EQ(decoded("abc-._~"), "abc-._~");
    EXPECT_EQ(decoded("a+b"), "a+b"); // `+` is only a space in forms
}

TEST(percent_decode, escapes_both_cases)
{
    EXPECT_EQ(decoded("%74"), "t");
    EXPECT_EQ(decoded("%2F%2f"), "//");
    EXPECT_EQ(decoded("a%20b"), "a b");
    EXPECT_EQ(decoded("%E6%97%a5"), "\xE6\x97\xA5");
    EXPECT_EQ(decoded("%00"), std::string(1, '\0'));
    EXPECT_EQ(decoded("%0d%0A"), "\r\n");
    EXPECT_EQ(decoded("%25"), "%");
    EXPECT_EQ(decoded("%2541"), "%41"); // decoded once only
}

TEST(percent_decode, malformed_escapes)
{
    for (std::string_view const text : {"%", "abc%", "%4", "abc%4", "%zz", "%g1", "%1g", "%%41", "% 1"}) {
        EXPECT_FALSE(decoded(text)) << text;
    }
}

TEST(percent_decode, appends)
{
    std::string out = "x";
    ASSERT_TRUE(forumgate::base::append_percent_decoded(out, "%41"));
    EXPECT_EQ(out, "xA");
}

TEST(form_decode, plus_is_space)
{
    EXPECT_EQ(form_decoded("a+b"), "a b");
    EXPECT_EQ(form_decoded("a%2Bb"), "a+b");
    EXPECT_FALSE(form_decoded("a%"));
}

TEST(encode_segment, keeps_unreserved_and_safe_sub_delimiters)
{
    EXPECT_EQ(segment("agm-minutes_2019.~"), "agm-minutes_2019.~");
    EXPECT_EQ(segment("a!$()*+,:@&"), "a!$()*+,:@&");
}

TEST(encode_segment, escapes_structure_and_unsafe_bytes)
{
    EXPECT_EQ(segment("/"), "%2F");
    EXPECT_EQ(segment("\\"), "%5C");
    EXPECT_EQ(segment("%"), "%25");
    EXPECT_EQ(segment("?#"), "%3F%23");
    EXPECT_EQ(segment(" "), "%20");
    EXPECT_EQ(segment("\r\n"), "%0D%0A");
    EXPECT_EQ(segment(std::string(1, '\0')), "%00");
    EXPECT_EQ(segment(";="), "%3B%3D");
    EXPECT_EQ(segment("'\"<>"), "%27%22%3C%3E");
    EXPECT_EQ(segment("\xE6\x97\xA5"), "%E6%97%A5");
    EXPECT_EQ(segment("\x7F\xFF"), "%7F%FF");
}

TEST(encode_segment, round_trips_every_byte)
{
    std::string all;
    for (int c = 0; c < 256; ++c) {
        all.push_back(static_cast<char>(c));
    }
    std::string const encoded = segment(all);
    for (char const c : encoded) {
        EXPECT_FALSE(c == '/' || c == '\\' || c == '?' || c == '#' || c == ' ' ||
                     static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            << "unsafe byte " << static_cast<int>(static_cast<unsigned char>(c));
    }
    EXPECT_EQ(decoded(encoded), all);
}

TEST(encode_segment, a_plain_segment_is_one_encoding_leaves_unchanged)
{
    for (std::string_view const segment :
         {"agm-minutes-2019", "a.b_c~d", "caf$(x)", "", "caf\xc3\xa9", "a/b", "50%", "a b", "x;y", "t=1"}) {
        std::string encoded;
        append_encoded_segment(encoded, segment);
        EXPECT_EQ(is_plain_segment(segment), encoded == segment) << segment;
    }
}

TEST(encode_query, escapes_everything_but_unreserved)
{
    EXPECT_EQ(query_component("weekly"), "weekly");
    EXPECT_EQ(query_component("a b&c=d"), "a%20b%26c%3Dd");
    EXPECT_EQ(query_component("a+b/c?"), "a%2Bb%2Fc%3F");
    EXPECT_EQ(query_component("\r\n"), "%0D%0A");
    std::string all;
    for (int c = 0; c < 256; ++c) {
        all.push_back(static_cast<char>(c));
    }
    EXPECT_EQ(form_decoded(query_component(all)), all);
}

TEST(utf8, valid)
{
    EXPECT_TRUE(forumgate::base::is_valid_utf8(""));
    EXPECT_TRUE(forumgate::base::is_valid_utf8("plain ascii"));
    EXPECT_TRUE(forumgate::base::is_valid_utf8("caf\xC3\xA9"));              // é
    EXPECT_TRUE(forumgate::base::is_valid_utf8("\xE6\x97\xA5\xE6\x9C\xAC")); // 日本
    EXPECT_TRUE(forumgate::base::is_valid_utf8("\xF0\x9F\x98\x80"));         // U+1F600
    EXPECT_TRUE(forumgate::base::is_valid_utf8("\xF4\x8F\xBF\xBF"));         // U+10FFFF
    EXPECT_TRUE(forumgate::base::is_valid_utf8("\xED\x9F\xBF"));             // U+D7FF, just below surrogates
    EXPECT_TRUE(forumgate::base::is_valid_utf8("\xEE\x80\x80"));             // U+E000, just above
    EXPECT_TRUE(forumgate::base::is_valid_utf8(std::string_view{"\0", 1}));
}

TEST(utf8, next_character)
{
    using forumgate::base::next_utf8;
    std::string_view const text = "a\xC3\xA9\xF0\x9F\x98\x80\xFF\xE6\x97";
    std::size_t pos = 0;
    EXPECT_EQ(next_utf8(text, pos), U'a');
    EXPECT_EQ(pos, 1U);
    EXPECT_EQ(next_utf8(text, pos), U'\u00E9');
    EXPECT_EQ(pos, 3U);
    EXPECT_EQ(next_utf8(text, pos), U'\U0001F600');
    EXPECT_EQ(pos, 7U);
    EXPECT_EQ(next_utf8(text, pos), std::nullopt); // not a lead byte: one byte on
    EXPECT_EQ(pos, 8U);
    EXPECT_EQ(next_utf8(text, pos), std::nullopt); // cut short: one byte on
    EXPECT_EQ(pos, 9U);
    pos = 0;
    EXPECT_EQ(next_utf8("\xED\xA0\x80", pos), std::nullopt); // surrogate
    EXPECT_EQ(pos, 1U);
}

TEST(utf8, invalid)
{
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xFF"));
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xFE"));
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\x80"));                 // lone continuation byte
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xC0\xAF"));             // overlong '/'
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xC1\xBF"));             // overlong
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xE0\x80\xAF"));         // overlong 3-byte
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xF0\x80\x80\xAF"));     // overlong 4-byte
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xED\xA0\x80"));         // U+D800 surrogate
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xED\xBF\xBF"));         // U+DFFF surrogate
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xF4\x90\x80\x80"));     // U+110000
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xF8\x88\x80\x80\x80")); // 5-byte form
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xC3"));                 // truncated
    EXPECT_FALSE(forumgate::base::is_valid_utf8("\xE6\x97"));             // truncated
    EXPECT_FALSE(forumgate::base::is_valid_utf8("caf\xC3("));             // bad continuation
    EXPECT_FALSE(forumgate::base::is_valid_utf8("caf\xE9"));              // Latin-1 é
}

TEST(control_bytes, detected)
{
    for (std::string_view const text : {"", "plain text ~!", "\xE6\x97\xA5"}) {
        EXPECT_FALSE(forumgate::base::has_control_bytes(text)) << text;
    }
    using namespace std::string_view_literals;
    for (std::string_view const text : {"a\rb"sv, "a\nb"sv, "\t"sv, "a\0b"sv, "\x1F"sv, "\x7F"sv}) {
        EXPECT_TRUE(forumgate::base::has_control_bytes(text)) << text;
    }
}

// The scans read 8 bytes at a time: every byte value at every offset of texts of 1 to 24 bytes
// (whole words, a word and a tail, a tail alone), against the byte-by-byte definition.
TEST(control_bytes, every_byte_at_every_offset)
{
    for (std::size_t length = 1; length <= 24; ++length) {
        for (std::size_t at = 0; at < length; ++at) {
            for (int byte = 0; byte < 256; ++byte) {
                std::string text(length, 'a');
                text[at] = static_cast<char>(byte);
                bool const control = byte < 0x20 || byte == 0x7F;
                ASSERT_EQ(forumgate::base::has_control_bytes(text), control)
                    << "byte " << byte << " at " << at << " of " << length;
            }
        }
    }
}

TEST(utf8, every_sequence_at_every_offset)
{
    using namespace std::string_view_literals;
    // Valid and invalid sequences placed at every offset of an ASCII text, so that they fall
    // across and after the 8-byte words an ASCII run is skipped by.
    for (std::string_view const sequence : {"\xC3\xA9"sv, "\xE6\x97\xA5"sv, "\xF0\x9F\x98\x80"sv, "\x80"sv, "\xFF"sv,
                                            "\xC3"sv, "\xE6\x97"sv, "\xED\xA0\x80"sv, "\xC0\xAF"sv}) {
        std::size_t pos = 0;
        bool valid = true;
        while (pos < sequence.size()) {
            bool const read = forumgate::base::next_utf8(sequence, pos).has_value();
            valid = valid && read;
        }
        for (std::size_t before = 0; before <= 17; ++before) {
            for (std::size_t after : {0U, 1U, 7U, 8U, 9U}) {
                std::string const text = std::string(before, 'x') + std::string{sequence} + std::string(after, 'y');
                ASSERT_EQ(forumgate::base::is_valid_utf8(text), valid)
                    << "sequence of " << sequence.size() << " bytes after " << before << ", before " << after;
            }
        }
    }
}

TEST(digits, is_digits)
{
    EXPECT_TRUE(forumgate::base::is_digits("0"));
    EXPECT_TRUE(forumgate::base::is_digits("0123456789"));
    for (std::string_view const text : {"", "12a", "-1", "+1", " 1", "1.0"}) {
        EXPECT_FALSE(forumgate::base::is_digits(text)) << text;
    }
}

TEST(digits, parse_uint)
{
    EXPECT_EQ(forumgate::base::parse_uint("0"), 0U);
    EXPECT_EQ(forumgate::base::parse_uint("774"), 774U);
    EXPECT_EQ(forumgate::base::parse_uint("000774"), 774U);
    EXPECT_EQ(forumgate::base::parse_uint("4294967296"), 4294967296ULL);
    EXPECT_EQ(forumgate::base::parse_uint("18446744073709551615"), UINT64_MAX);
    EXPECT_EQ(forumgate::base::parse_uint("18446744073709551616"), std::nullopt);
    EXPECT_EQ(forumgate::base::parse_uint("18446744073709551620"), std::nullopt);
    EXPECT_EQ(forumgate::base::parse_uint("99999999999999999999999"), std::nullopt);
    EXPECT_EQ(forumgate::base::parse_uint(""), std::nullopt);
    EXPECT_EQ(forumgate::base::parse_uint("1x"), std::nullopt);
    EXPECT_EQ(forumgate::base::parse_uint("-1"), std::nullopt);
    // The bytes either side of the digits, and a non-ASCII byte, anywhere.
    for (std::string_view const text : {"1/", "/1", "1:", ":1", "+1", " 1", "1\xC3\xA9", "\xFF"}) {
        EXPECT_EQ(forumgate::base::parse_uint(text), std::nullopt) << text;
    }
}

TEST(ascii_case, lower_and_iequals)
{
    EXPECT_EQ(forumgate::base::ascii_lower("Forum.Example-ORG"), "forum.example-org");
    EXPECT_EQ(forumgate::base::ascii_lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9"); // non-ASCII untouched
    EXPECT_EQ(forumgate::base::ascii_lower(""), "");
    EXPECT_TRUE(forumgate::base::iequals("John.Smith", "john.SMITH"));
    EXPECT_TRUE(forumgate::base::iequals("", ""));
    EXPECT_FALSE(forumgate::base::iequals("john", "johnny"));
    EXPECT_FALSE(forumgate::base::iequals("john", "jo_n"));
    EXPECT_FALSE(forumgate::base::iequals("[", "{")); // 0x5B vs 0x7B: not letters, not equal
    EXPECT_FALSE(forumgate::base::iequals("@", "`"));
}

TEST(pieces, between_separators_empty_ones_included)
{
    std::vector<std::string_view> pieces;
    std::string_view const text = "/c/meta//7";
    std::size_t pos = 0;
    while (pos <= text.size()) {
        pieces.push_back(next_piece(text, '/', pos));
    }
    EXPECT_EQ(pieces, (std::vector<std::string_view>{"", "c", "meta", "", "7"}));
    EXPECT_EQ(pos, text.size() + 1);
    pos = 0;
    EXPECT_EQ(next_piece("", '&', pos), "");
    EXPECT_EQ(pos, 1U);
}
