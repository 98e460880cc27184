// Sitemaps: parsing urlsets and indexes (entities, CDATA, namespaced extensions), errors that
// name the file and line, and reading whole sets from files (plain and gzip) and over HTTP
// from a real loopback server, following the index.

#include "report/sitemap.hpp"

#include "base/error.hpp"
#include "report/web_fetcher.hpp"
#include "tests/report/loopback_site.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <map>

using namespace forumgate;
using namespace forumgate::report;
using forumgate::testing::loopback_site;
using forumgate::testing::temp_dir;

namespace {

std::string gzip(std::string_view content)
{
    z_stream stream{};
    EXPECT_EQ(deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&stream, content.size()) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(content.data()));
    stream.avail_in = static_cast<uInt>(content.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

std::string urlset(std::vector<std::string> const &urls)
{
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    for (auto const &url : urls) {
        out += "  <url>\n    <loc>" + url + "</loc>\n    <lastmod>2023-10-10T13:55:36Z</lastmod>\n  </url>\n";
    }
    return out + "</urlset>\n";
}

std::string index_of(std::vector<std::string> const &sitemaps)
{
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex "
                      "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
    for (auto const &sitemap : sitemaps) {
        out += "  <sitemap>\n    <loc>" + sitemap + "</loc>\n  </sitemap>\n";
    }
    return out + "</sitemapindex>\n";
}

std::string parse_error(std::string_view xml)
{
    try {
        (void)parse_sitemap(xml, "sitemap_1.xml");
    } catch (input_error const &e) {
        return e.what();
    }
    return "no error";
}

/// Expects parsing `xml` as sitemap_1.xml to fail at `line`, saying `what`.
void expect_refused_at(std::string_view xml, int line, std::string_view what)
{
    EXPECT_EQ(parse_error(xml), "sitemap_1.xml:" + std::to_string(line) + ": " + std::string{what}) << xml;
}

struct fetcher_for_tests
{
    web::request_pacer pacer;
    http_check_options options;
    web_fetcher fetcher{options.client_options(), pacer, options.retry()};
};

} // namespace

TEST(sitemap, parses_a_urlset)
{
    auto const document =
        parse_sitemap(urlset({"https://forum.cooperationbirmingham.org.uk/t/agm-2023-minutes/774",
                              "https://forum.cooperationbirmingham.org.uk/t/proposal-food-co-op/775"}),
                      "sitemap_1.xml");
    EXPECT_FALSE(document.index);
    EXPECT_EQ(document.locations,
              (std::vector<std::string>{"https://forum.cooperationbirmingham.org.uk/t/agm-2023-minutes/774",
                                        "https://forum.cooperationbirmingham.org.uk/t/proposal-food-co-op/775"}));
}

TEST(sitemap, decodes_entities_cdata_and_skips_extensions)
{
    std::string const xml =
        "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- made by Discourse -->\n"
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
        "xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">"
        "<url><loc>\n  https://forum.example/search?q=a&amp;b&#38;c&#x3D;&lt;d&gt;  \n</loc>"
        "<image:image><image:loc>https://forum.example/uploads/a.png</image:loc></image:image></url>"
        "<url><loc><![CDATA[https://forum.example/t/caf&eacute/5]]></loc></url>"
        "<url><loc>https://forum.example/t/caf&#xE9;/6</loc></url>"
        "</urlset>";
    auto const document = parse_sitemap(xml, "sitemap.xml");
    EXPECT_EQ(document.locations, (std::vector<std::string>{"https://forum.example/search?q=a&b&c=<d>",
                                                            "https://forum.example/t/caf&eacute/5",
                                                            "https://forum.example/t/caf\xC3\xA9/6"}));
}

TEST(sitemap, parses_an_index)
{
    auto const document = parse_sitemap(
        index_of({"https://forum.example/sitemap_1.xml", "https://forum.example/sitemap_recent.xml"}), "sitemap.xml");
    EXPECT_TRUE(document.index);
    EXPECT_EQ(document.locations.size(), 2U);
}

TEST(sitemap, errors_name_the_file_and_line)
{
    expect_refused_at("<!DOCTYPE html>\n<html><body>Not found</body></html>", 2,
                      "not a sitemap: the root element is <html>, not <urlset> or <sitemapindex>");
    expect_refused_at("<urlset>\n<url>\n<loc>https://forum.example/t/1", 3, "a <loc> is not closed");
    expect_refused_at("<urlset>\n<url><loc>https://forum.example/t/1</loc></url>\n<url><loc>https://for", 3,
                      "a <loc> is not closed");
    expect_refused_at("<urlset>\n<url><loc>https://forum.example/t/1</loc></url>\n", 3,
                      "the document ends before </urlset> (it was cut short?)");
    expect_refused_at("<urlset>\n\n<url><loc>https://forum.example/?a=1&b=2</loc></url></urlset>", 3,
                      "an & that starts no entity (write &amp;)");
    expect_refused_at("<urlset><url><loc>&nbsp;</loc></url></urlset>", 1, "unknown entity &nbsp;");
    expect_refused_at("<urlset><url><loc> </loc></url></urlset>", 1, "an empty <loc>");
    expect_refused_at("<urlset><url><loc><b>x</b></loc></url></urlset>", 1, "a <loc> holds markup instead of a URL");
    expect_refused_at("", 1, "no root element: not a sitemap");
}

TEST(sitemap, reads_a_saved_set_from_files_following_the_index)
{
    temp_dir dir;
    dir.write("sitemap_1.xml", urlset({"https://forum.example/t/a/1", "https://forum.example/t/b/2"}));
    auto const recent = gzip(urlset({"https://forum.example/t/c/3"}));
    dir.write("sitemap_recent.xml.gz", recent);
    auto const index =
        dir.write("sitemap.xml",
                  index_of({"https://forum.example/sitemap_1.xml", "https://forum.example/sitemap_recent.xml.gz"}));
    fetcher_for_tests http;
    std::vector<std::string> urls;
    auto const totals =
        read_sitemaps(index.string(), http.fetcher, [&](std::string_view url) { urls.emplace_back(url); });
    EXPECT_EQ(totals.documents, 3U);
    EXPECT_EQ(totals.urls, 3U);
    EXPECT_EQ(urls, (std::vector<std::string>{"https://forum.example/t/a/1", "https://forum.example/t/b/2",
                                              "https://forum.example/t/c/3"}));
}

TEST(sitemap, a_bad_sitemap_in_a_set_is_an_error_naming_it)
{
    temp_dir dir;
    dir.write("sitemap_1.xml", "<urlset>\n<url><loc>https://forum.example/t/a/1</loc>\n");
    auto const index = dir.write("sitemap.xml", index_of({"https://forum.example/sitemap_1.xml"}));
    fetcher_for_tests http;
    try {
        (void)read_sitemaps(index.string(), http.fetcher, [](std::string_view) {});
        FAIL() << "no error";
    } catch (input_error const &e) {
        EXPECT_EQ(std::string{e.what()}, (dir.path() / "sitemap_1.xml").string() +
                                             ":3: the document ends before </urlset> (it was cut short?)");
    }
}

TEST(sitemap, reads_a_set_over_http_following_the_index_and_redirects)
{
    loopback_site server;
    // /sitemap.xml moved; the index lists a plain and a gzip sitemap, and the plain one twice.
    server.serve("/sitemap.xml", {301, "text/html", "", {{"Location", "/sitemaps/index.xml"}}});
    server.serve("/sitemaps/index.xml", {200,
                                         "application/xml",
                                         index_of({server.url("/sitemap_1.xml"), server.url("/sitemap_2.xml.gz"),
                                                   server.url("/sitemap_1.xml")}),
                                         {}});
    server.serve("/sitemap_1.xml",
                 {200, "application/xml", urlset({"https://forum.example/t/a/1", "https://forum.example/t/b/2"}), {}});
    server.serve("/sitemap_2.xml.gz", {200, "application/gzip", gzip(urlset({"https://forum.example/t/c/3"})), {}});
    fetcher_for_tests http;
    std::vector<std::string> urls;
    auto const totals =
        read_sitemaps(server.url("/sitemap.xml"), http.fetcher, [&](std::string_view url) { urls.emplace_back(url); });
    EXPECT_EQ(urls, (std::vector<std::string>{"https://forum.example/t/a/1", "https://forum.example/t/b/2",
                                              "https://forum.example/t/c/3"}));
    EXPECT_EQ(totals.documents, 3U);
    EXPECT_EQ(server.asked("/sitemap_1.xml"), 1);
}

TEST(sitemap, a_missing_sitemap_over_http_is_an_error_naming_its_url)
{
    loopback_site server;
    server.serve("/sitemap.xml", {200, "application/xml", index_of({server.url("/sitemap_1.xml")}), {}});
    fetcher_for_tests http;
    try {
        (void)read_sitemaps(server.url("/sitemap.xml"), http.fetcher, [](std::string_view) {});
        FAIL() << "no error";
    } catch (input_error const &e) {
        EXPECT_EQ(std::string{e.what()}, server.url("/sitemap_1.xml") + ": HTTP 404");
    }
}

TEST(sitemap, resolves_references_as_browsers_do)
{
    EXPECT_EQ(resolve_reference("https://forum.example/a/b?x=1", "/c"), "https://forum.example/c");
    EXPECT_EQ(resolve_reference("https://forum.example/a/b?x=1", "c?d"), "https://forum.example/a/c?d");
    EXPECT_EQ(resolve_reference("https://forum.example/a/b", "?page=2"), "https://forum.example/a/b?page=2");
    EXPECT_EQ(resolve_reference("https://forum.example/a/b", "//cdn.example/x.png"), "https://cdn.example/x.png");
    EXPECT_EQ(resolve_reference("http://forum.example/a", "https://forum.brum.coop/t/1"),
              "https://forum.brum.coop/t/1");
    auto const parts = split_url("https://Forum.Brum.Coop:8443/t/x/1?page=2#post");
    ASSERT_TRUE(parts);
    EXPECT_EQ(parts->site.host, "forum.brum.coop");
    EXPECT_EQ(parts->site.port, 8443);
    EXPECT_EQ(parts->target, "/t/x/1?page=2");
    EXPECT_FALSE(split_url("/t/x/1"));
    EXPECT_FALSE(split_url("ftp://forum.example/x"));
}
