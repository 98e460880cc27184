// Tests of web/site_url, http_client and polite_send over real loopback sockets, with the
// rehearsal forum's HTTP server answering as each test needs: keep-alive, reconnection after
// the server closes, injected 5xx, drops and timeouts retried, 429 honouring Retry-After,
// 4xx final at once with the URL in the message.

#include "web/http_client.hpp"

#include "base/error.hpp"
#include "tests/support/captured_log.hpp"
#include "tests/support/loopback_server.hpp"
#include "web/polite.hpp"
#include "web/progress.hpp"
#include "web/site_url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

using namespace forumgate;
using namespace forumgate::web;

namespace {

namespace net = boost::asio;

/// Represents the loopback server a test talks to, as the client addresses it.
class running_server : public forumgate::testing::loopback_server
{
public:
    using loopback_server::loopback_server;

    [[nodiscard]] site_url site() const { return site_url::parse(url(), "--source"); }
};

rehearsal::api_response ok(rehearsal::api_request const &request)
{
    return {200,
            "application/json; charset=utf-8",
            "{\"path\":\"" + request.path + "\",\"key\":\"" + request.api_key + "\"}",
            {}};
}

retry_policy fast_policy()
{
    retry_policy policy;
    policy.backoff_base = std::chrono::milliseconds{1};
    policy.backoff_cap = std::chrono::milliseconds{20};
    policy.max_attempts = 30;
    return policy;
}

http_client::options short_timeouts()
{
    http_client::options options;
    options.timeout = std::chrono::milliseconds{300};
    options.connect_timeout = std::chrono::milliseconds{1000};
    return options;
}

/// The fetch_error that polite_send (fast_policy, short_timeouts) throws asking `server` for
/// `target`; nullopt, and a test failure, if it throws none.
std::optional<fetch_error> polite_send_error(running_server const &server, std::string target)
{
    http_client client{server.site(), short_timeouts()};
    request_pacer pacer;
    try {
        (void)polite_send(client, pacer, {.target = std::move(target)}, fast_policy());
    } catch (fetch_error const &e) {
        return e;
    }
    ADD_FAILURE() << "no error";
    return std::nullopt;
}

/// A loopback port nothing listens on (bound once, then closed).
std::uint16_t closed_port()
{
    net::io_context io;
    net::ip::tcp::acceptor acceptor{io, {net::ip::make_address("127.0.0.1"), 0}};
    return acceptor.local_endpoint().port();
}

/// What polite_send with the default retry policy throws asking `site` for /site.json, and how
/// long it took to give up.
std::pair<std::optional<fetch_error>, std::chrono::duration<double>>
default_policy_error(site_url const &site, std::string ca_file = {}, retry_policy const &policy = {})
{
    auto options = short_timeouts();
    options.ca_file = std::move(ca_file);
    http_client client{site, options};
    request_pacer pacer;
    auto const started = std::chrono::steady_clock::now();
    try {
        (void)polite_send(client, pacer, {.target = "/site.json"}, policy);
    } catch (fetch_error const &e) {
        return {e, std::chrono::steady_clock::now() - started};
    }
    ADD_FAILURE() << "no error";
    return {std::nullopt, std::chrono::steady_clock::now() - started};
}

/// Represents a TLS server on a loopback port with a self-signed certificate, shaking hands
/// with whoever connects (and nothing more), until destroyed.
class self_signed_tls_server
{
public:
    self_signed_tls_server()
        : m_dir(std::filesystem::temp_directory_path() / ("forumgate-tls-" + std::to_string(::getpid())))
    {
        std::filesystem::create_directories(m_dir);
        std::string const command = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext "
                                    "subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
                                    (m_dir / "key.pem").string() + " -out " + (m_dir / "cert.pem").string() +
                                    " 2>/dev/null";
        if (std::system(command.c_str()) != 0) { // NOLINT(cert-env33-c): a test's own fixture
            ADD_FAILURE() << "openssl req failed";
        }
        m_context.use_certificate_chain_file((m_dir / "cert.pem").string());
        m_context.use_private_key_file((m_dir / "key.pem").string(), net::ssl::context::pem);
        m_thread = std::thread{[this] { serve(); }};
    }
    ~self_signed_tls_server()
    {
        net::post(m_io, [this] { m_acceptor.close(); });
        m_thread.join();
        std::filesystem::remove_all(m_dir);
    }
    self_signed_tls_server(self_signed_tls_server const &) = delete;
    self_signed_tls_server &operator=(self_signed_tls_server const &) = delete;

