// The redirect server end to end: the real forumgate binary, started on free loopback ports
// against a real PostgreSQL, spoken to over real sockets with exact bytes. Every answer is
// checked line by line; after every hostile request the server must still be serving.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pqxx/pqxx>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using forumgate::testing::http_client;
using forumgate::testing::http_response;
using forumgate::testing::run_process;
using forumgate::testing::server_process;
using forumgate::testing::temp_dir;
using forumgate::testing::test_database;

std::string const OLD_HOST = "forum.cooperationbirmingham.org.uk";
std::string const NEW_BASE = "https://forum.brum.coop";
std::string const TOPIC_774 = NEW_BASE + "/t/agm-2023-minutes/1774";

/// Loads tests/fixtures/cli-map into `db` (the same map forumgate_cli_test uses).
void load_fixture_map(std::string const &db)
{
    auto const result =
        run_process(FORUMGATE_BINARY, {"map", "load", "--db", db, "--new-base", NEW_BASE, "--old-host", OLD_HOST,
                                       "--old-host", "www." + OLD_HOST, std::string{FORUMGATE_FIXTURES} + "/cli-map"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
}

/// A GET (or `method`) of `target` with `Host: OLD_HOST` and the connection kept open.
std::string request(std::string_view target, std::string_view method = "GET", std::string_view host = OLD_HOST)
{
    return std::string{method} + " " + std::string{target} + " HTTP/1.1\r\nHost: " + std::string{host} + "\r\n\r\n";
}

/// Checks what every answer must be: a well-formed head (CRLF only, every header line
/// `Name: value` in visible ASCII), no header a request could have planted, and a Location, if
/// any, on the new forum.
::testing::AssertionResult is_safe(http_response const &response)
{
    if (!response.problem.empty()) {
        return ::testing::AssertionFailure() << response.problem << "\n" << response.head;
    }
    for (auto const *planted : {"Set-Cookie", "Refresh", "Content-Security-Policy", "X-Injected"}) {
        if (response.count(planted) > 0) {
            return ::testing::AssertionFailure() << "a " << planted << " header:\n" << response.head;
        }
    }
    if (response.count("Location") > 1 || response.count("Content-Length") != 1) {
        return ::testing::AssertionFailure() << "Location or Content-Length not once:\n" << response.head;
    }
    if (auto const location = response.header("Location")) {
        // On the new forum, and nothing a browser could read as another host: no // or \ after it.
        std::string_view const path = std::string_view{*location}.substr(std::min(location->size(), NEW_BASE.size()));
        if (!location->starts_with(NEW_BASE + "/") || path.starts_with("//") ||
            path.find('\\') != std::string_view::npos || path.find("//") != std::string_view::npos) {
            return ::testing::AssertionFailure() << "Location off the new forum: " << *location;
        }
    }
    return ::testing::AssertionSuccess();
}

/// \return the value of the Prometheus sample `name` (with labels, exactly as written), or -1.
double metric(std::string const &text, std::string const &name)
{
    std::istringstream lines{text};
    std::string line;
    while (std::getline(lines, line)) {
        if (line.starts_with(name + " ")) {
            return std::stod(line.substr(name.size() + 1));
        }
    }
    return -1;
}

/// Represents a `forumgate serve` started for one test, with its plain, TLS and admin ports.
struct running_server
{
    std::unique_ptr<server_process> process;
    std::uint16_t port = 0;
    std::uint16_t tls_port = 0;
    std::uint16_t admin_port = 0;

    server_process *operator->() const { return process.get(); }
};

class server_test : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        s_db = new test_database;
        load_fixture_map(s_db->conninfo());
    }

    static void TearDownTestSuite()
    {
        delete s_db;
        s_db = nullptr;
    }

    void SetUp() override { ASSERT_NE(s_db, nullptr) << "no test database (see the first failure)"; }

    /// Starts the server on 127.0.0.1 ports of the kernel's choosing (`--listen 127.0.0.1:0`),
    /// with an admin port, serving the map in `db` (default: the shared fixture database).
    /// \throws std::runtime_error (the test fails) if it does not come up.
    static running_server start(std::vector<std::string> extra = {}, std::string const &db = {}, bool tls = false)
    {
        std::vector<std::pair<std::string, std::string>> const defaults = {
            {"--listen", "127.0.0.1:0"},
            {"--admin-listen", "127.0.0.1:0"},
            {"--stats-interval", "0"},
            {"--reload-min-interval", "0"},
            {"--db", db.empty() ? s_db->conninfo() : db}};
        std::vector<std::string> args{"serve"};
        for (auto const &[option, value] : defaults) {
            if (std::find(extra.begin(), extra.end(), option) == extra.end()) {
                args.insert(args.end(), {option, value});
            }
        }
        args.insert(args.end(), extra.begin(), extra.end());
        running_server server;
        server.process = std::make_unique<server_process>(FORUMGATE_BINARY, args,
                                                          std::map<std::string, std::string>{{"FORUMGATE_DB", ""}});
        if (!server.process->wait_listening(tls ? 3 : 2)) {
            throw std::runtime_error{"the server did not come up:\n" + server.process->log()}; // ends the test
        }
        auto const &ports = server.process->ports();
        server.port = ports[0];
        server.tls_port = tls ? ports[1] : 0;
        server.admin_port = ports.back();
        return server;
    }

    /// Checks the server is alive and well: /healthz on the admin port, and a normal request.
    static ::testing::AssertionResult serving(running_server &server)
    {
        if (!server->running()) {
            return ::testing::AssertionFailure() << "the server exited:\n" << server->log();
        }
        auto const health = forumgate::testing::http_request(server.admin_port, "/healthz", "localhost");
        if (!health || health->status != 200 || health->body != "ok\n") {
            return ::testing::AssertionFailure() << "/healthz did not answer 200 ok";
        }
        auto const answer = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
        if (!answer || answer->status != 301 || answer->header("Location") != TOPIC_774) {
            return ::testing::AssertionFailure() << "/t/774 did not answer 301 " << TOPIC_774
                                                 << (answer ? "\n" + answer->head : std::string{" (no answer)"});
        }
        return ::testing::AssertionSuccess();
    }

    /// Sends `bytes` on a new connection and expects one answer `status` (0: any 4xx) that says
    /// Connection: close, then the connection closed by the server.
    static void expect_refused_and_closed(running_server &server, std::string_view name, std::string const &bytes,
                                          int status)
    {
        SCOPED_TRACE(name);
        http_client client{server.port, 3s};
        client.send(bytes);
        auto const response = client.read_response();
        ASSERT_TRUE(response) << "no answer; received: " << client.received();
        EXPECT_TRUE(is_safe(*response));
        if (status == 0) {
            EXPECT_GE(response->status, 400) << response->head;
            EXPECT_LT(response->status, 500) << response->head;
        } else {
            EXPECT_EQ(response->status, status) << response->head;
        }
        EXPECT_EQ(response->header("Connection"), "close") << response->head;
        EXPECT_TRUE(client.closed_by_peer(2s)) << "the connection stayed open";
        EXPECT_TRUE(serving(server));
    }

    static test_database *s_db;
};

