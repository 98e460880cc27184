#include "rehearsal/cook.hpp"

#include <gtest/gtest.h>

namespace forumgate::rehearsal {
namespace {

TEST(cook, paragraphs_and_line_breaks)
{
    EXPECT_EQ(cook("Hello there\nsecond line\n\nNew paragraph"),
              "<p>Hello there<br>\nsecond line</p>\n<p>New paragraph</p>");
    EXPECT_EQ(cook(""), "");
    EXPECT_EQ(cook("  \n\n "), "");
}

TEST(cook, escapes_html)
{
    EXPECT_EQ(cook("<script>alert('x')</script> & \"q\""),
              "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>");
}

TEST(cook, links_and_images)
{
    EXPECT_EQ(cook("See [the minutes](/t/agm-minutes/774/3) now"),
              "<p>See <a href=\"/t/agm-minutes/774/3\">the minutes</a> now</p>");
    EXPECT_EQ(cook("https://forum.example.org/t/x/1?page=2&u=bob."),
              "<p><a href=\"https://forum.example.org/t/x/1?page=2&amp;u=bob\">"
              "https://forum.example.org/t/x/1?page=2&amp;u=bob</a>.</p>");
    EXPECT_EQ(cook("![logo|4x3](upload://abc.png)",
                   [](std::string_view) { return std::string{"/uploads/default/original/1X/f.png"}; }),
              "<p><img src=\"/uploads/default/original/1X/f.png\" alt=\"logo\" data-base62-sha1=\"abc\" "
              "width=\"4\" height=\"3\"></p>");
    EXPECT_EQ(cook("[report.pdf|attachment](upload://xyz.pdf) (12 KB)"),
              "<p><a class=\"attachment\" href=\"upload://xyz.pdf\">report.pdf</a> (12 KB)</p>");
}

TEST(cook, inline_markup_and_mentions)
{
    EXPECT_EQ(cook("**bold** and *em* and `a<b` by @ann.lee, not me@example.org"),
              "<p><strong>bold</strong> and <em>em</em> and <code>a&lt;b</code> by "
              "<a class=\"mention\" href=\"/u/ann.lee\">@ann.lee</a>, not me@example.org</p>");
}

TEST(cook, quotes_become_asides)
{
    EXPECT_EQ(cook("[quote=\"sam, post:2, topic:774\"]\nHello world\n[/quote]\n\nI agree"),
              "<aside class=\"quote no-group\" data-username=\"sam\" data-post=\"2\" data-topic=\"774\">\n"
              "<div class=\"title\">\n<div class=\"quote-controls\"></div>\nsam:</div>\n"
              "<blockquote>\n<p>Hello world</p>\n</blockquote>\n</aside>\n<p>I agree</p>");
    // Nested quotes and a display name with username.
    std::string const html = cook("[quote=\"Ann Lee, post:1, topic:5, username:ann\"]\n[quote=\"bob\"]\ninner\n"
                                  "[/quote]\nouter\n[/quote]");
    EXPECT_NE(html.find("data-username=\"ann\""), std::string::npos);
    EXPECT_NE(html.find("Ann Lee:</div>"), std::string::npos);
    EXPECT_NE(html.find("data-username=\"bob\""), std::string::npos);
    EXPECT_NE(html.find("<p>inner</p>"), std::string::npos);
    EXPECT_NE(html.find("<p>outer</p>"), std::string::npos);
    // An unclosed quote is plain text.
    EXPECT_EQ(cook("[quote=\"x\"] nothing"), "<p>[quote=&quot;x&quot;] nothing</p>");
}

TEST(cook, blocks)
{
    EXPECT_EQ(cook("# Title\n- one\n- two\n> quoted\n```ruby\nputs 1 < 2\n```"),
              "<h1>Title</h1>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<blockquote>\n<p>quoted</p>\n"
              "</blockquote>\n<pre><code class=\"lang-ruby\">puts 1 &lt; 2\n</code></pre>");
}

TEST(cook, fancy_titles)
{
    EXPECT_EQ(fancy_title("Co-op's \"big\" AGM... <soon> -- maybe"),
              "Co-op&rsquo;s &ldquo;big&rdquo; AGM&hellip; &lt;soon&gt; &ndash; maybe");
    EXPECT_EQ(fancy_title("Test topic #1"), "Test topic #1");
}

} // namespace
} // namespace forumgate::rehearsal