    [[nodiscard]] site_url site() const
    {
        return site_url::parse("https://127.0.0.1:" + std::to_string(m_acceptor.local_endpoint().port()), "--source");
    }
    [[nodiscard]] std::string certificate() const { return (m_dir / "cert.pem").string(); }

private:
    void serve()
    {
        while (m_acceptor.is_open()) {
            net::ip::tcp::socket socket{m_io};
            boost::system::error_code ec;
            m_acceptor.async_accept(socket, [&](boost::system::error_code const &e) { ec = e; });
            m_io.restart();
            m_io.run();
            if (ec) {
                return;
            }
            net::ssl::stream<net::ip::tcp::socket> stream{std::move(socket), m_context};
            stream.handshake(net::ssl::stream_base::server, ec); // fails when the client does not trust us
        }
    }

    std::filesystem::path m_dir;
    net::io_context m_io;
    net::ssl::context m_context{net::ssl::context::tls_server};
    net::ip::tcp::acceptor m_acceptor{m_io, {net::ip::make_address("127.0.0.1"), 0}};
    std::thread m_thread;
};

} // namespace

TEST(site_url, parses_base_urls)
{
    auto const a = site_url::parse("https://Forum.CooperationBirmingham.org.uk/", "--source");
    EXPECT_TRUE(a.tls);
    EXPECT_EQ(a.host, "forum.cooperationbirmingham.org.uk");
    EXPECT_EQ(a.port, 443);
    EXPECT_EQ(a.prefix, "");
    EXPECT_EQ(a.url("/t/774.json"), "https://forum.cooperationbirmingham.org.uk/t/774.json");

    auto const b = site_url::parse("http://127.0.0.1:8081/forum", "--target");
    EXPECT_FALSE(b.tls);
    EXPECT_EQ(b.port, 8081);
    EXPECT_EQ(b.host_header(), "127.0.0.1:8081");
    EXPECT_EQ(b.target("/latest.json"), "/forum/latest.json");

    auto const c = site_url::parse("https://[::1]:8443", "--source");
    EXPECT_EQ(c.host, "::1");
    EXPECT_EQ(c.origin(), "https://[::1]:8443");
}

TEST(site_url, refuses_what_is_not_a_base_url)
{
    for (auto const *bad : {"forum.brum.coop", "ftp://forum.brum.coop", "https://", "https://a:b@forum.brum.coop",
                            "https://forum.brum.coop:0", "https://forum.brum.coop:99999",
                            "https://forum.brum.coop/?x=1", "https://forum brum.coop", "https://forum.brum.coop:"}) {
        try {
            (void)site_url::parse(bad, "--source");
            ADD_FAILURE() << bad << " was accepted";
        } catch (argument_error const &e) {
            EXPECT_NE(std::string{e.what()}.find(std::string{"--source "} + bad), std::string::npos) << e.what();
        }
    }
}

TEST(http_client, keeps_the_connection_and_sends_headers)
{
    running_server server{ok};
    http_client client{server.site(), short_timeouts()};
    for (int i = 0; i < 5; ++i) {
        http_request request{.target = "/t/" + std::to_string(i) + ".json", .headers = {{"Api-Key", "k"}}};
        auto const answer = client.send(request);
        EXPECT_EQ(answer.status, 200);
        EXPECT_EQ(answer.body, "{\"path\":\"/t/" + std::to_string(i) + ".json\",\"key\":\"k\"}");
        EXPECT_EQ(answer.header("content-type"), "application/json; charset=utf-8");
    }
    EXPECT_EQ(server.requests(), 5U);
}

TEST(http_client, a_dead_port_is_a_transport_error_naming_the_url)
{
    std::uint16_t port = 0;
    {
        running_server server{ok};
        port = server.site().port;
    }
    http_client client{site_url::parse("http://127.0.0.1:" + std::to_string(port), "--source"), short_timeouts()};
    try {
        (void)client.send({.target = "/site.json"});
        ADD_FAILURE() << "no error";
    } catch (transport_error const &e) {
        EXPECT_NE(std::string{e.what()}.find("http://127.0.0.1:" + std::to_string(port) + "/site.json: connecting"),
                  std::string::npos)
            << e.what();
    }
}

TEST(http_client, a_silent_server_times_out)
{
    running_server server{ok, {.timeout_share = 1.0, .hang = std::chrono::milliseconds{3000}}};
    http_client client{server.site(), short_timeouts()};
    auto const started = std::chrono::steady_clock::now();
    EXPECT_THROW((void)client.send({.target = "/latest.json"}), transport_error);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds{2500});
}

