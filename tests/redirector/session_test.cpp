// Tests of redirector/session: one connection driven through Beast's test stream, no socket and
// no database. The handler answers 200 with the request target as its body, so each test reads
// exactly what the session did: which requests it answered, in which order, and when it closed.

#include "redirector/session.hpp"

#include "redirector/response.hpp"
#include "tests/redirector/test_stream.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace {

using namespace forumgate::redirector;
using namespace std::chrono_literals;

constexpr std::string_view DATE = "Fri, 27 Nov 2026 03:00:00 GMT";

/// Represents a handler that answers 200 with the target as the body, and records what it saw.
class echo_handler : public request_handler
{
public:
    std::unique_ptr<handler_state> new_state() override { return nullptr; }

    bool handle(request_fields const &request, peer const &, handler_state *, std::string &out) override
    {
        targets.push_back(request.target);
        append_ok(out, "text/plain", request.target,
                  {request.method == http::verb::head, request.keep_alive, request.http10()}, DATE);
        return true;
    }

    void reject(int status, request_fields const &request, peer const & /*from*/, std::string &out) override
    {
        rejected.push_back(status);
        append_error(out, status, {false, false, request.http10()}, DATE);
    }

    std::vector<std::string> targets;
    std::vector<int> rejected;
};

std::string get(std::string_view target, std::string_view extra = {})
{
    return "GET " + std::string{target} + " HTTP/1.1\r\nHost: old.example\r\n" + std::string{extra} + "\r\n";
}

