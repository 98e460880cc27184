// The HTML report opened in a real browser: headless Chromium renders it, the headline figures
// are in the rendered page, a URL holding markup stays text, the page fits a phone's width,
// its tables sort, and screenshots are taken (kept under the build tree, in
// tests/report/html-report/, to look at). Nothing is loaded from elsewhere.

#include "report/format_html.hpp"

#include "base/text.hpp"
#include "tests/report/sample_report.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace forumgate::report;
using forumgate::testing::run_process;

namespace {

namespace fs = std::filesystem;

fs::path const OUTPUT_DIR{FORUMGATE_REPORT_OUTPUT_DIR};

/// Debian's chromium (scripts/test installs it), or empty.
std::string chromium()
{
    for (auto const *candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
        if (fs::exists(candidate)) {
            return candidate;
        }
    }
    return {};
}

#define REQUIRE_CHROMIUM()                                                                                             \
    if (chromium().empty()) {                                                                                          \
        GTEST_SKIP()                                                                                                   \
            << "chromium is not installed, so the HTML report was not rendered (scripts/test installs Debian's "       \
               "chromium: apt-get install chromium)";                                                                  \
    }

std::string html_of(coverage_report const &r)
{
    std::ostringstream out;
    create_format("html")->write(r, out);
    return out.str();
}

/// Writes `html` to OUTPUT_DIR/name. \return its path.
fs::path save(std::string const &name, std::string const &html)
{
    fs::create_directories(OUTPUT_DIR);
    auto const path = OUTPUT_DIR / name;
    forumgate::testing::write_file(path, html);
    return path;
}

/// Runs headless Chromium on `page` with `extra` arguments. \return what it printed.
forumgate::testing::process_result run_chromium(fs::path const &page, std::vector<std::string> extra)
{
    forumgate::testing::temp_dir profile;
    std::vector<std::string> args = {"--headless",        "--no-sandbox",
                                     "--disable-gpu",     "--disable-dev-shm-usage",
                                     "--hide-scrollbars", "--user-data-dir=" + profile.path().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("file://" + page.string());
    return run_process(chromium(), args, {}, {}, 120);
}

/// The text of the `value` span in the element with id `id` of a rendered page.
std::string headline(std::string const &dom, std::string const &id)
{
    auto const element = dom.find("id=\"" + id + "\"><span class=\"value");
    if (element == std::string::npos) {
        return "(not found)";
    }
    auto const span = dom.find("<span class=\"value", element);
    auto const text = dom.find('>', span) + 1;
    return dom.substr(text, dom.find('<', text) - text);
}

/// The value of the first attribute `name` in a rendered page.
std::string attribute(std::string const &dom, std::string const &name)
{
    auto const at = dom.find(" " + name + "=\"");
    if (at == std::string::npos) {
        return "(not found)";
    }
    auto const start = at + name.size() + 3;
    return dom.substr(start, dom.find('"', start) - start);
}

/// Width and height from a PNG's header, or {0, 0} if it is no PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(fs::path const &file)
{
    std::string const bytes = forumgate::testing::read_file(file);
    if (bytes.size() < 24 || bytes.substr(0, 8) != "\x89PNG\r\n\x1a\n") {
        return {0, 0};
    }
    auto const number = [&](std::size_t at) {
        std::uint32_t value = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            value = (value << 8U) | static_cast<unsigned char>(bytes[at + i]);
        }
        return value;
    };
    return {number(16), number(20)};
}

} // namespace

