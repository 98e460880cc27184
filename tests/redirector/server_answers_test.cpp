// The redirect server's answers over real sockets: each URL shape as `forumgate resolve` gives it,
// HEAD, keep-alive, pipelining, HTTP/1.0, other methods and foreign hosts.

#include "tests/redirector/server_fixture.hpp"

namespace {

using namespace forumgate::testing;

// ---------------------------------------------------------------------------------------------
// answers

TEST_F(server_test, every_url_shape_gets_the_answer_forumgate_resolve_gives)
{
    std::vector<std::string> const urls = {
        "/t/agm-2023-minutes/774/3",                                                 // topic and post number
        "/t/774",                                                                    // topic
        "/p/9003",                                                                   // post
        "/t/some-other-slug/776",                                                    // restricted topic
        "/c/working-groups/housing",                                                 // category
        "/u/ALICE_OLD/activity",                                                     // user
        "/u/someone-else",                                                           // user not in the map
        "/tag/housing",                                                              // tag not in the map
        "/uploads/default/original/1X/0a4d55a8d778e5022fab701977c5d840bbc486d0.png", // upload
        "/latest?utm_source=mail&page=2",                                            // site page
        "/",                                                                         // home page
        "/t/nothing/999999",                                                         // 404
        "/wp-admin",                                                                 // 404, no shape
        "/t/spam-topic/777",                                                         // 410
        "/u/gone_user",                                                              // 410
        "/viewtopic.php?t=775",                                                      // custom rule
        "/t/%zz/774",                                                                // 400
    };
    std::vector<std::string> args{"resolve", "--db", s_db->conninfo()};
    args.insert(args.end(), urls.begin(), urls.end());
    auto const resolved = run_process(FORUMGATE_BINARY, args);
    ASSERT_NE(resolved.exit_code, 2) << resolved.err;
    std::istringstream lines{resolved.out};

    auto server = start();
    http_client client{server.port};
    for (auto const &url : urls) {
        SCOPED_TRACE(url);
        std::string line;
        ASSERT_TRUE(std::getline(lines, line)) << resolved.out;
        auto const tab = line.find('\t');
        int const status = std::stoi(line.substr(0, tab));
        std::string const location = line.substr(tab + 1, line.find('\t', tab + 1) - tab - 1);
        if (status == 400) {
            // A malformed target closes the connection: ask on a fresh one.
            http_client once{server.port};
            once.send(request(url));
            auto const response = once.read_response();
            ASSERT_TRUE(response);
            EXPECT_EQ(response->status, 400);
            EXPECT_TRUE(is_safe(*response));
            continue;
        }
        ASSERT_TRUE(client.send(request(url)));
        auto const response = client.read_response();
        ASSERT_TRUE(response) << "no answer on the kept-alive connection";
        EXPECT_TRUE(is_safe(*response));
        EXPECT_EQ(response->status, status) << response->head;
        EXPECT_EQ(response->header("Location").value_or("-"), location) << response->head;
        EXPECT_EQ(response->header("Connection"), std::nullopt) << "HTTP/1.1 keeps the connection: " << response->head;
        EXPECT_EQ(response->header("Content-Length"), std::to_string(response->body.size()));
        if (status == 301) {
            EXPECT_EQ(response->header("Cache-Control"), "public, max-age=2592000");
            EXPECT_NE(response->body.find(location), std::string::npos) << response->body;
        } else {
            EXPECT_EQ(response->header("Cache-Control"), "public, max-age=60");
            EXPECT_NE(response->body.find(NEW_BASE), std::string::npos) << "the page links to the new forum";
        }
    }
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, doubled_slashes_are_merged_as_nginx_does)
{
    // Browsers send `https://host//t/…` links as `//t/…`; once answered 400.
    auto server = start();
    auto const single = forumgate::testing::http_request(server.port, "/t/agm-2023-minutes/774/3", OLD_HOST);
    ASSERT_TRUE(single);
    ASSERT_EQ(single->status, 301);
    for (std::string const target : {"//t/agm-2023-minutes/774/3", "/t//agm-2023-minutes///774/3", "//p/9003"}) {
        auto const doubled = forumgate::testing::http_request(server.port, target, OLD_HOST);
        ASSERT_TRUE(doubled) << target;
        EXPECT_EQ(doubled->status, 301) << target << "\n" << doubled->head;
        EXPECT_TRUE(is_safe(*doubled)) << target;
        if (target.starts_with("//t/")) {
            EXPECT_EQ(doubled->header("Location"), single->header("Location")) << target;
        }
    }
}

TEST_F(server_test, head_has_the_headers_of_get_and_no_body)
{
    auto server = start();
    http_client client{server.port};
    for (std::string const url : {"/t/774", "/t/nothing-here/999999", "/t/spam-topic/777", "/latest"}) {
        SCOPED_TRACE(url);
        ASSERT_TRUE(client.send(request(url)));
        auto const get = client.read_response();
        ASSERT_TRUE(get);
        ASSERT_TRUE(client.send(request(url, "HEAD")));
        auto const head = client.read_response(true);
        ASSERT_TRUE(head);
        EXPECT_TRUE(is_safe(*head));
        EXPECT_EQ(head->status, get->status);
        EXPECT_EQ(head->header("Content-Length"), get->header("Content-Length"));
        EXPECT_EQ(head->header("Location"), get->header("Location"));
        EXPECT_EQ(head->header("Content-Type"), get->header("Content-Type"));
        EXPECT_FALSE(get->body.empty());
        // A body after the HEAD answer would show up as garbage before the next answer.
        ASSERT_TRUE(client.send(request("/t/774")));
        auto const next = client.read_response();
        ASSERT_TRUE(next) << "received: " << client.received();
        EXPECT_EQ(next->status, 301) << next->head;
        EXPECT_EQ(next->header("Location"), TOPIC_774);
    }
}

TEST_F(server_test, keep_alive_answers_several_requests_on_one_connection)
{
    auto server = start();
    http_client client{server.port};
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(client.send(request(i % 2 == 0 ? "/t/774" : "/t/nothing/999999")));
        auto const response = client.read_response();
        ASSERT_TRUE(response) << "request " << i;
        EXPECT_EQ(response->status, i % 2 == 0 ? 301 : 404);
        EXPECT_FALSE(response->header("Connection").has_value());
    }
    // Connection: close is honoured: the answer says so and the connection ends.
    ASSERT_TRUE(client.send("GET /t/774 HTTP/1.1\r\nHost: " + OLD_HOST + "\r\nConnection: close\r\n\r\n"));
    auto const last = client.read_response();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->status, 301);
    EXPECT_EQ(last->header("Connection"), "close");
    EXPECT_TRUE(client.closed_by_peer(2s));
}

