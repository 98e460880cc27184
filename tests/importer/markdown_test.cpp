// Tests of importer/markdown: the one rule for where a post's markdown is code, which fetch's
// mentions and import's rewrite share.

#include "importer/markdown.hpp"

#include <gtest/gtest.h>

using forumgate::importer::code_mask;
using forumgate::importer::without_code;

TEST(markdown_code, blanks_fenced_blocks_and_inline_spans)
{
    EXPECT_EQ(without_code("a `b` c\n```\nd\n```\ne"), "a     c\n" + std::string(9, ' ') + "\ne");
    EXPECT_EQ(without_code("open ```\nto the end"), "open " + std::string(14, ' '));
}

TEST(markdown_code, an_inline_span_ends_on_its_line)
{
    EXPECT_EQ(without_code("a `b\nc` d"), "a `b\nc` d");
    EXPECT_EQ(without_code("a `b"), "a `b");
}

TEST(markdown_code, a_backtick_inside_a_fenced_block_closes_no_inline_span)
{
    // Before one rule, import's rewrite closed the span at the block's first backtick (so
    // "@zoe" was code) while fetch's mentions did not (so "@zoe" was live).
    std::string const raw = "`@zoe ```x```";
    auto const code = code_mask(raw);
    EXPECT_FALSE(code[0]);
    EXPECT_FALSE(code[1]);
    EXPECT_TRUE(code[6]);
    EXPECT_EQ(without_code(raw), "`@zoe        ");
}

TEST(markdown_code, a_line_break_inside_a_fenced_block_does_not_end_an_inline_span)
{
    EXPECT_EQ(without_code("`a ```\n``` b` @c"), std::string(13, ' ') + " @c");
}
