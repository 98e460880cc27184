// Reading access-log lines as real servers write them: the combined family without being told
// (common, combined, vhost_combined, extra fields, Traefik, syslog and docker-compose prefixes,
// localized months, status -), the odd lines real servers log (no request, TLS bytes on a plain
// port, HTTP/0.9, proxies' absolute URLs, escaped bytes and quotes), any layout given as nginx's
// or Apache's format string, lines that are not in the layout at all, and a corpus of real
// lines from public log-parser test suites (tests/fixtures/access-logs/README.md).

#include "report/access_log.hpp"

#include "base/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
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

parsed parse(std::string const &line, log_format const *format = nullptr)
{
    log_request request;
    log_scratch scratch;
    std::string_view problem;
    parsed out;
    out.kind = format != nullptr ? format->parse(line, request, scratch, problem)
                                 : parse_log_line(line, request, scratch, problem);
    if (out.kind == log_line_kind::request) {
        out.method = request.method;
        out.target = request.target;
        out.status = request.status;
        out.date = request.day == UNKNOWN_DAY ? "unknown" : date_of_day(request.day);
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
             {R"(203.0.113.7 - - [10/Oct/2023 13:55:36 +0000] "GET / HTTP/1.1" 200 1)", "not DD/Mon/YYYY"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000)", "not closed"},
             {R"(203.0.113.7 - - [10/Foo/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 1)", "not DD/Mon/YYYY"},
             {R"(203.0.113.7 - - [2023-13-10T13:55:36+00:00] "GET / HTTP/1.1" 200 1)", "not DD/Mon/YYYY"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] GET / HTTP/1.1 200 1)", "no quoted request line"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET /t/agm-2023-min)", "no closing quote"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" OK 1)", "three-digit status"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 2000 1)", "three-digit status"},
             {R"(203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1")", "three-digit status"},
             {R"(Jan 31 14:29:44 host nginx: hello world)", "no [time] field"},
         }) {
        auto const p = parse(line);
        EXPECT_EQ(p.kind, log_line_kind::malformed) << line;
        EXPECT_NE(p.problem.find(problem), std::string::npos) << line << "\n -> " << p.problem;
    }
}

TEST(access_log, reads_the_lines_real_servers_write_that_it_refused)
{
    // Each of these was counted as malformed before, though a person reads an ordinary request.
    struct line_case
    {
        std::string line;
        parsed expected;
    };
    for (
        auto const &[line, expected] : std::initializer_list<line_case>{
            // status - (a request that never got one)
            {R"L(83.149.9.216 - a.user [11/Jan/2020:23:05:27 +0100] "OPTIONS /remote.php/ HTTP/1.1" - 7908 "-" "monitoring-client (v2.2)")L",
             request_line("OPTIONS", "/remote.php/", 0, "2020-01-11")},
            // two spaces between fields, and before the request
            {R"(175.18.15.10 -  -  [02/Oct/2015:00:11:31 +0200]  "GET /uploads/default/original/1X/a.png HTTP/1.1" 499 0 "-" "-")",
             request_line("GET", "/uploads/default/original/1X/a.png", 499, "2015-10-02")},
            // a missing ident or user field
            {R"(192.168.1.1 - [08/Jun/2020:08:04:43 +0000] "GET /t/774 HTTP/1.1" 200 1 "-" "-")",
             request_line("GET", "/t/774", 200, "2020-06-08")},
            // an X-Forwarded-For list for the client
            {R"(10.0.0.1, 203.0.113.7 - - [08/Jun/2020:08:04:43 +0000] "GET /p/1 HTTP/1.1" 302 0 "-" "-")",
             request_line("GET", "/p/1", 302, "2020-06-08")},
            // syslog and docker-compose prefixes
            {R"(Jan 31 14:29:44 host nginx: 1.2.3.4 - - [31/Jan/2024:14:29:44 +0000] "GET /latest HTTP/1.1" 200 5 "-" "-")",
             request_line("GET", "/latest", 200, "2024-01-31")},
            {R"(<190>Jan  1 14:29:44 host nginx[12]: 1.2.3.4 - - [01/Jan/2024:14:29:44 +0000] "GET /latest HTTP/1.1" 200 5)",
             request_line("GET", "/latest", 200, "2024-01-01")},
            {R"(nginx.1    | 1.2.3.4 - - [31/Jan/2024:14:29:44 +0000] "GET /top HTTP/1.1" 200 5 "-" "-")",
             request_line("GET", "/top", 200, "2024-01-31")},
            // localized month names, GMT or no zone, the time first
            {R"(175.18.15.10 - - [02/sept./2015:00:11:31 +0200] "GET /c/5 HTTP/1.1" 200 1)",
             request_line("GET", "/c/5", 200, "2015-09-02")},
            {R"(1.2.3.4 - - [02/Mär/2015:00:11:31 GMT] "GET /c/5 HTTP/1.1" 200 1)",
             request_line("GET", "/c/5", 200, "2015-03-02")},
            {R"(1.2.3.4 - - [02/déc./2015:00:11:31] "GET /c/5 HTTP/1.1" 200 1)",
             request_line("GET", "/c/5", 200, "2015-12-02")},
            {R"(1.2.3.4 - - [2015-12-02T00:11:31+01:00] "GET /c/5 HTTP/1.1" 200 1)",
             request_line("GET", "/c/5", 200, "2015-12-02")},
            {R"([10/Aug/2018:09:45:56 +0200] 172.30.0.119 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 "GET /t/7 HTTP/1.1" 1375)",
             request_line("GET", "/t/7", 0, "2018-08-10")},
            // a status and nothing after it; a request time where the size would be
            {R"(1.2.3.4 - - [02/Oct/2015:00:11:31 +0200] "GET /c/5 HTTP/1.1" 200)",
             request_line("GET", "/c/5", 200, "2015-10-02")},
            {R"(1.2.3.4 - - [28/Aug/2016:14:57:36 +0000]  "GET /u/a HTTP/1.1" 401 "0.004" 93 "-" "Chef Client/12")",
             request_line("GET", "/u/a", 401, "2016-08-28")},
            // raw UTF-8 in the target
            {"1.2.3.4 - - [02/Oct/2015:00:11:31 +0200] \"GET /t/caf\xC3\xA9/5 HTTP/1.1\" 200 1",
             request_line("GET", "/t/caf\xC3\xA9/5", 200, "2015-10-02")},
        }) {
        EXPECT_EQ(parse(line), expected) << line;
    }
}

