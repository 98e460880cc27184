// The HTML report opened in a real browser: headless Chromium renders it, the headline figures
// are in the rendered page, a URL holding markup stays text, on a 390-pixel phone nothing sticks
// out of the page and no column is cut (measured in the page, through the DevTools protocol),
// its tables sort, and screenshots are taken (kept under the build tree, in
// tests/report/html-report/, to look at). Nothing is loaded from elsewhere.

#include "report/format_html.hpp"

#include "base/text.hpp"
#include "tests/report/chromium_page.hpp"
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
    // The forums by name, old → new.
    EXPECT_NE(html.find("<title>Coverage of old links: forum.cooperationbirmingham.org.uk → forum.brum.coop</title>"),
              std::string::npos);
    EXPECT_NE(html.find("<span id=\"forums\">forum.cooperationbirmingham.org.uk → forum.brum.coop</span>"),
              std::string::npos);
    // A proposal says what it assumes.
    EXPECT_NE(html.find("<div class=\"note assumes\">Assumes the number is the old forum&#39;s topic id (kept from its "
                        "earlier software); the map gives the new one; the map knows 1 of the 1 URLs.</div>"),
              std::string::npos);
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

namespace {

/// Measures the rendered page, in the page: its width, every element that sticks out of the page
/// (but those inside a box that scrolls sideways), every table cell whose content does not fit
/// it, and for each table its width, its box's width and whether the box scrolls, and the
/// headings of the columns shown.
constexpr std::string_view MEASURE = R"js((function(){
  var width = window.innerWidth, out = {viewport: width, page: document.documentElement.scrollWidth,
                                        outside: [], cut: [], tables: {}};
  function name(el){ return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' +
                            (el.textContent || '').trim().slice(0, 40) + '"'; }
  function scroller(el){
    for (var a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      var o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') return a;
    }
    return null;
  }
  Array.prototype.forEach.call(document.querySelectorAll('main *'), function(el){
    var r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || scroller(el)) return;
    if (r.right > width + 0.5 || r.left < -0.5) out.outside.push(name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  });
  Array.prototype.forEach.call(document.querySelectorAll('table'), function(t){
    var box = t.parentElement, shown = [];
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function(c){
      if (getComputedStyle(c).display !== 'none') shown.push(c.textContent.replace(/[\u2195\u2191\u2193]/g, '').trim());
    });
    Array.prototype.forEach.call(t.querySelectorAll('th, td'), function(c){
      if (getComputedStyle(c).display !== 'none' && c.scrollWidth > c.clientWidth + 1)
        out.cut.push(t.id + ': ' + name(c) + ' needs ' + c.scrollWidth + ' of ' + c.clientWidth);
    });
    out.tables[t.id] = {width: t.getBoundingClientRect().width, box: box.clientWidth,
                        box_right: box.getBoundingClientRect().right, scrolls: getComputedStyle(box).overflowX,
                        columns: shown};
  });
  return out;
})())js";

/// Opens `page` in Chromium at `width`×`height` (a phone when `mobile`) and measures it.
nlohmann::json measure(fs::path const &page, int width, int height, bool mobile)
{
    forumgate::testing::chromium_page browser{chromium(), "file://" + page.string(), width, height, mobile};
    return browser.evaluate(std::string{MEASURE});
}

std::vector<std::string> columns(nlohmann::json const &measured, std::string const &table)
{
    return measured["tables"][table]["columns"].get<std::vector<std::string>>();
}

} // namespace

TEST(html_format, fits_a_390_pixel_phone_without_cutting_a_column)
{
    REQUIRE_CHROMIUM();
    // A report with misses, chains, members-only targets, probes, crawlers and a rule proposal,
    // on a phone's 390-pixel viewport (the DevTools protocol's device emulation: headless windows
    // are at least 500 pixels wide).
    auto const page = save("coverage-report.html", html_of(forumgate::testing::sample_report()));
    auto const phone = measure(page, 390, 844, true);
    EXPECT_EQ(phone["viewport"], 390);
    EXPECT_EQ(phone["page"], 390) << "the page scrolls sideways";
    EXPECT_TRUE(phone["outside"].empty()) << phone["outside"].dump(1);
    EXPECT_TRUE(phone["cut"].empty()) << phone["cut"].dump(1);
    // The summary tables fit whole, their secondary columns dropped; the lists of URLs scroll
    // inside their own box. No box leaves the page.
    for (auto const &[id, table] : phone["tables"].items()) {
        EXPECT_LE(table["box_right"].get<double>(), 390.5) << id;
        bool const fits = table["width"].get<double>() <= table["box"].get<double>() + 0.5;
        if (id == "outcomes" || id == "kinds" || id == "reasons" || id == "crawlers") {
            EXPECT_TRUE(fits) << id << " is cut at the edge of its box: " << table.dump();
        } else {
            EXPECT_TRUE(fits || table["scrolls"] == "auto") << id << ": " << table.dump();
        }
    }
    EXPECT_EQ(columns(phone, "outcomes"), (std::vector<std::string>{"outcome", "URLs", "hits", "crawler hits"}));
    EXPECT_EQ(columns(phone, "top-missed"), (std::vector<std::string>{"hits", "old URL", "outcome", "likely reason"}));
    EXPECT_EQ(columns(phone, "crawlers"), (std::vector<std::string>{"crawler", "hits", "covered", "missed hits"}));

    // On a desktop nothing is dropped.
    auto const desktop = measure(page, 1280, 900, false);
    EXPECT_EQ(desktop["page"], 1280);
    EXPECT_TRUE(desktop["outside"].empty()) << desktop["outside"].dump(1);
    EXPECT_EQ(columns(desktop, "outcomes"),
              (std::vector<std::string>{"outcome", "URLs", "share", "hits", "share", "crawler hits"}));
    EXPECT_EQ(columns(desktop, "top-missed").size(), 8U);
}

TEST(html_format, sorts_its_tables)
{
    REQUIRE_CHROMIUM();
    auto const page = save("coverage-report.html", html_of(forumgate::testing::sample_report()));
    forumgate::testing::chromium_page browser{chromium(), "file://" + page.string(), 390, 844, true};
    auto const sorted = browser.evaluate(R"js((function(){
      var th = document.querySelector('#top-missed th'), out = {};
      function first(){ return document.querySelector('#top-missed tbody tr td.url').textContent; }
      th.click(); out.ascending = first(); out.sort = th.getAttribute('aria-sort');
      th.click(); out.descending = first();
      return out;
    })())js");
    EXPECT_EQ(sorted["sort"], "ascending");
    EXPECT_EQ(sorted["ascending"], "/t/x/1");
    EXPECT_EQ(sorted["descending"], "/t/some-topic/999");
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