/// \return how often `needle` occurs in `text`.
std::size_t count(std::string const &text, std::string_view needle)
{
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

class session_test : public ::testing::Test
{
protected:
    session_test()
    {
        m_limits.request_timeout = 100ms;
        m_limits.keepalive_timeout = 10s;
    }

    /// Opens a connection: the session on one end of a test stream, the test on the other.
    void open()
    {
        beast::test::stream server_end{m_io};
        server_end.connect(m_client);
        std::make_shared<session<beast::test::stream>>(m_handler, m_registry, m_limits, false, std::move(server_end))
            ->run();
        settle();
    }

    /// Sends `bytes` as the client and lets the session do all it can without waiting.
    void send(std::string_view bytes)
    {
        m_client.write_some(net::buffer(bytes.data(), bytes.size()));
        settle();
    }

    /// Runs every handler that is ready.
    void settle()
    {
        m_io.restart();
        while (m_io.poll() > 0) {
        }
    }

    /// Lets the timers run for `time`.
    void wait(std::chrono::milliseconds time)
    {
        m_io.restart();
        m_io.run_for(time);
        settle();
    }

    /// Opens a connection, sends `begin`, then `piece` `times` times or until the session closes.
    /// Expects it closed, having read no more than the request byte limit (and one piece).
    /// \return the one status it rejected the request with; 0 if not exactly one.
    int cut_off_status(std::string_view begin, std::string const &piece, int times)
    {
        open();
        send(begin);
        std::size_t sent = 0;
        for (int i = 0; i < times && open_connection(); ++i) {
            beast::error_code ec;
            m_client.write_some(net::buffer(piece), ec);
            if (ec) {
                break;
            }
            sent += piece.size();
            settle();
        }
        EXPECT_LE(sent, m_limits.request_byte_limit() + piece.size());
        EXPECT_FALSE(open_connection());
        return m_handler.rejected.size() == 1 ? m_handler.rejected.front() : 0;
    }

    /// \return what the session has written so far.
    [[nodiscard]] std::string received() const { return std::string{m_client.str()}; }

    /// \return true while the session is open (registered); a closed one has unregistered.
    [[nodiscard]] bool open_connection() const { return m_registry.size() == 1; }

    net::io_context m_io;
    beast::test::stream m_client{m_io};
    echo_handler m_handler;
    connection_limits m_limits;
    connection_registry m_registry{4};
};

TEST_F(session_test, pipelined_requests_are_answered_in_order_in_one_batch)
{
    open();
    send(get("/t/1") + get("/t/2") + get("/t/3"));
    EXPECT_EQ(m_handler.targets, (std::vector<std::string>{"/t/1", "/t/2", "/t/3"}));
    std::string const out = received();
    EXPECT_EQ(count(out, "HTTP/1.1 200 OK"), 3U) << out;
    EXPECT_LT(out.find("\r\n\r\n/t/1"), out.find("\r\n\r\n/t/2"));
    EXPECT_LT(out.find("\r\n\r\n/t/2"), out.find("\r\n\r\n/t/3"));
    EXPECT_EQ(count(out, "Connection:"), 0U) << "HTTP/1.1 stays open: " << out;
    EXPECT_TRUE(open_connection());
}

TEST_F(session_test, more_pipelined_requests_than_a_batch_are_all_answered)
{
    m_limits.pipeline_limit = 4;
    open();
    std::string all;
    for (int i = 0; i < 10; ++i) {
        all += get("/t/" + std::to_string(i));
    }
    send(all);
    EXPECT_EQ(m_handler.targets.size(), 10U);
    EXPECT_EQ(count(received(), "HTTP/1.1 200 OK"), 10U);
    EXPECT_TRUE(open_connection());
}

TEST_F(session_test, a_request_in_pieces_is_answered_once_complete)
{
    open();
    std::string const request = get("/t/774");
    send(request.substr(0, 10));
    EXPECT_TRUE(m_handler.targets.empty());
    EXPECT_EQ(received(), "");
    send(request.substr(10));
    EXPECT_EQ(m_handler.targets, (std::vector<std::string>{"/t/774"}));
    EXPECT_TRUE(open_connection());
}

TEST_F(session_test, a_partial_request_then_silence_gets_408_and_closes)
{
    open();
    send("GET /t/774 HTTP/1.1\r\nHo");
    wait(300ms);
    EXPECT_EQ(m_handler.rejected, (std::vector<int>{408}));
    EXPECT_TRUE(received().starts_with("HTTP/1.1 408 Request Timeout\r\n")) << received();
    EXPECT_EQ(count(received(), "Connection: close"), 1U);
    EXPECT_FALSE(open_connection());
}

TEST_F(session_test, a_malformed_head_is_answered_400_and_closes)
{
    open();
    send(get("/t/1") + "GARBAGE\r\n\r\n" + get("/t/2"));
    EXPECT_EQ(m_handler.targets, (std::vector<std::string>{"/t/1"}));
    EXPECT_EQ(m_handler.rejected, (std::vector<int>{400}));
    std::string const out = received();
    EXPECT_EQ(count(out, "HTTP/1.1 200 OK"), 1U) << out;
    EXPECT_EQ(count(out, "HTTP/1.1 400 Bad Request"), 1U) << out;
    EXPECT_FALSE(open_connection()) << "answered after the 400";
}

// Once: a chunk extension or a trailer that never ends grew the read buffer without bound (400
// MiB sent, RSS up by as much) and the request deadline never fired while bytes kept coming.

TEST_F(session_test, an_endless_chunk_extension_is_cut_off_at_the_request_byte_limit)
{
    EXPECT_EQ(cut_off_status("POST /t/x/1 HTTP/1.1\r\nHost: old.example\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=",
                             std::string(16 * 1024, 'a'), 64),
              400); // refused at its head: no chunked body is read at all
    EXPECT_TRUE(received().starts_with("HTTP/1.1 400 ")) << received();
}

TEST_F(session_test, an_endless_trailer_is_cut_off_at_the_request_byte_limit)
{
    EXPECT_NE(
        cut_off_status("POST /t/x/1 HTTP/1.1\r\nHost: old.example\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ",
                       std::string(16 * 1024, 'a'), 64),
        0);
}

TEST_F(session_test, a_body_in_many_small_chunks_is_cut_off_at_the_request_byte_limit)
{
    // Each chunk well formed and small: the parser consumes them, so the buffer stays small; the
    // bytes of the request still count.
    std::string piece;
    for (int i = 0; i < 1024; ++i) {
        piece += "0000000000000000000000000000001;e=1\r\na\r\n";
    }
    EXPECT_NE(
        cut_off_status("POST /t/x/1 HTTP/1.1\r\nHost: old.example\r\nTransfer-Encoding: chunked\r\n\r\n", piece, 200),
        0);
}

TEST_F(session_test, a_request_whose_deadline_passed_is_answered_408_even_as_bytes_keep_arriving)
{
    open();
    send("GET /t/774 HTTP/1.1\r\nX-Slow: ");
    // The deadline passes while the client is still sending: the read that completes brings
    // bytes, and the answer is 408 all the same.
    std::this_thread::sleep_for(150ms);
    send("a");
    EXPECT_EQ(m_handler.rejected, (std::vector<int>{408}));
    EXPECT_FALSE(open_connection());
}

TEST_F(session_test, a_chunked_body_is_refused_at_its_head_so_beasts_trailer_parser_is_never_reached)
{
    // Found by the request_head fuzz target: this request, fed a byte at a time, trips an
    // assertion in Boost 1.74's chunk-header parser (basic_parser.ipp, `n >= 5`) inside a
    // trailer. forumgate answers GET and HEAD only: a chunked body is refused at the head.
    std::string const found = "T /774 HTTP/1.1\x0d"
                              "\x0a"
                              "ost: forum.cook\x0d"
                              "\x0a"
                              "Transfer-Encoding: chunked\x0d"
                              "\x0a"
                              "\x0d"
                              "\x0a"
                              "0\x0d"
                              "\x0a"
                              "Conn\xe0"
                              "\x9c"
                              "lose\x0d"
                              "\x0a"
                              "\x0d"
                              ": chu5\xad"
                              "\xad"
                              "\xad"
                              "\xad"
                              "\xad"
                              "SRR\xd8"
                              "4/t/7";
    open();
    for (char const c : found) {
        if (!open_connection()) {
            break;
        }
        send(std::string_view{&c, 1});
    }
    EXPECT_EQ(m_handler.rejected, (std::vector<int>{400}));
    EXPECT_FALSE(open_connection());
}

TEST_F(session_test, limits_give_414_and_431)
{
    for (auto const &[name, bytes, status] : std::vector<std::tuple<std::string, std::string, int>>{
             {"target", get("/" + std::string(5000, 'a')), 414},
             {"request line", "GET /" + std::string(10000, 'a') + " HTTP/1.1\r\n\r\n", 414},
             {"headers", get("/t/1", "X-Padding: " + std::string(9000, 'a') + "\r\n"), 431},
         }) {
        SCOPED_TRACE(name);
        m_handler.rejected.clear();
        m_client = beast::test::stream{m_io};
        open();
        send(bytes);
        EXPECT_EQ(m_handler.rejected, (std::vector<int>{status}));
        EXPECT_FALSE(open_connection());
    }
}

TEST_F(session_test, a_head_over_the_limit_in_two_pieces_gets_431)
{
    // Beast applies the limit to what one put() sees: the fields it consumed before did not count.
    std::string head = "GET /t/1 HTTP/1.1\r\nHost: old.example\r\n";
    while (head.size() < 9000) {
        head += "X-Padding-" + std::to_string(head.size()) + ": " + std::string(100, 'a') + "\r\n";
    }
    head += "\r\n";
    for (std::size_t const first : {std::size_t{100}, std::size_t{2048}, std::size_t{8000}}) {
        SCOPED_TRACE(first);
        m_handler.rejected.clear();
        m_client = beast::test::stream{m_io};
        open();
        send(head.substr(0, first));
        send(head.substr(first));
        EXPECT_EQ(m_handler.rejected, (std::vector<int>{431}));
        EXPECT_TRUE(m_handler.targets.empty());
    }
}

TEST_F(session_test, connection_close_and_http10_close_after_the_answer)
{
    for (auto const &request : {get("/t/1", "Connection: close\r\n"), std::string{"GET /t/1 HTTP/1.0\r\n\r\n"}}) {
        SCOPED_TRACE(request);
        m_client = beast::test::stream{m_io};
        open();
        send(request + get("/t/2"));
        EXPECT_EQ(count(received(), " 200 OK"), 1U) << received();
        EXPECT_EQ(count(received(), "Connection: close"), 1U) << received();
        EXPECT_FALSE(open_connection());
    }
    EXPECT_EQ(m_handler.targets, (std::vector<std::string>{"/t/1", "/t/1"}));
}

TEST_F(session_test, keep_alive_stays_open_for_http11_and_http10_that_asks)
{
    open();
    send(get("/t/1"));
    send("GET /t/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    send(get("/t/3"));
    EXPECT_EQ(m_handler.targets, (std::vector<std::string>{"/t/1", "/t/2", "/t/3"}));
    EXPECT_EQ(count(received(), "Connection: keep-alive"), 1U) << received();
    EXPECT_EQ(count(received(), "Connection: close"), 0U) << received();
    EXPECT_TRUE(open_connection());
}

TEST_F(session_test, head_is_answered_without_a_body_and_the_next_request_follows)
{
    open();
    send("HEAD /t/774 HTTP/1.1\r\nHost: old.example\r\n\r\n" + get("/t/2"));
    std::string const out = received();
    std::string const head_answer = out.substr(0, out.find("\r\n\r\n") + 4);
    EXPECT_NE(head_answer.find("Content-Length: 6\r\n"), std::string::npos) << out;
    EXPECT_TRUE(out.substr(head_answer.size()).starts_with("HTTP/1.1 200 OK\r\n")) << out;
    EXPECT_TRUE(out.ends_with("\r\n\r\n/t/2")) << out;
}

TEST_F(session_test, an_idle_connection_is_closed_after_the_keepalive_timeout)
{
    m_limits.keepalive_timeout = 50ms;
    open();
    send(get("/t/1"));
    EXPECT_TRUE(open_connection());
    wait(200ms);
    EXPECT_FALSE(open_connection());
    EXPECT_EQ(count(received(), "HTTP/1.1"), 1U) << "closed silently: " << received();
}

TEST_F(session_test, a_drain_closes_an_idle_connection_and_finishes_a_request_begun)
{
    open();
    send(get("/t/1"));
    beast::test::stream idle_client{m_io};
    std::swap(idle_client, m_client);
    open();
    send("GET /t/2 HTTP/1.1\r\n");
    ASSERT_EQ(m_registry.size(), 2U);
    m_registry.drain();
    settle();
    EXPECT_EQ(m_registry.size(), 1U) << "the idle connection is closed at once";
    send("Host: old.example\r\n\r\n");
    EXPECT_EQ(m_handler.targets, (std::vector<std::string>{"/t/1", "/t/2"}));
    EXPECT_EQ(count(received(), "Connection: close"), 1U) << received();
    EXPECT_EQ(m_registry.size(), 0U);
}

TEST_F(session_test, a_connection_that_sends_nothing_is_closed_after_the_first_byte_timeout)
{
    // Once: a connection that never sent a byte stayed for the whole keep-alive timeout, and
    // 10,000 of them kept every new client out with 503.
    m_limits.first_byte_timeout = 50ms;
    open();
    wait(200ms);
    EXPECT_FALSE(open_connection()) << "still open after the first-byte timeout";
    EXPECT_EQ(received(), "") << "closed silently";
}

TEST_F(session_test, after_a_first_request_the_keepalive_timeout_applies)
{
    m_limits.first_byte_timeout = 50ms;
    open();
    send(get("/t/1"));
    wait(200ms);
    EXPECT_TRUE(open_connection()) << "closed after the first-byte timeout, not the keep-alive one";
}

TEST_F(session_test, a_full_registry_closes_its_oldest_idle_connection_for_a_new_one)
{
    // Four open: two waiting for their first byte (the older first), one mid-request, one idle
    // after an answer. A fifth is served, and the oldest idle connection makes room for it.
    std::vector<beast::test::stream> clients;
    auto const open_client = [&](std::string_view bytes) {
        m_client = beast::test::stream{m_io};
        open();
        send(bytes);
        clients.push_back(std::move(m_client));
        // Apart by more than a tick of the coarse clock idle times are kept in (4 ms at
        // CONFIG_HZ=250): within one tick, connections are equally old.
        std::this_thread::sleep_for(10ms);
    };
    open_client("");
    open_client("");
    open_client("GET /t/busy HTTP/1.1\r\n");
    open_client(get("/t/answered"));
    ASSERT_EQ(m_registry.size(), 4U);
    m_client = beast::test::stream{m_io};
    open();
    send(get("/t/new"));
    EXPECT_TRUE(received().starts_with("HTTP/1.1 200 OK\r\n")) << received();
    EXPECT_EQ(m_registry.size(), 4U);
    EXPECT_EQ(m_registry.evicted(), 1U);
    // The oldest is gone; the others are still there.
    for (auto const &[index, target] :
         std::vector<std::pair<std::size_t, std::string>>{{0, "/t/oldest"}, {1, "/t/second"}}) {
        beast::error_code ec;
        std::string const bytes = get(target);
        clients[index].write_some(net::buffer(bytes), ec);
        settle();
    }
    clients[2].write_some(net::buffer(std::string_view{"Host: old.example\r\n\r\n"}));
    settle();
    EXPECT_EQ(m_handler.targets, (std::vector<std::string>{"/t/answered", "/t/new", "/t/second", "/t/busy"}));
}

TEST_F(session_test, a_full_registry_of_busy_connections_refuses_with_503)
{
    std::vector<beast::test::stream> clients;
    for (int i = 0; i < 4; ++i) {
        m_client = beast::test::stream{m_io};
        open();
        send("GET /t/slow HTTP/1.1\r\n");
        clients.push_back(std::move(m_client));
    }
    m_client = beast::test::stream{m_io};
    open();
    EXPECT_TRUE(received().starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << received();
    EXPECT_EQ(m_registry.size(), 4U);
    EXPECT_EQ(m_registry.evicted(), 0U);
}

TEST_F(session_test, a_full_registry_refuses_with_503)
{
    connection_registry full{0};
    beast::test::stream server_end{m_io};
    server_end.connect(m_client);
    std::make_shared<session<beast::test::stream>>(m_handler, full, m_limits, false, std::move(server_end))->run();
    settle();
    EXPECT_TRUE(received().starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << received();
    EXPECT_NE(received().find("Retry-After: 5\r\n"), std::string::npos);
    EXPECT_EQ(full.size(), 0U);
}

} // namespace