test_database *server_test::s_db = nullptr;

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
    ASSERT_TRUE(client.send("POST /t/774 HTTP/1.1\r\nHost: " + OLD_HOST +
                            "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
    auto const chunked = client.read_response();
    ASSERT_TRUE(chunked);
    EXPECT_EQ(chunked->status, 405);
    ASSERT_TRUE(client.send(request("/t/774")));
    auto const next = client.read_response();
    ASSERT_TRUE(next) << client.received();
    EXPECT_EQ(next->status, 301);
    EXPECT_TRUE(client.received().empty()) << "the POST body was answered as a request: " << client.received();
    EXPECT_FALSE(client.readable(200ms)) << client.received();
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

TEST_F(server_test, an_idle_keep_alive_connection_is_closed_after_the_keepalive_timeout)
{
    auto server = start({"--keepalive-timeout-ms", "300"});
    {
        http_client client{server.port};
        ASSERT_TRUE(client.send(request("/t/774")));
        ASSERT_TRUE(client.read_response());
        auto const answered = std::chrono::steady_clock::now();
        EXPECT_TRUE(client.closed_by_peer(3s));
        auto const idle = std::chrono::steady_clock::now() - answered;
        EXPECT_GE(idle, 250ms);
        EXPECT_LT(idle, 2s);
    }
    {
        // A connection that never sends a byte is closed the same way, silently.
        http_client client{server.port};
        EXPECT_TRUE(client.closed_by_peer(3s));
        EXPECT_TRUE(client.received().empty()) << client.received();
    }
    {
        // Requests keep it open: the timeout counts from the last answer.
        http_client client{server.port};
        for (int i = 0; i < 4; ++i) {
            ASSERT_TRUE(client.send(request("/t/774"))) << i;
            ASSERT_TRUE(client.read_response()) << i;
            std::this_thread::sleep_for(150ms);
        }
    }
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, connections_past_max_connections_get_503)
{
    auto server = start({"--max-connections", "5"});
    std::vector<std::unique_ptr<http_client>> open;
    for (int i = 0; i < 5; ++i) {
        open.push_back(std::make_unique<http_client>(server.port));
        ASSERT_TRUE(open.back()->send(request("/t/774")));
        auto const response = open.back()->read_response();
        ASSERT_TRUE(response) << i;
        EXPECT_EQ(response->status, 301) << i;
    }
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
        ASSERT_TRUE(client->send(request("/t/774")));
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

// ---------------------------------------------------------------------------------------------
// reloads

TEST_F(server_test, reload_under_load_fails_no_request_and_then_serves_the_new_map)
{
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({"--threads", "2"}, db.conninfo());
    std::string const renamed = NEW_BASE + "/t/agm-minutes-renamed/1774";

    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> answered{0};
    std::atomic<std::uint64_t> saw_new{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    auto const fail = [&](std::string what) {
        std::lock_guard const lock{failures_mutex};
        if (failures.size() < 20) {
            failures.push_back(std::move(what));
        }
    };
    auto const check = [&](std::optional<http_response> const &response) {
        if (!response) {
            fail("no answer");
            return false;
        }
        auto const location = response->header("Location").value_or("");
        if (response->status != 301 || (location != TOPIC_774 && location != renamed) || !response->problem.empty()) {
            fail(response->head);
            return false;
        }
        ++answered;
        if (location == renamed) {
            ++saw_new;
        }
        return true;
    };
    auto const guarded = [&](auto body) {
        return [&, body] {
            try {
                body();
            } catch (std::exception const &e) {
                fail(e.what());
            }
        };
    };
    std::vector<std::thread> clients;
    for (int i = 0; i < 3; ++i) {
        clients.emplace_back(guarded([&] { // keep-alive, two requests pipelined at a time
            http_client client{server.port};
            while (!stop) {
                if (!client.send(request("/t/774") + request("/t/agm-2023-minutes/774")) ||
                    !check(client.read_response()) || !check(client.read_response())) {
                    return;
                }
            }
        }));
    }
    clients.emplace_back(guarded([&] { // a new connection for every request
        while (!stop) {
            check(forumgate::testing::http_request(server.port, "/t/774", OLD_HOST));
        }
    }));

    // While they run: SIGHUP every 100 ms, and a change to the map in the store (NOTIFY).
    temp_dir changed;
    changed.write("topics.csv",
                  "old_id,old_slug,new_id,new_slug,restricted\n774,agm-2023-minutes,1774,agm-minutes-renamed,false\n");
    auto const begun = std::chrono::steady_clock::now();
    bool loaded = false;
    while (std::chrono::steady_clock::now() - begun < 3s) {
        server->signal(SIGHUP);
        std::this_thread::sleep_for(100ms);
        if (!loaded && std::chrono::steady_clock::now() - begun > 1s) {
            auto const load =
                run_process(FORUMGATE_BINARY, {"map", "load", "--db", db.conninfo(), changed.path().string()});
            EXPECT_EQ(load.exit_code, 0) << load.err;
            loaded = true;
        }
    }
    stop = true;
    for (auto &thread : clients) {
        thread.join();
    }

    EXPECT_TRUE(failures.empty()) << failures.size() << " failed, the first:\n"
                                  << failures.front() << "\n"
                                  << server->log();
    EXPECT_GT(answered.load(), 100U);
    EXPECT_GT(saw_new.load(), 0U) << "the new map was never served during the run";
    EXPECT_TRUE(server->wait_for_log("map version 1 -> 2", 2s)) << server->log();
    EXPECT_GE(server->log_count("reload (SIGHUP)"), 3U) << server->log();
    EXPECT_EQ(server->log_count("failed"), 0U) << server->log();
    auto const after = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->header("Location"), renamed);
    auto const metrics = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metric(metrics->body, "forumgate_map_version"), 2) << metrics->body;
}

TEST_F(server_test, a_store_change_alone_is_picked_up_by_notify)
{
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({}, db.conninfo());
    temp_dir changed;
    changed.write("topics.csv",
                  "old_id,old_slug,new_id,new_slug,restricted\n774,agm-2023-minutes,1774,agm-minutes-renamed,false\n");
    auto const load = run_process(FORUMGATE_BINARY, {"map", "load", "--db", db.conninfo(), changed.path().string()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    EXPECT_TRUE(server->wait_for_log("reload (store changed, version 2)", 5s)) << server->log();
    EXPECT_TRUE(server->wait_for_log("map version 1 -> 2", 5s)) << server->log();
    auto const after = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->header("Location"), NEW_BASE + "/t/agm-minutes-renamed/1774");
}

TEST_F(server_test, a_reload_with_the_store_gone_keeps_serving_the_old_map)
{
    auto doomed = std::make_unique<test_database>();
    load_fixture_map(doomed->conninfo());
    auto server = start({}, doomed->conninfo());
    ASSERT_TRUE(serving(server));
    {
        pqxx::connection admin{std::getenv(forumgate::testing::TEST_DB_VARIABLE)};
        pqxx::nontransaction drop{admin};
        drop.exec("DROP DATABASE " + drop.quote_name(doomed->name()) + " WITH (FORCE)");
    }
    server->signal(SIGHUP);
    EXPECT_TRUE(server->wait_for_log("reload (SIGHUP) failed, still serving map version 1", 5s)) << server->log();
    EXPECT_TRUE(serving(server));
    auto const reload = forumgate::testing::http_request(server.admin_port, "/reload", "localhost", "POST");
    ASSERT_TRUE(reload);
    EXPECT_EQ(reload->status, 200);
    EXPECT_TRUE(server->wait_for_log("reload (admin request) failed, still serving map version 1", 5s))
        << server->log();
    EXPECT_TRUE(serving(server));
    auto const ready = forumgate::testing::http_request(server.admin_port, "/readyz", "localhost");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200);
    auto const metrics = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metric(metrics->body, "forumgate_reloads_total{result=\"failed\"}"), 2) << metrics->body;
    server->signal(SIGTERM);
    EXPECT_EQ(server->wait_exit(5s), 0) << server->log();
}

TEST_F(server_test, start_up_with_the_store_unreachable_fails_fast)
{
    temp_dir dir;
    std::string const nowhere =
        "host=" + (dir.path() / "no-server-here").string() + " port=5432 dbname=nothing connect_timeout=2";
    auto const begun = std::chrono::steady_clock::now();
    server_process server{FORUMGATE_BINARY, {"serve", "--db", nowhere, "--listen", "127.0.0.1:0"}};
    auto const status = server.wait_exit(10s);
    EXPECT_EQ(status, 2) << server.log();
    EXPECT_LT(std::chrono::steady_clock::now() - begun, 5s);
    EXPECT_NE(server.log().find("error connecting to host="), std::string::npos) << server.log();
    EXPECT_NE(server.log().find("hint: check --db"), std::string::npos) << server.log();
    EXPECT_EQ(server.log().find("listening on"), std::string::npos) << server.log();
}

TEST_F(server_test, start_up_with_the_store_unreachable_uses_the_snapshot_file)
{
    temp_dir dir;
    auto const file = dir.path() / "map.snapshot";
    auto const written = run_process(FORUMGATE_BINARY, {"map", "snapshot", "--db", s_db->conninfo(), file.string()});
    ASSERT_EQ(written.exit_code, 0) << written.err;
    std::string const nowhere =
        "host=" + (dir.path() / "no-server-here").string() + " port=5432 dbname=nothing connect_timeout=2";
    auto server = start({"--db", nowhere, "--snapshot", file.string()});
    ASSERT_TRUE(server->running()) << server->log();
    EXPECT_NE(server->log().find("starting from snapshot file"), std::string::npos) << server->log();
    EXPECT_TRUE(serving(server));
    auto const post = forumgate::testing::http_request(server.port, "/p/9003", OLD_HOST);
    ASSERT_TRUE(post);
    EXPECT_EQ(post->header("Location"), NEW_BASE + "/t/agm-2023-minutes/1774/2");
    // A reload while the store is still away keeps the snapshot's map.
    server->signal(SIGHUP);
    EXPECT_TRUE(server->wait_for_log("failed, still serving map version 1", 5s)) << server->log();
    EXPECT_TRUE(serving(server));
}

/// Represents a TCP port on 127.0.0.1 that takes connections (the kernel completes them) and never
/// answers: a store that hangs.
class black_hole
{
public:
    black_hole()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), size) != 0 || ::listen(m_fd, 16) != 0 ||
            ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &size) != 0) {
            throw std::runtime_error{"black hole: cannot listen"};
        }
        m_port = ntohs(address.sin_port);
    }
    ~black_hole() { ::close(m_fd); }
    black_hole(black_hole const &) = delete;
    black_hole &operator=(black_hole const &) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return m_port; }