TEST(access_log, takes_the_virtual_host_and_user_agent)
{
    log_request request;
    log_scratch scratch;
    std::string_view problem;
    ASSERT_EQ(parse_log_line(R"(Forum.Example.org:443 1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET /t/774 HTTP/1.1" )"
                             R"L(200 1 "-" "Mozilla/5.0 \"x\" (compatible; Googlebot/2.1)")L",
                             request, scratch, problem),
              log_line_kind::request);
    EXPECT_EQ(request.host, "Forum.Example.org");
    EXPECT_EQ(request.user_agent, R"(Mozilla/5.0 "x" (compatible; Googlebot/2.1))");
    // Three fields before the time are client, ident and user: a hostname client is no vhost.
    ASSERT_EQ(parse_log_line(R"(crawl-66-249-66-1.googlebot.com - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" )"
                             R"(200 1 "-" "-")",
                             request, scratch, problem),
              log_line_kind::request);
    EXPECT_EQ(request.host, "");
    EXPECT_EQ(request.user_agent, "");
    // nor is an IPv6 client before ident, user and a list.
    ASSERT_EQ(
        parse_log_line(R"(2001:db8::1 10.0.0.1, 10.0.0.2 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1)",
                       request, scratch, problem),
        log_line_kind::request);
    EXPECT_EQ(request.host, "");
}

TEST(access_log, names_the_layout_of_a_line)
{
    EXPECT_EQ(layout_of_line(R"(1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1)"), "common");
    EXPECT_EQ(layout_of_line(R"(1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1 "-" "curl")"),
              "combined");
    EXPECT_EQ(layout_of_line(R"(h.example:80 1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1 "-" "c")"),
              "vhost_combined");
    EXPECT_EQ(layout_of_line(R"(1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1 "-" "c" "-" 0.003)"),
              "combined + 2 fields");
    EXPECT_EQ(layout_of_line(
                  R"(1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1 "-" "c" 2 "r@docker" "-" 0ms)"),
              "Traefik CLF");
    EXPECT_EQ(layout_of_line(R"(web_1  | 1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1 "-" "c")"),
              "combined after a docker-compose prefix");
    EXPECT_EQ(layout_of_line(R"({"status":200})"), "");
}

// Every line of the corpus of real lines, by file: what it must read as, and the layout most
// of its lines are named.
TEST(access_log, reads_every_line_of_the_real_corpus)
{
    std::filesystem::path const dir = std::string{FORUMGATE_FIXTURES} + "/access-logs";
    struct expectation
    {
        std::string file;
        std::string layout; ///< of its first line
    };
    std::size_t lines = 0;
    for (auto const &[file, layout] : std::initializer_list<expectation>{
             {"combined.log", "combined"},
             {"common.log", "common"},
             {"status-dash.log", "combined"},
             {"double-space.log", "common"},
             {"missing-field.log", "combined"},
             {"vhost.log", "vhost_combined"},
             {"xff.log", "combined"},
             {"syslog.log", "combined after a syslog prefix"},
             {"localized-time.log", "common"},
             {"nginx-extras.log", "combined + 1 field"},
             {"traefik.log", "Traefik CLF"},
             {"made-up.log", "combined after a docker-compose prefix"},
         }) {
        std::ifstream in{dir / file};
        ASSERT_TRUE(in) << file;
        std::string line;
        bool first = true;
        while (std::getline(in, line)) {
            ++lines;
            auto const p = parse(line);
            EXPECT_EQ(p.kind, log_line_kind::request) << file << ": " << line << "\n -> " << p.problem;
            EXPECT_TRUE(p.target.starts_with('/') || p.target.starts_with("http://")) << file << ": " << p.target;
            if (first) {
                EXPECT_EQ(layout_of_line(line), layout) << file;
                first = false;
            }
        }
    }
    // Lines that hold no request, or an odd one: none is malformed.
    std::ifstream in{dir / "not-requests.log"};
    std::string line;
    std::map<log_line_kind, int> kinds;
    while (std::getline(in, line)) {
        ++lines;
        auto const p = parse(line);
        EXPECT_NE(p.kind, log_line_kind::malformed) << line << "\n -> " << p.problem;
        ++kinds[p.kind];
    }
    EXPECT_EQ(kinds[log_line_kind::no_request], 9); // "", "-" (twice), "hello", TLS and RDP bytes, HELP, batman
    EXPECT_GE(lines, 80U);
}