TEST(polite_send, retries_errors_drops_and_timeouts_until_answered)
{
    running_server server{ok,
                          {.error_share = 0.3,
                           .timeout_share = 0.05,
                           .drop_share = 0.15,
                           .hang = std::chrono::milliseconds{1000},
                           .seed = 7}};
    http_client client{server.site(), short_timeouts()};
    request_pacer pacer;
    for (int i = 0; i < 60; ++i) {
        auto const answer = polite_send(client, pacer, {.target = "/t/" + std::to_string(i) + ".json"}, fast_policy());
        EXPECT_EQ(answer.status, 200);
        EXPECT_EQ(answer.body, "{\"path\":\"/t/" + std::to_string(i) + ".json\",\"key\":\"\"}");
    }
    EXPECT_GT(pacer.retries(), 10U);
    EXPECT_EQ(pacer.sent(), 60U + pacer.retries());
}

TEST(polite_send, client_errors_are_final_at_once)
{
    std::atomic<int> calls{0};
    running_server server{[&](rehearsal::api_request const &) {
        ++calls;
        return rehearsal::api_response{
            403,
            "application/json",
            R"({"errors":["You are not permitted to view the requested resource."],"error_type":"invalid_access"})",
            {}};
    }};
    auto const error = polite_send_error(server, "/admin/users/list/active.json");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->status(), 403);
    EXPECT_TRUE(error->permanent());
    std::string const message = error->what();
    EXPECT_NE(message.find("/admin/users/list/active.json: HTTP 403 (You are not permitted"), std::string::npos)
        << message;
    EXPECT_NE(message.find("--api-key-file"), std::string::npos) << message;
    EXPECT_EQ(calls.load(), 1);
}

TEST(polite_send, a_429_pauses_for_retry_after)
{
    std::atomic<int> calls{0};
    running_server server{[&](rehearsal::api_request const &request) {
        if (calls++ == 0) {
            return rehearsal::api_response{
                429,
                "application/json",
                R"({"errors":["You’ve performed this action too many times."],"error_type":"rate_limit","extras":{"wait_seconds":1}})",
                {{"Retry-After", "1"}}};
        }
        return ok(request);
    }};
    http_client client{server.site(), short_timeouts()};
    request_pacer pacer;
    auto const started = std::chrono::steady_clock::now();
    auto const answer = polite_send(client, pacer, {.target = "/latest.json"}, fast_policy());
    EXPECT_EQ(answer.status, 200);
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds{1000});
    EXPECT_EQ(pacer.rate_limited(), 1U);
    EXPECT_EQ(calls.load(), 2);
}

TEST(polite_send, the_progress_line_says_when_it_waits_on_a_rate_limit)
{
    // Once: a run held back by a per-user limit showed a growing ETA and no word on why.
    std::atomic<int> calls{0};
    running_server server{[&](rehearsal::api_request const &request) {
        if (calls++ == 0) {
            return rehearsal::api_response{429,
                                           "application/json",
                                           R"({"errors":["You’ve performed this action too many times."]})",
                                           {{"Retry-After", "2"}, {"Discourse-Rate-Limit-Error-Code", "create_post"}}};
        }
        return ok(request);
    }};
    progress shown{"topics", "topics", 10, false, true};
    std::thread sender{[&] {
        http_client client{server.site(), short_timeouts()};
        request_pacer pacer;
        EXPECT_EQ(polite_send(client, pacer, {.target = "/posts.json"}, fast_policy()).status, 200);
    }};
    std::string seen;
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
    while (seen.find("waiting") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
        seen = shown.line();
    }
    sender.join();
    EXPECT_NE(seen.find("the forum's rate limit (create_post)"), std::string::npos) << seen;
    EXPECT_EQ(shown.line().find("waiting"), std::string::npos) << shown.line(); // over once answered
}

TEST(polite_send, a_very_long_retry_after_fails_the_request_instead_of_stalling)
{
    running_server server{[](rehearsal::api_request const &) {
        return rehearsal::api_response{429, "text/plain", "Slow down", {{"Retry-After", "7200"}}};
    }};
    auto const error = polite_send_error(server, "/latest.json");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->status(), 429);
    EXPECT_FALSE(error->permanent());
    EXPECT_NE(std::string{error->what()}.find("Retry-After 7200 s"), std::string::npos) << error->what();
}

TEST(retry_after, reads_seconds_and_dates)
{
    auto const now = std::chrono::system_clock::from_time_t(1445412480); // Wed, 21 Oct 2015 07:28:00 GMT
    EXPECT_EQ(parse_retry_after("60", now), std::chrono::seconds{60});
    EXPECT_EQ(parse_retry_after(" 5 ", now), std::chrono::seconds{5});
    EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:29:00 GMT", now), std::chrono::seconds{60});
    EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), std::chrono::seconds{0});
    EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
    EXPECT_EQ(parse_retry_after("", now), std::nullopt);
}

