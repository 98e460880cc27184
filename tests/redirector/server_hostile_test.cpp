// The redirect server against hostile and slow clients: malformed requests, heads over the limit,
// open-redirect and header-injection attempts, timeouts and connection limits. After each, the
// server must still be serving.

#include "tests/redirector/server_fixture.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace {

using namespace forumgate::testing;

TEST_F(server_test, malformed_requests_get_4xx_and_close_and_the_server_keeps_serving)
{
    auto server = start({"--request-timeout-ms", "1000"});
    std::string const host = "Host: " + OLD_HOST + "\r\n";
    std::mt19937 random{20261127};
    std::string noise(600, '\0');
    for (auto &c : noise) {
        c = static_cast<char>(random() & 0xFFU);
    }
    std::string long_header = "GET /t/774 HTTP/1.1\r\n" + host;
    while (long_header.size() < 9000) {
        long_header += "X-Padding-" + std::to_string(long_header.size()) + ": " + std::string(100, 'a') + "\r\n";
    }
    long_header += "\r\n";

    struct hostile
    {
        std::string name;
        std::string bytes;
        int status; // 0: any 4xx
    };
    std::vector<hostile> const cases = {
        {"no request line", "GARBAGE\r\n\r\n", 400},
        {"bad method", "G(T /t/774 HTTP/1.1\r\n" + host + "\r\n", 400},
        {"no version", "GET /t/774\r\n" + host + "\r\n", 400},
        {"HTTP/2.0", "GET /t/774 HTTP/2.0\r\n" + host + "\r\n", 400},
        {"HTTP/1.1 with junk after", "GET /t/774 HTTP/1.1x\r\n" + host + "\r\n", 400},
        {"a space in the target", "GET /t/7 74 HTTP/1.1\r\n" + host + "\r\n", 400},
        {"bare LF line ends", "GET /t/774 HTTP/1.1\n" + std::string{"Host: "} + OLD_HOST + "\n\n", 400},
        {"header line without colon", "GET /t/774 HTTP/1.1\r\n" + host + "Just-A-Name\r\n\r\n", 400},
        {"space in a header name", "GET /t/774 HTTP/1.1\r\n" + host + "Bad Name: x\r\n\r\n", 400},
        {"CR inside a header", "GET /t/774 HTTP/1.1\r\n" + host + "X-A: b\rc\r\n\r\n", 400},
        {"target over 4096 bytes", "GET /t/" + std::string(5000, 'a') + "/774 HTTP/1.1\r\n" + host + "\r\n", 414},
        {"request line over the header limit", "GET /" + std::string(10000, 'a') + " HTTP/1.1\r\n" + host + "\r\n",
         414},
        {"headers over 8 KiB", long_header, 431},
        {"Content-Length and Transfer-Encoding",
         "POST /t/774 HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"Transfer-Encoding and Content-Length",
         "POST /t/774 HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
        {"two different Content-Length",
         "POST /t/774 HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
        {"Content-Length not a number", "POST /t/774 HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n", 400},
        {"Content-Length negative", "POST /t/774 HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400},
        {"Content-Length past 64 bits",
         "POST /t/774 HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999999\r\n\r\n", 400},
        {"Content-Length 1.5", "POST /t/774 HTTP/1.1\r\n" + host + "Content-Length: 1.5\r\n\r\nx", 400},
        {"body over 64 KiB", "POST /t/774 HTTP/1.1\r\n" + host + "Content-Length: 100000\r\n\r\n", 413},
        {"chunked garbage",
         "POST /t/774 HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400},
        {"chunk size past 64 bits",
         "POST /t/774 HTTP/1.1\r\n" + host +
             "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
         400},
        {"chunked, but not last",
         "POST /t/774 HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n" + request("/wp-admin"), 400},
        {"unknown transfer coding",
         "POST /t/774 HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n" + request("/wp-admin"), 400},
        {"NUL in the target", std::string{"GET /t/\0/774 HTTP/1.1\r\n", 24} + host + "\r\n", 400},
        {"NUL in a header value", "GET /t/774 HTTP/1.1\r\n" + host + std::string{"X-A: a\0b\r\n\r\n", 12}, 400},
        {"NUL in the method", std::string{"G\0T /t/774 HTTP/1.1\r\n", 21} + host + "\r\n", 400},
        {"percent-encoded NUL", "GET /t/%00/774 HTTP/1.1\r\n" + host + "\r\n", 400},
        {"DEL in the target", "GET /t/\x7f/774 HTTP/1.1\r\n" + host + "\r\n", 400},
        {"not a path", "GET t/774 HTTP/1.1\r\n" + host + "\r\n", 400},
        {"asterisk form", "GET * HTTP/1.1\r\n" + host + "\r\n", 400},
        {"random bytes", noise, 0},
        {"random bytes after a request line", "GET /t/774 HTTP/1.1\r\n" + noise, 0},
        {"half a request, then silence", "GET /t/774 HTTP/1.1\r\nHo", 408},
    };
    for (auto const &c : cases) {
        expect_refused_and_closed(server, c.name, c.bytes, c.status);
    }
}

TEST_F(server_test, a_head_over_the_limit_is_431_even_when_it_arrives_in_pieces)
{
    auto server = start({"--request-timeout-ms", "3000"});
    for (std::string const field : {"X-Padding", "X-Forwarded-For"}) {
        SCOPED_TRACE(field);
        http_client client{server.port};
        ASSERT_TRUE(client.send("GET /t/774 HTTP/1.1\r\nHost: " + OLD_HOST + "\r\n"));
        // 40 lines of 500 bytes, each in a write of its own: 20 KB, more than 8 KiB.
        for (int i = 0; i < 40 && !client.readable(15ms); ++i) {
            client.send(field + ": " + std::string(500, 'a') + "\r\n");
        }
        client.send("\r\n");
        auto const response = client.read_response();
        ASSERT_TRUE(response) << client.received();
        EXPECT_EQ(response->status, 431) << response->head;
        EXPECT_TRUE(client.closed_by_peer(2s));
    }
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, open_redirect_and_header_injection_attempts_stay_on_the_new_forum)
{
    auto server = start();
    std::vector<std::string> const targets = {
        "//evil.example",
        "//evil.example/",
        "//evil.example/t/774",
        "///evil.example/%2e%2e",
        "/%2F%2Fevil.example",
        "/%2f%2fevil.example/t/774",
        "/\\evil.example",
        "/\\\\evil.example",
        "/%5Cevil.example",
        "/%0d%0aSet-Cookie:x",
        "/%0D%0ASet-Cookie:%20x=1",
        "/t/774?filter=%0d%0aSet-Cookie:x",
        "/latest?x=%0d%0aSet-Cookie:x",
        "/latest?%0d%0aSet-Cookie:x=1",
        "/viewtopic.php?t=775%0d%0aSet-Cookie:x",
        "/viewtopic.php?t=775&x=%0aLocation:https://evil.example",
        "/u/%0d%0aSet-Cookie:x",
        "/u/evil.example%2F..%2F..",
        "/u/..%2F..%2F%2F%2Fevil.example",
        "/c/%2F%2Fevil.example/5",
        "/t/..%2F..%2Fevil.example/774",
        "/search?q=%0d%0a%0d%0a<script>",
        "/uploads/short-url/%0d%0a.png",
        "/%E2%80%A8Set-Cookie:x",
        "/@evil.example",
        "/.evil.example",
        "/:@evil.example",
        "http://evil.example/t/774",
        "https://evil.example//t/774",
        "http://" + OLD_HOST + "//evil.example",
        "http://" + OLD_HOST + "@evil.example/t/774",
    };
    for (auto const &target : targets) {
        for (auto const &host : std::vector<std::string>{OLD_HOST, "evil.example"}) {
            SCOPED_TRACE(target + " Host: " + host);
            http_client client{server.port};
            ASSERT_TRUE(client.send("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
            auto const response = client.read_response();
            ASSERT_TRUE(response) << client.received();
            EXPECT_TRUE(is_safe(*response));
            EXPECT_EQ(response->head.find("Set-Cookie"), std::string::npos) << response->head;
            if (host != OLD_HOST && !target.starts_with("http")) {
                EXPECT_EQ(response->status, 421) << response->head;
            }
        }
    }
    // Raw CR and LF in the target never reach the resolver; neither does a folded header.
    expect_refused_and_closed(server, "raw CRLF", "GET /a\r\nSet-Cookie: x HTTP/1.1\r\nHost: " + OLD_HOST + "\r\n\r\n",
                              400);
    expect_refused_and_closed(server, "raw CR", "GET /a\rSet-Cookie:x HTTP/1.1\r\nHost: " + OLD_HOST + "\r\n\r\n", 400);
    EXPECT_TRUE(serving(server));
}

// ---------------------------------------------------------------------------------------------
// limits and timeouts

TEST_F(server_test, a_chunk_extension_that_never_ends_is_cut_off_and_costs_no_memory)
{
    // Once: 400 MiB of `1;ext=aaaa…` grew the server by as much, and three connections took it
    // past 2 GB. Now each of three connections is refused at its head (400: no chunked body is
    // read) and closed, and the server's memory stays where it was.
    auto server = start();
    auto const before = resident_kib(server->pid());
    std::string const piece(64 * 1024, 'a');
    for (int round = 0; round < 3; ++round) {
        http_client client{server.port, 5s};
        ASSERT_TRUE(
            client.send("POST /t/x/1 HTTP/1.1\r\nHost: " + OLD_HOST + "\r\nTransfer-Encoding: chunked\r\n\r\n1;ext="));
        std::size_t sent = 0;
        while (sent < (64U << 20U) && !client.readable(0ms) && client.send(piece)) {
            sent += piece.size();
        }
        EXPECT_LT(sent, 4U << 20U) << "still reading after " << sent << " bytes";
        auto const response = client.read_response();
        ASSERT_TRUE(response) << client.received();
        EXPECT_EQ(response->status, 400) << response->head;
        EXPECT_TRUE(client.closed_by_peer(2s));
    }
    EXPECT_LT(resident_kib(server->pid()), before + 32 * 1024);
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, a_request_head_trickled_slower_than_the_request_timeout_gets_408)
{
    auto server = start({"--request-timeout-ms", "300"});
    http_client client{server.port, 3s};
    std::string const bytes = request("/t/774");
    auto const begun = std::chrono::steady_clock::now();
    for (char const c : bytes) {
        if (client.readable(40ms)) {
            break; // answered
        }
        client.send(std::string_view{&c, 1});
    }
    auto const response = client.read_response();
    auto const waited = std::chrono::steady_clock::now() - begun;
    ASSERT_TRUE(response) << client.received();
    EXPECT_EQ(response->status, 408) << response->head;
    EXPECT_EQ(response->header("Connection"), "close");
    EXPECT_TRUE(client.closed_by_peer(2s));
    EXPECT_GE(waited, 250ms);
    EXPECT_LT(waited, 1500ms);
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, a_client_that_reads_no_answers_is_cut_off_after_the_request_timeout)
{
    // Requests pipelined and answers never read: the answers fill the sockets, the server stops
    // reading, and the write deadline (the request timeout) closes the connection, with a reset
    // since requests are left unread. Answers go out at once while they fit (no write
    // operation) and wait for room once they do not: both must keep the deadline.
    auto server = start({"--request-timeout-ms", "500"});
    http_client client{server.port, 3s};
    int const small = 4096;
    ASSERT_EQ(::setsockopt(client.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    std::string batch;
    for (int i = 0; i < 16; ++i) {
        batch += request("/t/774");
    }
    // Send until the client's own socket stays full for 200 ms: the server has stopped reading.
    auto stuck_since = std::chrono::steady_clock::now();
    for (auto const until = stuck_since + 20s; std::chrono::steady_clock::now() < until;) {
        ssize_t const sent = ::send(client.fd(), batch.data(), batch.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent > 0) {
            stuck_since = std::chrono::steady_clock::now();
        } else if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            FAIL() << "the connection failed while the server still had room: " << std::strerror(errno);
        } else if (std::chrono::steady_clock::now() - stuck_since > 200ms) {
            break;
        } else {
            std::this_thread::sleep_for(5ms);
        }
    }
    ASSERT_GT(std::chrono::steady_clock::now() - stuck_since, 200ms) << "the server never stopped reading";
    pollfd watch{client.fd(), 0, 0}; // POLLHUP and POLLERR are always reported
    ASSERT_EQ(::poll(&watch, 1, 5000), 1) << "the connection was not closed within 5 s of the server stopping";
    EXPECT_NE(watch.revents & (POLLHUP | POLLERR), 0);
    auto const waited = std::chrono::steady_clock::now() - stuck_since;
    EXPECT_LT(waited, 3s);
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, an_idle_keep_alive_connection_is_closed_after_the_keepalive_timeout)
{
    auto server = start({"--keepalive-timeout-ms", "300", "--first-byte-timeout-ms", "300"});
    {
        http_client client{server.port};
        ASSERT_TRUE(answered(client));
        auto const answered = std::chrono::steady_clock::now();
        EXPECT_TRUE(client.closed_by_peer(3s));
        auto const idle = std::chrono::steady_clock::now() - answered;
        EXPECT_GE(idle, 250ms);
        EXPECT_LT(idle, 2s);
    }
    {
        // A connection that never sends a byte is closed after the first-byte timeout, silently.
        http_client client{server.port};
        EXPECT_TRUE(client.closed_by_peer(3s));
        EXPECT_TRUE(client.received().empty()) << client.received();
    }
    {
        // Requests keep it open: the timeout counts from the last answer.
        http_client client{server.port};
        for (int i = 0; i < 4; ++i) {
            ASSERT_TRUE(answered(client)) << i;
            std::this_thread::sleep_for(150ms);
        }
    }
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, connections_past_max_connections_get_503_while_none_is_idle)
{
    // Each of the five is in the middle of a request: none can be closed to make room (an idle
    // one would be, see server_limits_test).
    auto server = start({"--max-connections", "5"});
    std::vector<std::unique_ptr<http_client>> open;
    for (int i = 0; i < 5; ++i) {
        open.push_back(std::make_unique<http_client>(server.port));
        ASSERT_TRUE(open.back()->send(request("/t/774")));
        auto const response = open.back()->read_response();
        ASSERT_TRUE(response) << i;
        EXPECT_EQ(response->status, 301) << i;
        ASSERT_TRUE(open.back()->send("GET /t/774 HTTP/1.1\r\n"));
    }
    std::this_thread::sleep_for(200ms); // the server has read the five requests begun
    {
        http_client sixth{server.port};
        auto const response = sixth.read_response();
        ASSERT_TRUE(response) << sixth.received();
        EXPECT_TRUE(is_safe(*response));
        EXPECT_EQ(response->status, 503);
        EXPECT_EQ(response->header("Retry-After"), "5");
        EXPECT_EQ(response->header("Connection"), "close");
        EXPECT_TRUE(sixth.closed_by_peer(2s));
    }
    {
        // A client that sends its request at once gets the 503 too, not a reset.
        http_client seventh{server.port};
        seventh.send(request("/t/774"));
        auto const response = seventh.read_response();
        ASSERT_TRUE(response) << seventh.received();
        EXPECT_EQ(response->status, 503);
    }
    // The five still work, and the admin port is not counted.
    for (auto &client : open) {
        ASSERT_TRUE(client->send("Host: " + OLD_HOST + "\r\n\r\n"));
        auto const response = client->read_response();
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 301);
    }
    auto const health = forumgate::testing::http_request(server.admin_port, "/healthz", "localhost");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    // One leaves: there is room again.
    open.pop_back();
    bool room = false;
    for (int attempt = 0; attempt < 50 && !room; ++attempt) {
        std::this_thread::sleep_for(20ms);
        auto const response = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
        room = response && response->status == 301;
    }
    EXPECT_TRUE(room);
}

} // namespace