private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
};

TEST_F(server_test, a_sighup_while_the_first_map_loads_is_handled_once_running)
{
    temp_dir dir;
    auto const file = dir.path() / "map.snapshot";
    auto const written = run_process(FORUMGATE_BINARY, {"map", "snapshot", "--db", s_db->conninfo(), file.string()});
    ASSERT_EQ(written.exit_code, 0) << written.err;
    // The store hangs for a second at start-up: a SIGHUP then (logrotate, an impatient operator)
    // must not kill the server with the signal's default action.
    black_hole store;
    std::string const hanging =
        "host=127.0.0.1 port=" + std::to_string(store.port()) + " dbname=nothing connect_timeout=1";
    server_process server{FORUMGATE_BINARY,
                          {"serve", "--db", hanging, "--snapshot", file.string(), "--listen", "127.0.0.1:0",
                           "--admin-listen", "127.0.0.1:0", "--stats-interval", "0", "--no-listen-for-changes"}};
    std::this_thread::sleep_for(400ms);
    ASSERT_TRUE(server.running()) << server.log();
    server.signal(SIGHUP);
    ASSERT_TRUE(server.wait_listening(2, 10s)) << "killed by SIGHUP at start-up:\n" << server.log();
    EXPECT_TRUE(server.wait_for_log("SIGHUP: reloading", 5s)) << server.log();
    EXPECT_TRUE(server.wait_for_log("reload (SIGHUP) failed, still serving map version 1", 5s)) << server.log();
    auto const answer = forumgate::testing::http_request(server.ports()[0], "/t/774", OLD_HOST);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->header("Location"), TOPIC_774);
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(5s), 0) << server.log();
}

