// Reading access-log lines as nginx and Apache write them: the combined and common formats,
// the odd lines real servers log (no request, TLS bytes on a plain port, HTTP/0.9, proxies'
// absolute URLs, escaped bytes and quotes), and lines that are not in the format at all.

#include "report/access_log.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

using namespace forumgate::report;

namespace {

struct parsed
{
    log_line_kind kind = log_line_kind::blank;
    std::string method;
    std::string target;
    int status = 0;
    std::string date;
    std::string problem;

    bool operator==(parsed const &) const = default;
};

void PrintTo(parsed const &p, std::ostream *out)
{
    *out << "{kind " << static_cast<int>(p.kind) << ", " << p.method << " " << p.target << ", status " << p.status
         << ", " << p.date << ", problem '" << p.problem << "'}";
}

/// What parse() gives for a line with a usable request.
parsed request_line(std::string method, std::string target, int status, std::string date)
{
    return {log_line_kind::request, std::move(method), std::move(target), status, std::move(date), {}};
}

parsed parse(std::string const &line)
{
    log_request request;
    std::string scratch;
    std::string_view problem;
    parsed out;
    out.kind = parse_log_line(line, request, scratch, problem);
    if (out.kind == log_line_kind::request) {
        out.method = request.method;
        out.target = request.target;
        out.status = request.status;
        out.date = date_of_day(request.day);
    }
    out.problem = problem;
    return out;
}

} // namespace

TEST(access_log, reads_an_nginx_combined_line)
{
    auto const p = parse(
        R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0100] "GET /t/agm-2023-minutes/774/3?u=alice HTTP/1.1" 200 5123 )"
        R"("https://www.google.com/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Safari/537.36")");
    EXPECT_EQ(p, request_line("GET", "/t/agm-2023-minutes/774/3?u=alice", 200, "2023-10-10"));
}

TEST(access_log, reads_apache_lines_with_escaped_quotes_and_users)
{
    // Apache escapes a quote in the request or user agent as \" and a backslash as \\.
    auto const p = parse(
        R"(198.51.100.23 - alice [01/Mar/2024:00:00:01 -0500] "GET /search?q=\"co-op housing\" HTTP/1.1" 200 812 )"
        R"("-" "curl/8.4.0 \"quoted\"")");
    EXPECT_EQ(p, request_line("GET", R"(/search?q="co-op housing")", 200, "2024-03-01"));

    auto const head =
        parse(R"(::1 - - [29/Feb/2024:23:59:59 +0000] "HEAD /latest.rss HTTP/1.0" 304 - "-" "Feedly/1.0")");
    EXPECT_EQ(head, request_line("HEAD", "/latest.rss", 304, "2024-02-29"));
}

TEST(access_log, reads_common_vhost_and_longer_formats)
{
    // Common log format: no referrer, no user agent.
    auto const common = parse(R"(10.0.0.1 - - [05/Jan/2022:08:00:00 +0000] "GET /c/general/5 HTTP/1.1" 200 1024)");
    ASSERT_EQ(common.kind, log_line_kind::request) << common.problem;
    EXPECT_EQ(common.target, "/c/general/5");
    // Apache's vhost_combined: the virtual host and port first.
    auto const vhost = parse(
        R"(forum.cooperationbirmingham.org.uk:443 10.0.0.2 - - [05/Jan/2022:08:00:01 +0000] "GET /u/alice HTTP/2.0" 200 77 "-" "-")");
    ASSERT_EQ(vhost.kind, log_line_kind::request) << vhost.problem;
    EXPECT_EQ(vhost.target, "/u/alice");
    // nginx with $request_time and $upstream_response_time after the user agent; IPv6 client.
    auto const longer = parse(
        R"(2001:db8::1 - - [05/Jan/2022:08:00:02 +0000] "GET /p/9001 HTTP/1.1" 301 0 "-" "Mozilla/5.0" 0.003 "0.002")");
    ASSERT_EQ(longer.kind, log_line_kind::request) << longer.problem;
    EXPECT_EQ(longer.target, "/p/9001");
    EXPECT_EQ(longer.status, 301);
}