TEST_F(server_test, pipelined_requests_are_answered_in_order)
{
    auto server = start();
    std::vector<std::pair<std::string, std::string>> const expected = {
        {"/t/774", TOPIC_774},
        {"/t/775", NEW_BASE + "/t/proposal-food-co-op/1775"},
        {"/t/nothing/999999", "-"},
        {"/p/9003", NEW_BASE + "/t/agm-2023-minutes/1774/2"},
        {"/c/working-groups/housing", NEW_BASE + "/c/working-groups/housing/14"},
        {"/t/spam-topic/777", "-"},
        {"/u/ALICE_OLD", NEW_BASE + "/u/alice"},
        {"/latest", NEW_BASE + "/latest"},
        {"/t/776", NEW_BASE + "/t/1776"},
        {"/viewtopic.php?t=775", NEW_BASE + "/t/proposal-food-co-op/1775"},
    };
    for (int rounds : {1, 5}) { // 10, then 50 requests: more than one batch of answers
        SCOPED_TRACE(rounds);
        http_client client{server.port};
        std::string all;
        for (int r = 0; r < rounds; ++r) {
            for (auto const &[url, location] : expected) {
                all += request(url);
            }
        }
        ASSERT_TRUE(client.send(all)); // in one write
        for (int r = 0; r < rounds; ++r) {
            for (auto const &[url, location] : expected) {
                auto const response = client.read_response();
                ASSERT_TRUE(response) << url << " round " << r;
                EXPECT_TRUE(is_safe(*response));
                EXPECT_EQ(response->header("Location").value_or("-"), location) << url;
            }
        }
        EXPECT_TRUE(client.received().empty());
        // Still open: one more.
        ASSERT_TRUE(client.send(request("/t/774")));
        EXPECT_TRUE(client.read_response());
    }
}