TEST(request_pacer, spaces_requests_by_the_rate_cap)
{
    request_pacer pacer{50.0}; // one every 20 ms
    auto const started = std::chrono::steady_clock::now();
    for (int i = 0; i < 6; ++i) {
        pacer.admit();
    }
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds{100});
    EXPECT_EQ(pacer.sent(), 6U);
}

// Failures that retrying cannot mend used to be retried in silence for 34-54 s, then reported
// bare. Each now fails at once (default policy: 8 attempts), saying what to do.

TEST(polite_send, nothing_listening_fails_at_once_with_what_to_check)
{
    auto const port = closed_port();
    auto const [error, took] =
        default_policy_error(site_url::parse("http://127.0.0.1:" + std::to_string(port), "--source"));
    ASSERT_TRUE(error);
    EXPECT_TRUE(error->permanent());
    EXPECT_LT(took, std::chrono::seconds{2});
    EXPECT_NE(std::string{error->what()}.find("nothing listens on 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << error->what();
}

TEST(polite_send, an_unknown_host_fails_at_once)
{
    auto const [error, took] = default_policy_error(site_url::parse("http://no-such-host.invalid", "--source"));
    ASSERT_TRUE(error);
    EXPECT_TRUE(error->permanent());
    EXPECT_LT(took, std::chrono::seconds{2});
    EXPECT_NE(std::string{error->what()}.find("no such host name: check the address"), std::string::npos)
        << error->what();
}

TEST(polite_send, tls_to_a_plain_http_server_suggests_http)
{
    running_server server{ok};
    auto const port = server.site().port;
    auto const [error, took] =
        default_policy_error(site_url::parse("https://127.0.0.1:" + std::to_string(port), "--source"));
    ASSERT_TRUE(error);
    EXPECT_LT(took, std::chrono::seconds{2});
    EXPECT_NE(std::string{error->what()}.find("use http://127.0.0.1:" + std::to_string(port)), std::string::npos)
        << error->what();
}

TEST(polite_send, an_untrusted_certificate_suggests_ca_file_and_ca_file_mends_it)
{
    self_signed_tls_server server;
    auto const [error, took] = default_policy_error(server.site());
    ASSERT_TRUE(error);
    EXPECT_LT(took, std::chrono::seconds{2});
    std::string const message = error->what();
    EXPECT_NE(message.find("TLS handshake (self-signed certificate): certificate verify failed"), std::string::npos)
        << message;
    EXPECT_NE(message.find("--ca-file"), std::string::npos) << message;
    // Trusted through --ca-file, the handshake passes: what fails then is the server's silence.
    auto policy = fast_policy();
    policy.max_attempts = 2;
    auto const [after, _] = default_policy_error(server.site(), server.certificate(), policy);
    ASSERT_TRUE(after);
    EXPECT_EQ(std::string{after->what()}.find("certificate verify failed"), std::string::npos) << after->what();
}

TEST(polite_send, a_refusal_after_the_forum_answered_is_a_restart_and_retried)
{
    std::optional<running_server> server{std::in_place, ok};
    auto const site = server->site();
    http_client client{site, short_timeouts()};
    request_pacer pacer;
    EXPECT_EQ(polite_send(client, pacer, {.target = "/site.json"}, fast_policy()).status, 200);
    server.reset();
    auto policy = fast_policy();
    policy.max_attempts = 3;
    try {
        (void)polite_send(client, pacer, {.target = "/site.json"}, policy);
        ADD_FAILURE() << "no error";
    } catch (fetch_error const &e) {
        EXPECT_FALSE(e.permanent());
        EXPECT_NE(std::string{e.what()}.find("gave up after 3 attempts"), std::string::npos) << e.what();
    }
}

TEST(polite_send, each_retry_is_logged_with_its_reason_and_wait)
{
    std::atomic<int> calls{0};
    running_server server{[&](rehearsal::api_request const &request) {
        if (calls++ < 2) {
            return rehearsal::api_response{502, "text/html", "Bad Gateway", {}};
        }
        return ok(request);
    }};
    forumgate::testing::captured_log log;
    http_client client{server.site(), short_timeouts()};
    request_pacer pacer;
    EXPECT_EQ(polite_send(client, pacer, {.target = "/latest.json"}, fast_policy()).status, 200);
    auto const text = log.text();
    EXPECT_NE(text.find("/latest.json: HTTP 502 (Bad Gateway); retry 1 of 29 in "), std::string::npos) << text;
    EXPECT_NE(text.find("retry 2 of 29 in "), std::string::npos) << text;
}