TEST(html_format, is_self_contained_and_escapes_what_it_quotes)
{
    auto const html = html_of(forumgate::testing::sample_report());
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
    // Nothing from elsewhere: no scripts, styles, images or fonts by URL.
    for (auto const *external : {" src=", "<link", "url(", "@import", "<img", "<iframe"}) {
        EXPECT_EQ(html.find(external), std::string::npos) << external;
    }
    EXPECT_NE(html.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"), std::string::npos);
    // A URL from a log is text, never markup.
    EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
    EXPECT_NE(html.find("/t/&lt;script&gt;alert(1)&lt;/script&gt;/5"), std::string::npos);
    EXPECT_EQ(html.find("viewBox"), std::string::npos); // charts keep their text size on any screen
    EXPECT_NE(html.find("<svg width=\"100%\""), std::string::npos);
    EXPECT_NE(html.find("pattern,replacement,kind\n^/viewtopic\\.php\\?t=(\\d+)$,/t/\\1,rewrite\n"), std::string::npos);
    EXPECT_EQ(forumgate::base::html_escape("<a href=\"x\">'&'</a>"),
              "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(html_format, says_why_every_missed_url_missed)
{
    // "Why URLs miss" lists each cause of a miss, the broken target and the error too, with
    // its outcome; the members-only outcome is its own row of the outcomes, apart from redirected.
    auto const html = html_of(forumgate::testing::sample_report());
    auto const section = html.substr(html.find("<h2>Why URLs miss</h2>"));
    auto const reasons = section.substr(0, section.find("</table>"));
    for (auto const *cause :
         {"id never imported", "unknown shape", "deliberately not migrated", "target broken", "<td>error</td>"}) {
        EXPECT_NE(reasons.find(cause), std::string::npos) << cause << "\n" << reasons;
    }
    EXPECT_NE(html.find("members only</td><td class=\"n\" data-v=\"1\">1</td>"), std::string::npos);
    EXPECT_NE(html.find("1 members-only targets checked as system"), std::string::npos);
}

TEST(html_format, shows_probes_apart_and_search_engines_hits)
{
    auto const html = html_of(forumgate::testing::sample_report());
    EXPECT_NE(html.find("<p class=\"note\" id=\"probes\">Probes (scanners and bots trying the server, not links): "
                        "56 requests (2 exploits, 5 proxy attempts, 40 scanner paths, 9 scanner agents), set apart "
                        "from these figures (--count-probes counts them in).</p>"),
              std::string::npos);
    EXPECT_NE(html.find("<h2>Search engine crawlers</h2>"), std::string::npos);
    EXPECT_NE(html.find("<td>Googlebot</td>"), std::string::npos);
    EXPECT_NE(html.find("<th class=\"n\">crawler hits</th>"), std::string::npos);
}

TEST(html_format, renders_the_headline_figures_in_chromium)
{
    REQUIRE_CHROMIUM();
    auto const page = save("coverage-report.html", html_of(forumgate::testing::sample_report()));
    auto const result = run_chromium(page, {"--dump-dom"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto const &dom = result.out;
    EXPECT_EQ(headline(dom, "coverage-urls"), "50.0%") << dom.substr(0, 4000);
    EXPECT_EQ(headline(dom, "coverage-hits"), "87.9%");
    EXPECT_EQ(headline(dom, "missed"), "6");
    EXPECT_EQ(headline(dom, "members-only"), "1");
    EXPECT_NE(dom.find("of 12 old URLs land on a working page"), std::string::npos);
    EXPECT_NE(dom.find("of 215 hits"), std::string::npos);
    // The injected markup is still text once parsed: no element was made of it.
    EXPECT_EQ(dom.find("<script>alert(1)</script>"), std::string::npos);
    EXPECT_NE(dom.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(html_format, fits_a_phone_and_sorts_its_tables)
{
    REQUIRE_CHROMIUM();
    auto html = html_of(forumgate::testing::sample_report());
    // A probe, run after the report's own script: how wide the page is, and what a click on
    // the hits heading of the missed URLs does.
    std::string const probe = R"(<script>
(function(){
  var body = document.body, th = document.querySelector('#top-missed th');
  function first(){ return document.querySelector('#top-missed tbody tr td.url').textContent; }
  body.setAttribute('data-page-width', document.documentElement.scrollWidth);
  body.setAttribute('data-viewport-width', window.innerWidth);
  // Headless windows are at least 500 pixels wide: narrow the page itself to a small phone's.
  document.documentElement.style.width = '360px';
  var main = document.querySelector('main');
  body.setAttribute('data-phone-width', main.clientWidth);
  body.setAttribute('data-phone-content-width', main.scrollWidth);
  document.documentElement.style.width = '';
  th.click(); body.setAttribute('data-first-ascending', first()); body.setAttribute('data-sort', th.getAttribute('aria-sort'));
  th.click(); body.setAttribute('data-first-descending', first());
})();
</script></body>)";
    html.replace(html.rfind("</body>"), 7, probe);
    auto const page = save("coverage-report-probe.html", html);
    auto const result = run_chromium(page, {"--dump-dom", "--window-size=390,844"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto const &dom = result.out;
    EXPECT_EQ(attribute(dom, "data-page-width"), attribute(dom, "data-viewport-width"))
        << "the page is wider than the window";
    EXPECT_EQ(attribute(dom, "data-phone-width"), "360");
    EXPECT_EQ(attribute(dom, "data-phone-content-width"), "360") << "something is wider than a 360-pixel phone";
    EXPECT_EQ(attribute(dom, "data-sort"), "ascending");
    EXPECT_EQ(attribute(dom, "data-first-ascending"), "/t/x/1");
    EXPECT_EQ(attribute(dom, "data-first-descending"), "/t/some-topic/999");
}

TEST(html_format, screenshots_on_a_desktop_and_a_phone)
{
    REQUIRE_CHROMIUM();
    auto const page = save("coverage-report.html", html_of(forumgate::testing::sample_report()));
    for (auto const &[name, width, height] :
         {std::tuple{"coverage-desktop.png", 1280U, 2400U}, std::tuple{"coverage-phone.png", 390U, 2400U}}) {
        auto const shot = OUTPUT_DIR / name;
        fs::remove(shot);
        auto const result =
            run_chromium(page, {"--screenshot=" + shot.string(),
                                "--window-size=" + std::to_string(width) + "," + std::to_string(height)});
        ASSERT_EQ(result.exit_code, 0) << result.err;
        ASSERT_TRUE(fs::exists(shot)) << result.err;
        EXPECT_EQ(png_size(shot), (std::pair<std::uint32_t, std::uint32_t>{width, height}));
        EXPECT_GT(fs::file_size(shot), 20'000U) << "a blank page?";
    }
}