TEST(access_log, reads_a_layout_given_in_nginx_syntax)
{
    // The directive as pasted from nginx.conf, in parts; $host first, $request_time after.
    log_format const format{R"(log_format forum '$host $remote_addr - $remote_user [$time_local] '
                                 '"$request" $status $body_bytes_sent "$http_referer" '
                                 '"$http_user_agent" $request_time';)"};
    EXPECT_EQ(format.syntax(), "nginx");
    log_request request;
    log_scratch scratch;
    std::string_view problem;
    ASSERT_EQ(
        format.parse(
            R"L(forum.example.org 10.0.0.1, 10.0.0.2 - - [08/Jun/2020:08:04:43 +0000] "GET /t/a/774?x=\x22 HTTP/2.0" 301 0 "-" "Mozilla/5.0 (Googlebot)" 0.001)L",
            request, scratch, problem),
        log_line_kind::request)
        << problem;
    EXPECT_EQ(request.host, "forum.example.org");
    EXPECT_EQ(request.target, "/t/a/774?x=\"");
    EXPECT_EQ(request.status, 301);
    EXPECT_EQ(request.user_agent, "Mozilla/5.0 (Googlebot)");
    EXPECT_EQ(date_of_day(request.day), "2020-06-08");

    // Method and path apart, ISO time, JSON-ish quoting.
    log_format const split{R"($time_iso8601 "$request_method" "$uri$is_args$args" $status "$http_user_agent")"};
    EXPECT_EQ(parse(R"(2024-02-29T23:59:59+01:00 "HEAD" "/latest.rss?x=1" 200 "Feedly/1.0")", &split),
              request_line("HEAD", "/latest.rss?x=1", 200, "2024-02-29"));
    EXPECT_EQ(parse(R"(2024-02-29T23:59:59+01:00 "GET" "/x" 20 "F")", &split).problem,
              "the status is neither three digits nor -");
    EXPECT_EQ(parse(R"(1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET / HTTP/1.1" 200 1)", &split).kind,
              log_line_kind::malformed);
}

TEST(access_log, reads_a_layout_given_in_apache_syntax)
{
    // Pasted from apache2.conf, with its escaped quotes; %>s, %{…}i, a condition, %%.
    log_format const format{
        R"(LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%400,501{User-Agent}i\" 100%%" vhost_combined)"};
    EXPECT_EQ(format.syntax(), "Apache");
    log_request request;
    log_scratch scratch;
    std::string_view problem;
    ASSERT_EQ(
        format.parse(
            R"(old.example:443 1.2.3.4 - - [08/Jun/2020:08:04:43 +0000] "GET /p/9 HTTP/1.1" - 0 "-" "curl \"7\"" 100%)",
            request, scratch, problem),
        log_line_kind::request)
        << problem;
    EXPECT_EQ(request.host, "old.example");
    EXPECT_EQ(request.target, "/p/9");
    EXPECT_EQ(request.status, 0);
    EXPECT_EQ(request.user_agent, R"(curl "7")");
    // The bare format, as it stands inside the quotes, and %U%q as one target.
    log_format const bare{R"(%h [%{%d/%b/%Y:%H:%M:%S %z}t] %m %U%q %s)"};
    EXPECT_EQ(parse("1.2.3.4 [08/Jun/2020:08:04:43 +0000] GET /search?q=a 200", &bare),
              request_line("GET", "/search?q=a", 200, "unknown"));
    log_format const epoch{R"(%{msec}t %h "%r" %>s)"};
    EXPECT_EQ(parse(R"(1591603483123 1.2.3.4 "GET / HTTP/1.1" 200)", &epoch),
              request_line("GET", "/", 200, "2020-06-08"));
}

TEST(access_log, refuses_a_format_it_cannot_follow)
{
    struct bad
    {
        std::string spec;
        std::string message;
    };
    for (auto const &[spec, message] : std::initializer_list<bad>{
             {"just words", "no fields"},
             {"$remote_addr $status", "no request ($request, %r) or path"},
             {"$remote_addr$request", "$remote_addr and $request have nothing between them"},
             {"%h %r %J", "%J at column 8 is no Apache LogFormat directive"},
             {"log_format main '$request", "never closed"},
             {"%h %{User-Agent", "never closed"},
         }) {
        try {
            log_format const format{spec};
            ADD_FAILURE() << spec << " was accepted";
        } catch (forumgate::input_error const &e) {
            EXPECT_NE(std::string{e.what()}.find(message), std::string::npos) << spec << " -> " << e.what();
        }
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