TEST_F(server_test, pipelined_answers_before_a_malformed_request_are_sent_then_it_closes)
{
    auto server = start();
    http_client client{server.port};
    ASSERT_TRUE(client.send(request("/t/774") + request("/t/775") + request("/t/nothing/999999") +
                            "GET /t/%0d%0a/774 HTTP/1.1\r\nHost: " + OLD_HOST + "\r\n\r\n" + request("/t/774")));
    for (int const status : {301, 301, 404, 400}) {
        auto const response = client.read_response();
        ASSERT_TRUE(response) << status << ": " << client.received();
        EXPECT_TRUE(is_safe(*response));
        EXPECT_EQ(response->status, status);
    }
    EXPECT_TRUE(client.closed_by_peer(2s)) << "answered after the 400: " << client.received();
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, http10_is_closed_unless_it_asks_for_keep_alive)
{
    auto server = start();
    {
        http_client client{server.port};
        ASSERT_TRUE(client.send("GET /t/774 HTTP/1.0\r\n\r\n")); // no Host: the main old host
        auto const response = client.read_response();
        ASSERT_TRUE(response);
        EXPECT_EQ(response->version, "HTTP/1.0");
        EXPECT_EQ(response->status, 301);
        EXPECT_EQ(response->header("Location"), TOPIC_774);
        EXPECT_EQ(response->header("Connection"), "close");
        EXPECT_TRUE(client.closed_by_peer(2s));
    }
    {
        http_client client{server.port};
        for (int i = 0; i < 3; ++i) {
            ASSERT_TRUE(client.send("GET /t/774 HTTP/1.0\r\nHost: " + OLD_HOST + "\r\nConnection: keep-alive\r\n\r\n"));
            auto const response = client.read_response();
            ASSERT_TRUE(response) << i;
            EXPECT_EQ(response->version, "HTTP/1.0");
            EXPECT_EQ(response->status, 301);
            EXPECT_EQ(response->header("Connection"), "keep-alive");
        }
        ASSERT_TRUE(client.send("HEAD /t/774 HTTP/1.0\r\n\r\n"));
        auto const last = client.read_response(true);
        ASSERT_TRUE(last);
        EXPECT_EQ(last->header("Connection"), "close");
        EXPECT_TRUE(client.closed_by_peer(2s));
    }
}

TEST_F(server_test, other_methods_get_405_with_allow_and_keep_the_connection)
{
    auto server = start();
    http_client client{server.port};
    for (std::string const method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
        ASSERT_TRUE(client.send(request("/t/774", method)));
        auto const response = client.read_response();
        ASSERT_TRUE(response) << method;
        EXPECT_TRUE(is_safe(*response));
        EXPECT_EQ(response->status, 405) << method;
        EXPECT_EQ(response->header("Allow"), "GET, HEAD") << method;
        EXPECT_FALSE(response->header("Location").has_value());
    }
    // A body is read and thrown away, not taken for the next request.
    std::string const body = "GET /wp-admin HTTP/1.1\r\nHost: " + OLD_HOST + "\r\n\r\n";
    ASSERT_TRUE(client.send("POST /t/774 HTTP/1.1\r\nHost: " + OLD_HOST +
                            "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\n\r\n" + body));
    auto const posted = client.read_response();
    ASSERT_TRUE(posted);
    EXPECT_EQ(posted->status, 405);
    ASSERT_TRUE(client.send(request("/t/774")));
    auto const next = client.read_response();
    ASSERT_TRUE(next) << client.received();
    EXPECT_EQ(next->status, 301);
    EXPECT_TRUE(client.received().empty()) << "the POST body was answered as a request: " << client.received();
    EXPECT_FALSE(client.readable(200ms)) << client.received();
    // A chunked body is not read at all (Boost 1.74's chunk parser trips on fuzzed trailers):
    // refused at its head, and the connection closes.
    ASSERT_TRUE(client.send("POST /t/774 HTTP/1.1\r\nHost: " + OLD_HOST +
                            "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
    auto const chunked = client.read_response();
    ASSERT_TRUE(chunked);
    EXPECT_EQ(chunked->status, 400);
    EXPECT_TRUE(client.closed_by_peer(2s));
}

TEST_F(server_test, a_foreign_host_gets_421_and_no_redirect)
{
    auto server = start();
    http_client client{server.port};
    for (auto const &host : std::vector<std::string>{"evil.example", "forum.brum.coop", "127.0.0.1",
                                                     OLD_HOST + ".evil.example", "[::1]:80"}) {
        ASSERT_TRUE(client.send(request("/t/774", "GET", host)));
        auto const response = client.read_response();
        ASSERT_TRUE(response) << host;
        EXPECT_TRUE(is_safe(*response));
        EXPECT_EQ(response->status, 421) << host;
        EXPECT_FALSE(response->header("Location").has_value());
    }
    for (auto const &host :
         std::vector<std::string>{OLD_HOST + ":8080", "www." + OLD_HOST, "FORUM.cooperationbirmingham.org.uk."}) {
        ASSERT_TRUE(client.send(request("/t/774", "GET", host)));
        auto const response = client.read_response();
        ASSERT_TRUE(response) << host;
        EXPECT_EQ(response->status, 301) << host;
    }
}

TEST_F(server_test, a_second_host_header_is_400_and_closes)
{
    auto server = start();
    expect_refused_and_closed(server, "two hosts",
                              "GET /t/774 HTTP/1.1\r\nHost: " + OLD_HOST + "\r\nHost: evil.example\r\n\r\n", 400);
    expect_refused_and_closed(server, "the same host twice",
                              "GET /t/774 HTTP/1.1\r\nHost: " + OLD_HOST + "\r\nHost: " + OLD_HOST + "\r\n\r\n", 400);
    expect_refused_and_closed(server, "HTTP/1.1 without Host", "GET /t/774 HTTP/1.1\r\n\r\n", 400);
}

} // namespace
