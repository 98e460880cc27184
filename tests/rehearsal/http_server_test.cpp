// Tests of rehearsal/http_server over real loopback sockets: requests reach the handler as
// Discourse's routing sees them, answers come back whole, and each kind of fault happens.

#include "rehearsal/http_server.hpp"

#include "tests/support/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <thread>

using namespace forumgate;
using forumgate::testing::http_client;

namespace {

namespace net = boost::asio;

/// Represents a server on a free loopback port, run by a thread of its own for one test.
class running_server
{
public:
    running_server(rehearsal::api_handler handler, rehearsal::fault_plan faults = {})
        : m_server{m_io, {net::ip::make_address("127.0.0.1"), 0}, std::move(handler), faults}, m_thread{[this] {
              m_io.run();
          }}
    {}

    ~running_server()
    {
        m_io.stop();
        m_thread.join();
    }

    running_server(running_server const &) = delete;
    running_server &operator=(running_server const &) = delete;

    [[nodiscard]] std::uint16_t port() const { return m_server.local_endpoint().port(); }
    [[nodiscard]] std::uint64_t requests() const { return m_server.requests(); }

private:
    net::io_context m_io;
    rehearsal::http_server m_server;
    std::thread m_thread;
};

rehearsal::api_response echo(rehearsal::api_request const &request)
{
    std::string body = "{\"path\":\"" + request.path + "\",\"query\":\"" + request.query + "\",\"key\":\"" +
                       request.api_key + "\",\"user\":\"" + request.api_username + "\",\"body\":\"" + request.body +
                       "\"}";
    return {request.path == "/missing" ? 404 : 200, "application/json; charset=utf-8", body, {{"X-Echo", "yes"}}};
}

} // namespace

TEST(rehearsal_http_server, passes_request_parts_to_the_handler)
{
    running_server server{echo};
    http_client client{server.port()};
    ASSERT_TRUE(
        client.send("POST /posts.json?x=1 HTTP/1.1\r\nHost: localhost\r\nApi-Key: k1\r\nApi-Username: system\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nraw=hello"));
    auto const response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_TRUE(response->problem.empty()) << response->problem;
    EXPECT_EQ(response->body, R"({"path":"/posts.json","query":"x=1","key":"k1","user":"system","body":"raw=hello"})");
    EXPECT_EQ(response->header("X-Echo"), "yes");
    EXPECT_EQ(response->header("Content-Type"), "application/json; charset=utf-8");
}

TEST(rehearsal_http_server, keep_alive_and_head)
{
    running_server server{echo};
    http_client client{server.port()};
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(client.send("GET /latest.json HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        auto const response = client.read_response();
        ASSERT_TRUE(response) << i;
        EXPECT_EQ(response->status, 200);
    }
    ASSERT_TRUE(client.send("HEAD /missing HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    auto const head = client.read_response(true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 404);
    EXPECT_TRUE(head->body.empty());
    EXPECT_NE(head->header("Content-Length"), "0");
    EXPECT_EQ(server.requests(), 4U);
}

TEST(rehearsal_http_server, malformed_request_gets_400_and_close)
{
    running_server server{echo};
    http_client client{server.port()};
    ASSERT_TRUE(client.send("NOT HTTP AT ALL\r\n\r\n"));
    auto const response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_TRUE(client.closed_by_peer(std::chrono::seconds{2}));
}

TEST(rehearsal_http_server, handler_exception_is_a_json_500)
{
    running_server server{
        [](rehearsal::api_request const &) -> rehearsal::api_response { throw std::runtime_error{"boom"}; }};
    auto const response = forumgate::testing::http_request(server.port(), "/t/1.json", "localhost");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 500);
    EXPECT_EQ(response->body, R"({"errors":["internal error"],"error_type":"server_error"})");
}

TEST(rehearsal_http_server, injected_errors_alternate_500_and_502)
{
    rehearsal::fault_plan faults;
    faults.error_share = 1.0;
    running_server server{echo, faults};
    std::vector<int> statuses;
    for (int i = 0; i < 4; ++i) {
        auto const response = forumgate::testing::http_request(server.port(), "/latest.json", "localhost");
        ASSERT_TRUE(response);
        statuses.push_back(response->status);
    }
    EXPECT_EQ(statuses, (std::vector<int>{500, 502, 500, 502}));
}

TEST(rehearsal_http_server, injected_drops_close_without_answer)
{
    rehearsal::fault_plan faults;
    faults.drop_share = 1.0;
    running_server server{echo, faults};
    http_client client{server.port()};
    ASSERT_TRUE(client.send("GET /latest.json HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    EXPECT_TRUE(client.closed_by_peer(std::chrono::seconds{2}));
    EXPECT_TRUE(client.received().empty());
}

TEST(rehearsal_http_server, injected_timeouts_hold_the_connection)
{
    rehearsal::fault_plan faults;
    faults.timeout_share = 1.0;
    faults.hang = std::chrono::milliseconds{300};
    running_server server{echo, faults};
    http_client client{server.port()};
    ASSERT_TRUE(client.send("GET /latest.json HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    EXPECT_FALSE(client.readable(std::chrono::milliseconds{150})); // nothing yet
    EXPECT_TRUE(client.closed_by_peer(std::chrono::seconds{2}));   // then closed, unanswered
    EXPECT_TRUE(client.received().empty());
}

TEST(rehearsal_http_server, latency_delays_every_answer)
{
    rehearsal::fault_plan faults;
    faults.latency = std::chrono::milliseconds{200};
    running_server server{echo, faults};
    http_client client{server.port()};
    ASSERT_TRUE(client.send("GET /latest.json HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    EXPECT_FALSE(client.readable(std::chrono::milliseconds{100}));
    auto const response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
}

TEST(rehearsal_http_server, faults_are_drawn_deterministically)
{
    rehearsal::fault_plan faults;
    faults.error_share = 0.5;
    faults.seed = 7;
    auto const sequence = [&] {
        running_server server{echo, faults};
        std::string out;
        for (int i = 0; i < 20; ++i) {
            auto const response = forumgate::testing::http_request(server.port(), "/latest.json", "localhost");
            out += response && response->status == 200 ? '.' : 'E';
        }
        return out;
    };
    std::string const first = sequence();
    EXPECT_EQ(first, sequence());
    EXPECT_NE(first.find('E'), std::string::npos);
    EXPECT_NE(first.find('.'), std::string::npos);
}