TEST_F(server_test, soft_mode_answers_302_briefly_cached)
{
    auto server = start({"--soft"});
    auto const response = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 302);
    EXPECT_EQ(response->header("Location"), TOPIC_774);
    EXPECT_EQ(response->header("Cache-Control"), "max-age=300");
}

TEST_F(server_test, a_config_change_to_soft_false_and_sighup_give_301_without_restart)
{
    temp_dir dir;
    auto const config = dir.write("forumgate.conf", "# trial period\nsoft = true\nsoft-max-age = 120\n");
    auto server = start({"--config", config.string()});
    auto const soft = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(soft);
    EXPECT_EQ(soft->status, 302);
    EXPECT_EQ(soft->header("Cache-Control"), "max-age=120");

    http_client kept{server.port}; // a connection open across the reload sees the change too
    ASSERT_TRUE(kept.send(request("/t/774")));
    ASSERT_TRUE(kept.read_response());

    dir.write("forumgate.conf", "soft = false\npermanent-max-age = 86400\n");
    auto const pid_before = server->pid();
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP", 2s));
    std::optional<http_response> hard;
    for (int attempt = 0; attempt < 100; ++attempt) {
        hard = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
        if (hard && hard->status == 301) {
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(hard);
    EXPECT_EQ(hard->status, 301);
    EXPECT_EQ(hard->header("Cache-Control"), "public, max-age=86400");
    ASSERT_TRUE(kept.send(request("/t/774")));
    auto const on_kept = kept.read_response();
    ASSERT_TRUE(on_kept);
    EXPECT_EQ(on_kept->status, 301);
    EXPECT_EQ(server->pid(), pid_before);
    EXPECT_TRUE(server->running());

    // A setting that needs a restart is named and kept.
    dir.write("forumgate.conf", "soft = false\nthreads = 3\n");
    server->signal(SIGHUP);
    EXPECT_TRUE(server->wait_for_log("setting threads changed", 2s)) << server->log();
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, a_setting_taken_out_of_the_config_file_returns_to_its_default_on_sighup)
{
    temp_dir dir;
    auto const config = dir.write("forumgate.conf", "soft = true\nmiss-max-age = 5\n");
    auto server = start({"--config", config.string(), "--permanent-max-age", "600"});
    auto const soft = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(soft);
    EXPECT_EQ(soft->status, 302);
    // The trial period is over: the operator deletes the line rather than writing soft = false.
    dir.write("forumgate.conf", "# soft period over\n");
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP", 2s));
    std::optional<http_response> hard;
    for (int attempt = 0; attempt < 50; ++attempt) {
        hard = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
        if (hard && hard->status == 301) {
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(hard);
    EXPECT_EQ(hard->status, 301) << server->log();
    EXPECT_EQ(hard->header("Cache-Control"), "public, max-age=600") << "the command line still wins";
    auto const miss = forumgate::testing::http_request(server.port, "/t/nothing/999999", OLD_HOST);
    ASSERT_TRUE(miss);
    EXPECT_EQ(miss->header("Cache-Control"), "public, max-age=60");
    EXPECT_EQ(server->log_count("needs a restart"), 0U) << server->log();
}

TEST_F(server_test, access_log_has_one_line_per_request_and_believes_only_trusted_proxies)
{
    temp_dir dir;
    auto const log = dir.path() / "access.log";
    auto const config = dir.write("forumgate.conf", "access-log = " + log.string() + "\ntrusted-proxy = 127.0.0.0/8\n");
    auto server = start({"--config", config.string()});
    http_client client{server.port};
    auto const send = [&](std::string const &extra) {
        ASSERT_TRUE(client.send("GET /t/774?x=\"y\" HTTP/1.1\r\nHost: " + OLD_HOST +
                                "\r\nUser-Agent: agent \"quoted\" \\ back\r\n" + extra + "\r\n"));
        ASSERT_TRUE(client.read_response());
    };
    send("X-Forwarded-For: 203.0.113.7, 198.51.100.9\r\n");
    send("X-Forwarded-For: not-an-address\r\n");
    // Without the trusted proxy, X-Forwarded-For is ignored. The log is rotated meanwhile: SIGHUP
    // opens it again.
    dir.write("forumgate.conf", "access-log = " + log.string() + "\n");
    auto const lines_in = [](fs::path const &file) {
        std::string const text = fs::exists(file) ? forumgate::testing::read_file(file) : std::string{};
        return std::count(text.begin(), text.end(), '\n');
    };
    for (int attempt = 0; attempt < 100 && lines_in(log) < 2; ++attempt) {
        std::this_thread::sleep_for(20ms); // written by a background thread
    }
    ASSERT_EQ(lines_in(log), 2);
    fs::rename(log, dir.path() / "access.log.1");
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("reload (SIGHUP)", 3s));
    send("X-Forwarded-For: 198.51.100.10\r\n");
    server->signal(SIGTERM);
    EXPECT_TRUE(client.closed_by_peer(2s));
    ASSERT_EQ(server->wait_exit(5s), 0) << server->log();

    std::istringstream lines{forumgate::testing::read_file(dir.path() / "access.log.1") +
                             forumgate::testing::read_file(log)};
    std::vector<std::string> written;
    for (std::string line; std::getline(lines, line);) {
        written.push_back(line);
    }
    ASSERT_EQ(written.size(), 3U) << forumgate::testing::read_file(dir.path() / "access.log.1") << "--\n"
                                  << forumgate::testing::read_file(log);
    EXPECT_EQ(lines_in(log), 1) << "the line after the SIGHUP went to the rotated file";
    EXPECT_TRUE(written[0].starts_with("198.51.100.9 - - [")) << written[0];
    EXPECT_TRUE(written[1].starts_with("127.0.0.1 - - [")) << written[1];
    EXPECT_TRUE(written[2].starts_with("127.0.0.1 - - [")) << written[2];
    for (auto const &line : written) {
        // Combined format, as nginx and Apache write it (and forumgate coverage reads it).
        EXPECT_NE(
            line.find(
                " +0000] \"GET /t/774?x=\\x22y\\x22 HTTP/1.1\" 301 - \"-\" \"agent \\x22quoted\\x22 \\x5C back\""),
            std::string::npos)
            << line;
        auto const open = line.find('[');
        ASSERT_NE(open, std::string::npos) << line;
        auto const stamp = line.substr(open + 1, 26); // 27/Nov/2026:08:13:31 +0000
        EXPECT_TRUE(stamp.size() == 26 && stamp[2] == '/' && stamp[6] == '/' && stamp[11] == ':' && stamp[20] == ' ')
            << stamp;
    }
}

TEST_F(server_test, a_stats_line_is_logged_every_interval)
{
    auto server = start({"--stats-interval", "1"});
    ASSERT_TRUE(serving(server));
    EXPECT_TRUE(server->wait_for_log("stats: ", 3s)) << server->log();
    EXPECT_NE(server->log().find("map version 1"), std::string::npos);
    server->signal(SIGTERM);
    EXPECT_EQ(server->wait_exit(3s), 0) << server->log();
}

TEST_F(server_test, start_up_on_a_port_in_use_fails_with_exit_2)
{
    auto first = start();
    server_process second{FORUMGATE_BINARY,
                          {"serve", "--db", s_db->conninfo(), "--listen", "127.0.0.1:" + std::to_string(first.port)}};
    EXPECT_EQ(second.wait_exit(10s), 2) << second.log();
    EXPECT_NE(second.log().find("cannot listen on 127.0.0.1:" + std::to_string(first.port)), std::string::npos)
        << second.log();
    EXPECT_TRUE(serving(first));
}

// ---------------------------------------------------------------------------------------------
// stopping

TEST_F(server_test, sigterm_finishes_a_request_half_sent_and_exits_zero)
{
    auto server = start({"--drain-timeout-ms", "3000"});
    http_client idle{server.port};
    ASSERT_TRUE(idle.send(request("/t/774")));
    ASSERT_TRUE(idle.read_response());
    http_client busy{server.port};
    std::string const bytes = request("/t/774");
    ASSERT_TRUE(busy.send(bytes.substr(0, 20)));
    std::this_thread::sleep_for(200ms); // the server has read the first half

    auto const signalled = std::chrono::steady_clock::now();
    server->signal(SIGTERM);
    ASSERT_TRUE(server->wait_for_log("SIGTERM", 2s)) << server->log();
    EXPECT_TRUE(idle.closed_by_peer(2s)) << "an idle keep-alive connection is closed at once";
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(server->running()) << "it exited with a request in flight:\n" << server->log();

    ASSERT_TRUE(busy.send(bytes.substr(20)));
    auto const response = busy.read_response();
    ASSERT_TRUE(response) << "the request in flight was not answered:\n" << server->log();
    EXPECT_EQ(response->status, 301);
    EXPECT_EQ(response->header("Location"), TOPIC_774);
    EXPECT_EQ(response->header("Connection"), "close");
    EXPECT_TRUE(busy.closed_by_peer(2s));
    EXPECT_EQ(server->wait_exit(3s), 0) << server->log();
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 3s);
    EXPECT_FALSE(http_client::can_connect(server.port));
    EXPECT_NE(server->log().find("stopped after"), std::string::npos) << server->log();
}

TEST_F(server_test, sigterm_with_a_stuck_client_exits_after_the_drain_timeout)
{
    auto server = start({"--drain-timeout-ms", "500"});
    http_client stuck{server.port};
    ASSERT_TRUE(stuck.send("GET /t/774 HTTP/1.1\r\nHost: "));
    http_client admin_stuck{server.admin_port};
    ASSERT_TRUE(admin_stuck.send("GET /healthz HTTP/1.1\r\n"));
    std::this_thread::sleep_for(200ms);
    auto const signalled = std::chrono::steady_clock::now();
    server->signal(SIGTERM);
    EXPECT_EQ(server->wait_exit(5s), 0) << server->log();
    auto const took = std::chrono::steady_clock::now() - signalled;
    EXPECT_GE(took, 400ms);
    EXPECT_LT(took, 3s);
    EXPECT_NE(server->log().find("drain timeout"), std::string::npos) << server->log();
}

TEST_F(server_test, sigint_with_nothing_in_flight_exits_at_once)
{
    auto server = start();
    ASSERT_TRUE(serving(server));
    auto const signalled = std::chrono::steady_clock::now();
    server->signal(SIGINT);
    EXPECT_EQ(server->wait_exit(5s), 0) << server->log();
    // The store's change listener looks for the stop once a second.
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, 2s);
}

// ---------------------------------------------------------------------------------------------
// admin, TLS, miss log

TEST_F(server_test, admin_endpoints_report_health_readiness_metrics_and_reload)
{
    auto server = start();
    auto const health = forumgate::testing::http_request(server.admin_port, "/healthz", "localhost");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(health->body, "ok\n");
    auto const ready = forumgate::testing::http_request(server.admin_port, "/readyz", "localhost");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200);
    EXPECT_EQ(ready->body, "ready, map version 1\n");

    std::string const topics = "forumgate_requests_total{outcome=\"redirect\",kind=\"topic\"}";
    std::string const misses = "forumgate_requests_total{outcome=\"not_found\",kind=\"topic\"}";
    auto const before = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(before);
    EXPECT_EQ(before->header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(metric(before->body, "forumgate_map_version"), 1) << before->body;
    EXPECT_EQ(metric(before->body, "forumgate_map_entries{table=\"topics\"}"), 4) << before->body;
    double const topics_before = std::max(metric(before->body, topics), 0.0);
    http_client client{server.port};
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(client.send(request("/t/774") + request("/t/nothing/999999") + request("/t/774", "POST") +
                                request("/t/774", "GET", "evil.example")));
        for (int j = 0; j < 4; ++j) {
            ASSERT_TRUE(client.read_response());
        }
    }
    auto const after = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(after);
    EXPECT_EQ(metric(after->body, topics), topics_before + 3) << after->body;
    EXPECT_EQ(metric(after->body, misses), 3) << after->body;
    EXPECT_EQ(metric(after->body, "forumgate_rejected_total{reason=\"method_not_allowed\"}"), 3) << after->body;
    EXPECT_EQ(metric(after->body, "forumgate_rejected_total{reason=\"misdirected\"}"), 3) << after->body;
    EXPECT_GE(metric(after->body, "forumgate_open_connections"), 1) << after->body;
    EXPECT_GE(metric(after->body, "forumgate_request_duration_seconds_count"), 6) << after->body;

    // POST /reload from loopback; GET is not allowed there.
    auto const get_reload = forumgate::testing::http_request(server.admin_port, "/reload", "localhost");
    ASSERT_TRUE(get_reload);
    EXPECT_EQ(get_reload->status, 405);
    auto const reload = forumgate::testing::http_request(server.admin_port, "/reload", "localhost", "POST");
    ASSERT_TRUE(reload);
    EXPECT_EQ(reload->status, 200);
    EXPECT_TRUE(server->wait_for_log("reload (admin request): map version 1 -> 1", 5s)) << server->log();
    std::optional<http_response> reloaded;
    for (int attempt = 0; attempt < 100; ++attempt) {
        reloaded = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
        if (reloaded && metric(reloaded->body, "forumgate_reloads_total{result=\"ok\"}") == 1) {
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(reloaded);
    EXPECT_EQ(metric(reloaded->body, "forumgate_reloads_total{result=\"ok\"}"), 1) << reloaded->body;
    auto const unknown = forumgate::testing::http_request(server.admin_port, "/t/774", OLD_HOST);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404);
    EXPECT_FALSE(unknown->header("Location").has_value());
}

/// Makes a self-signed certificate for CN `name`: key.pem and cert.pem in `dir`.
bool make_certificate(fs::path const &dir, std::string const &name)
{
    auto const made = run_process("/usr/bin/openssl",
                                  {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-days",
                                   "1", "-keyout", (dir / "key.new").string(), "-out", (dir / "cert.new").string()});
    if (made.exit_code != 0) {
        ADD_FAILURE() << made.err;
        return false;
    }
    fs::rename(dir / "key.new", dir / "key.pem");
    fs::rename(dir / "cert.new", dir / "cert.pem");
    return true;
}

/// \return the subject of the certificate the server on `port` presents.
std::string certificate_subject(std::uint16_t port)
{
    auto const shown =
        run_process("/bin/sh",
                    {"-c", "openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                               " -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -subject"},
                    {}, {}, 10);
    return shown.out;
}

TEST_F(server_test, tls_listener_answers_with_the_redirect_and_reloads_its_certificate)
{
    if (!fs::exists("/usr/bin/openssl") || !fs::exists("/usr/bin/curl")) {
        GTEST_SKIP() << "needs the openssl and curl programs";
    }
    temp_dir dir;
    ASSERT_TRUE(make_certificate(dir.path(), "localhost"));
    auto server = start({"--tls-listen", "127.0.0.1:0", "--tls-cert", (dir.path() / "cert.pem").string(), "--tls-key",
                         (dir.path() / "key.pem").string()},
                        {}, true);
    ASSERT_NE(server.tls_port, 0);
    std::string const authority = OLD_HOST + ":" + std::to_string(server.tls_port);
    auto const fetched = run_process("/usr/bin/curl", {"-sk", "--max-time", "5", "--resolve", authority + ":127.0.0.1",
                                                       "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                                                       "https://" + authority + "/t/774"});
    EXPECT_EQ(fetched.out, "301 " + TOPIC_774) << fetched.err;
    auto const head = run_process("/usr/bin/curl", {"-skI", "--max-time", "5", "--resolve", authority + ":127.0.0.1",
                                                    "https://" + authority + "/t/nothing/999999"});
    EXPECT_NE(head.out.find("HTTP/1.1 404"), std::string::npos) << head.out;
    EXPECT_NE(certificate_subject(server.tls_port).find("localhost"), std::string::npos);

    // Plain HTTP spoken to the TLS port, and a handshake that stops half way, harm nothing.
    {
        http_client plain{server.tls_port, 2s};
        plain.send(request("/t/774"));
        EXPECT_TRUE(plain.closed_by_peer(3s));
    }
    {
        http_client half{server.tls_port, 2s};
        half.send(std::string{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11});
    }

    // SIGHUP re-reads the certificate and key (no config file needed).
    ASSERT_TRUE(make_certificate(dir.path(), "reloaded.example"));
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP", 2s));
    std::string subject;
    for (int attempt = 0; attempt < 20; ++attempt) {
        subject = certificate_subject(server.tls_port);
        if (subject.find("reloaded.example") != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_NE(subject.find("reloaded.example"), std::string::npos) << subject << server->log();
    auto const again = run_process("/usr/bin/curl",
                                   {"-sk", "--max-time", "5", "--resolve", authority + ":127.0.0.1", "-o", "/dev/null",
                                    "-w", "%{http_code} %{redirect_url}", "https://" + authority + "/t/774"});
    EXPECT_EQ(again.out, "301 " + TOPIC_774) << again.err;
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, a_failed_settings_reload_changes_nothing)
{
    if (!fs::exists("/usr/bin/openssl") || !fs::exists("/usr/bin/curl")) {
        GTEST_SKIP() << "needs the openssl and curl programs";
    }
    temp_dir dir;
    ASSERT_TRUE(make_certificate(dir.path(), "localhost"));
    std::string const tls_files =
        "tls-cert = " + (dir.path() / "cert.pem").string() + "\ntls-key = " + (dir.path() / "key.pem").string() + "\n";
    auto const config = dir.write("forumgate.conf", "soft = true\n" + tls_files);
    auto server = start({"--config", config.string(), "--tls-listen", "127.0.0.1:0"}, {}, true);
    ASSERT_NE(server.tls_port, 0);
    auto const status_of = [&] {
        auto const response = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
        return response ? response->status : 0;
    };
    EXPECT_EQ(status_of(), 302);

    // soft = false, but the certificate is missing: nothing of it is applied.
    dir.write("forumgate.conf", "soft = false\ntls-cert = " + (dir.path() / "missing.pem").string() +
                                    "\ntls-key = " + (dir.path() / "key.pem").string() + "\n");
    server->signal(SIGHUP);
    EXPECT_TRUE(server->wait_for_log("config reload failed, keeping the running settings", 2s)) << server->log();
    EXPECT_EQ(status_of(), 302);
    EXPECT_NE(certificate_subject(server.tls_port).find("localhost"), std::string::npos);

    // Mended: applied.
    dir.write("forumgate.conf", "soft = false\n" + tls_files);
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP", 2s, 2));
    int status = 0;
    for (int attempt = 0; attempt < 100 && status != 301; ++attempt) {
        std::this_thread::sleep_for(20ms);
        status = status_of();
    }
    EXPECT_EQ(status, 301) << server->log();
}

/// \return target → (reason, hits) from forumgate.misses in `db`.
std::map<std::string, std::pair<std::string, std::int64_t>> misses_in(std::string const &db)
{
    std::map<std::string, std::pair<std::string, std::int64_t>> out;
    pqxx::connection connection{db};
    pqxx::read_transaction txn{connection};
    if (txn.exec1("SELECT to_regclass('forumgate.misses') IS NULL")[0].as<bool>()) {
        return out;
    }
    for (auto const &row : txn.exec("SELECT target, reason, hits FROM forumgate.misses")) {
        out[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::int64_t>()};
    }
    return out;
}

TEST_F(server_test, miss_log_adds_404_and_410_counts_to_the_store)
{
    test_database db;
    load_fixture_map(db.conninfo());
    auto server = start({"--miss-log-interval", "1"}, db.conninfo());
    http_client client{server.port};
    // One target the store cannot keep (not UTF-8): it must not stop the others being written.
    std::string const requests = request("/t/nothing/999999") + request("/t/nothing/999999") +
                                 request("/t/nothing/999999") + request("/t/spam-topic/777") + request("/wp-admin") +
                                 request("/wp-admin") + request("/t/774") + request("/wp-login.php?x=\xff\xfe");
    ASSERT_TRUE(client.send(requests));
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(client.read_response());
    }
    std::map<std::string, std::pair<std::string, std::int64_t>> rows;
    for (int attempt = 0; attempt < 50; ++attempt) {
        rows = misses_in(db.conninfo());
        if (rows.size() >= 3) {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    using row = std::pair<std::string, std::int64_t>;
    EXPECT_EQ(rows["/t/nothing/999999"], (row{"unknown_id", 3}));
    EXPECT_EQ(rows["/t/spam-topic/777"], (row{"not_migrated", 1}));
    EXPECT_EQ(rows["/wp-admin"], (row{"unknown_shape", 2}));
    EXPECT_EQ(rows.count("/t/774"), 0U);

    // More of the same add up; what is left at SIGTERM is written on the way out.
    ASSERT_TRUE(client.send(request("/t/nothing/999999") + request("/favicon-old.ico")));
    ASSERT_TRUE(client.read_response());
    ASSERT_TRUE(client.read_response());
    server->signal(SIGTERM);
    EXPECT_EQ(server->wait_exit(5s), 0) << server->log();
    rows = misses_in(db.conninfo());
    EXPECT_EQ(rows["/t/nothing/999999"], (row{"unknown_id", 4}));
    EXPECT_EQ(rows["/favicon-old.ico"], (row{"unknown_shape", 1}));
}

} // namespace
