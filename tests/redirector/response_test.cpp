// Tests of redirector/response: the exact bytes of each kind of answer.

#include "redirector/response.hpp"

#include <gtest/gtest.h>

using namespace forumgate;
using redirector::answer_policy;
using redirector::append_answer;
using redirector::append_error;
using redirector::request_line;

namespace {

constexpr std::string_view DATE = "Fri, 27 Nov 2026 03:00:00 GMT";
constexpr std::string_view BASE = "https://forum.brum.coop";

mappings::decision redirect_to(std::string location)
{
    mappings::decision d;
    d.status = 301;
    d.what = mappings::outcome::redirect;
    d.why = mappings::reason::mapped;
    d.location = std::move(location);
    return d;
}

mappings::decision refusal(int status, mappings::outcome what)
{
    mappings::decision d;
    d.status = status;
    d.what = what;
    return d;
}

std::string answer(mappings::decision const &d, request_line const &line = {}, answer_policy const &policy = {},
                   std::string_view words = {})
{
    std::string out;
    append_answer(out, d, line, policy, DATE, BASE, words);
    return out;
}

std::string head_of(std::string const &response)
{
    return response.substr(0, response.find("\r\n\r\n") + 4);
}

std::string body_of(std::string const &response)
{
    return response.substr(response.find("\r\n\r\n") + 4);
}

} // namespace

TEST(response, permanent_redirect)
{
    std::string const link = "https://forum.brum.coop/t/agm-minutes/1774/3";
    std::string const out = answer(redirect_to(link));
    EXPECT_EQ(head_of(out), "HTTP/1.1 301 Moved Permanently\r\n"
                            "Date: Fri, 27 Nov 2026 03:00:00 GMT\r\n"
                            "Server: forumgate\r\n"
                            "Location: https://forum.brum.coop/t/agm-minutes/1774/3\r\n"
                            "Cache-Control: public, max-age=2592000\r\n"
                            "Content-Type: text/html\r\n"
                            "Content-Length: 65\r\n\r\n");
    EXPECT_EQ(body_of(out), "<a href=\"" + link + "\">Moved</a>\n");
    EXPECT_EQ(body_of(out).size(), 65U);
}

TEST(response, soft_mode_is_a_short_302)
{
    answer_policy policy;
    policy.soft = true;
    std::string const out = answer(redirect_to("https://forum.brum.coop/latest"), {}, policy);
    EXPECT_EQ(out.rfind("HTTP/1.1 302 Found\r\n", 0), 0U) << out;
    EXPECT_NE(out.find("\r\nCache-Control: max-age=300\r\n"), std::string::npos) << out;
}

TEST(response, head_has_headers_only)
{
    request_line head;
    head.head = true;
    std::string const out = answer(redirect_to("https://forum.brum.coop/latest"), head);
    EXPECT_TRUE(body_of(out).empty());
    EXPECT_NE(out.find("Content-Length: 51\r\n"), std::string::npos) << out; // as GET would have
}

TEST(response, uncached_answers_keep_the_connection)
{
    // ACME challenges: 200 with the key authorization, or 404; never cached, kept alive.
    std::string out;
    redirector::append_uncached(out, 200, "text/plain", "token.thumbprint", {}, DATE);
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\n"
                   "Date: Fri, 27 Nov 2026 03:00:00 GMT\r\n"
                   "Server: forumgate\r\n"
                   "Cache-Control: no-store\r\n"
                   "Content-Type: text/plain\r\n"
                   "Content-Length: 16\r\n\r\n"
                   "token.thumbprint");
    out.clear();
    request_line head;
    head.head = true;
    head.hsts_max_age = 600;
    redirector::append_uncached(out, 404, "text/plain", "Not Found\n", head, DATE);
    EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\n"
                   "Date: Fri, 27 Nov 2026 03:00:00 GMT\r\n"
                   "Server: forumgate\r\n"
                   "Strict-Transport-Security: max-age=600\r\n"
                   "Cache-Control: no-store\r\n"
                   "Content-Type: text/plain\r\n"
                   "Content-Length: 10\r\n\r\n");
}

TEST(response, http10_and_close)
{
    request_line line;
    line.http10 = true;
    std::string out = answer(redirect_to("https://forum.brum.coop/latest"), line);
    EXPECT_EQ(out.rfind("HTTP/1.0 301 Moved Permanently\r\n", 0), 0U);
    EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
    line.keep_alive = false;
    out = answer(redirect_to("https://forum.brum.coop/latest"), line);
    EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
}

TEST(response, not_found_page_links_new_forum_and_search)
{
    std::string const out = answer(refusal(404, mappings::outcome::not_found), {}, {}, "agm <script> minutes");
    EXPECT_EQ(out.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0U);
    EXPECT_NE(out.find("Cache-Control: public, max-age=60\r\n"), std::string::npos);
    std::string const body = body_of(out);
    EXPECT_NE(body.find("<a href=\"https://forum.brum.coop/\">"), std::string::npos) << body;
    EXPECT_NE(body.find("https://forum.brum.coop/search?q=agm%20%3Cscript%3E%20minutes"), std::string::npos) << body;
    EXPECT_EQ(body.find("<script>"), std::string::npos) << body; // the words are escaped
    EXPECT_NE(body.find("agm &lt;script&gt; minutes"), std::string::npos) << body;
    auto const length_at = out.find("Content-Length: ") + 16;
    EXPECT_EQ(std::stoul(out.substr(length_at)), body.size());
}

TEST(response, gone_page_says_so)
{
    std::string const out = answer(refusal(410, mappings::outcome::gone));
    EXPECT_EQ(out.rfind("HTTP/1.1 410 Gone\r\n", 0), 0U);
    EXPECT_NE(body_of(out).find("not moved to the new forum"), std::string::npos);
    EXPECT_EQ(body_of(out).find("search?q="), std::string::npos); // no words, no search link
}

TEST(response, bad_request_closes)
{
    std::string const out = answer(refusal(400, mappings::outcome::bad_request));
    EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0U);
    EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
}

TEST(response, method_not_allowed_names_allowed_methods)
{
    std::string out;
    append_error(out, 405, {}, DATE);
    EXPECT_EQ(out.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0U);
    EXPECT_NE(out.find("Allow: GET, HEAD\r\n"), std::string::npos);
    EXPECT_EQ(out.find("Connection: close"), std::string::npos); // the connection stays usable
}

TEST(response, errors_that_close)
{
    for (int const status : {408, 413, 414, 431}) {
        std::string out;
        append_error(out, status, {}, DATE);
        EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos) << status;
        EXPECT_NE(out.find(std::string{redirector::reason_phrase(status)}), std::string::npos) << status;
    }
}

TEST(response, every_header_line_is_clean)
{
    // Whatever the decision, header lines hold no bare CR or LF and end in CRLF.
    for (auto const &d : {redirect_to("https://forum.brum.coop/t/x/1"), refusal(404, mappings::outcome::not_found),
                          refusal(410, mappings::outcome::gone), refusal(414, mappings::outcome::bad_request)}) {
        std::string const head = head_of(answer(d, {}, {}, "a\r\nSet-Cookie: x"));
        for (std::size_t i = 0; i < head.size(); ++i) {
            if (head[i] == '\n') {
                ASSERT_GT(i, 0U);
                EXPECT_EQ(head[i - 1], '\r');
            }
            if (head[i] == '\r') {
                EXPECT_EQ(head[i + 1], '\n');
            }
        }
        EXPECT_EQ(head.find("Set-Cookie"), std::string::npos);
    }
}

TEST(response, http_date)
{
    EXPECT_EQ(redirector::http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(redirector::http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}