TEST(access_log, undoes_escapes_of_bytes)
{
    // nginx writes bytes outside printable ASCII, quotes and backslashes as \xHH.
    auto const p = parse(
        R"(203.0.113.9 - - [10/Oct/2023:13:55:36 +0000] "GET /t/caf\xC3\xA9/5?q=\x22a\x22 HTTP/1.1" 404 150 "-" "-")");
    ASSERT_EQ(p.kind, log_line_kind::request) << p.problem;
    EXPECT_EQ(p.target, "/t/caf\xC3\xA9/5?q=\"a\"");
}

TEST(access_log, tells_lines_without_a_usable_request)
{
    // A connection closed before sending anything (nginx logs "-" with 400) ...
    EXPECT_EQ(parse(R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "-" 400 0 "-" "-")").kind,
              log_line_kind::no_request);
    // ... a TLS handshake sent to the plain-HTTP port ...
    EXPECT_EQ(
        parse(
            R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-")")
            .kind,
        log_line_kind::no_request);
    // ... and an empty request line.
    EXPECT_EQ(parse(R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "" 400 0 "-" "-")").kind,
              log_line_kind::no_request);
    EXPECT_EQ(parse("").kind, log_line_kind::blank);
    EXPECT_EQ(parse("   ").kind, log_line_kind::blank);
}

TEST(access_log, reads_http_0_9_and_absolute_targets)
{
    auto const old = parse(R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET /latest" 200 10 "-" "-")");
    ASSERT_EQ(old.kind, log_line_kind::request);
    EXPECT_EQ(old.target, "/latest");
    auto const proxy = parse(
        R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET http://forum.cooperationbirmingham.org.uk/t/774 HTTP/1.1" 301 0 "-" "-")");
    ASSERT_EQ(proxy.kind, log_line_kind::request);
    EXPECT_EQ(proxy.target, "http://forum.cooperationbirmingham.org.uk/t/774");
    auto const post =
        parse(R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "POST /topics/timings HTTP/1.1" 200 0 "-" "-")");
    ASSERT_EQ(post.kind, log_line_kind::request);
    EXPECT_EQ(post.method, "POST");
}

TEST(access_log, says_what_is_wrong_with_a_malformed_line)
{
    struct bad
    {
        std::string line;
        std::string problem; ///< a part of the message
    };
    for (auto const &[line, problem] : std::initializer_list<bad>{
             {R"({"time":"2023-10-10T13:55:36Z","request":"GET / HTTP/1.1","status":200})", "no [time] field"},
             {R"(203.0.113.7 [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 1)", "fewer than three fields"},
             {R"(203.0.113.7 - - [10/Oct/2023 13:55:36 +0000] "GET / HTTP/1.1" 200 1)", "not DD/Mon/YYYY"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000)", "not closed"},
             {R"(203.0.113.7 - - [10/Okt/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 1)", "not DD/Mon/YYYY"},
             {R"(203.0.113.7 - - [2023-10-10T13:55:36+00:00] "GET / HTTP/1.1" 200 1)", "not DD/Mon/YYYY"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] GET / HTTP/1.1 200 1)", "no quoted request line"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET /t/agm-2023-min)", "no closing quote"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" OK 1)", "three-digit status"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 2000 1)", "three-digit status"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200)", "no size"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 12kb "-" "-")",
              "neither a number nor -"},
         }) {
        auto const p = parse(line);
        EXPECT_EQ(p.kind, log_line_kind::malformed) << line;
        EXPECT_NE(p.problem.find(problem), std::string::npos) << line << "\n -> " << p.problem;
    }
}

TEST(access_log, counts_days_across_calendars)
{
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(date_of_day(0), "1970-01-01");
    EXPECT_EQ(date_of_day(days_from_civil(2000, 2, 29)), "2000-02-29");
    EXPECT_EQ(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);
    EXPECT_EQ(days_from_civil(2023, 3, 1) - days_from_civil(2023, 2, 28), 1);
    EXPECT_EQ(date_of_day(days_from_civil(2099, 12, 31)), "2099-12-31");
}
