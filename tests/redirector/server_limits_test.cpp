// The redirect server's bounds on connections, memory and TLS: the admin port answers /healthz
// whatever sits on it, connections that send nothing neither stay nor keep clients out, closed
// connections give their memory back, and TLS offers forward-secret AEAD suites only.

#include "tests/redirector/server_fixture.hpp"

namespace {

using namespace forumgate::testing;

/// \return `count` connections to `port`, each sending `bytes` (nothing if empty) and, if
/// `answered`, reading its answer.
std::vector<std::unique_ptr<http_client>> open_connections(std::uint16_t port, int count, std::string const &bytes,
                                                           bool answered)
{
    std::vector<std::unique_ptr<http_client>> open;
    for (int i = 0; i < count; ++i) {
        open.push_back(std::make_unique<http_client>(port, 5s));
        if (!bytes.empty()) {
            EXPECT_TRUE(open.back()->send(bytes)) << i;
        }
        if (answered) {
            auto const response = open.back()->read_response();
            EXPECT_TRUE(response && response->status < 400) << i << ": " << open.back()->received();
        }
    }
    return open;
}

// ---------------------------------------------------------------------------------------------
// the admin port

TEST_F(server_test, healthz_is_answered_with_the_admin_port_full_of_idle_connections)
{
    // Once: 64 idle connections on the admin port (its limit, with the 60 s keep-alive) made
    // /healthz answer 503, and a liveness probe would have restarted a healthy server.
    auto server = start();
    auto const silent = open_connections(server.admin_port, 70, "", false);
    auto const kept = open_connections(server.admin_port, 70, request("/healthz", "GET", "localhost"), true);
    for (int probe = 0; probe < 5; ++probe) {
        auto const health = forumgate::testing::http_request(server.admin_port, "/healthz", "localhost");
        ASSERT_TRUE(health) << probe;
        EXPECT_EQ(health->status, 200) << probe << "\n" << health->head;
    }
    // The admin port's keep-alive is short: an idle admin connection is closed within 5 s.
    http_client idle{server.admin_port};
    ASSERT_TRUE(answered(idle, "/healthz"));
    EXPECT_TRUE(idle.closed_by_peer(7s));
    EXPECT_TRUE(serving(server));
}

// ---------------------------------------------------------------------------------------------
// connections that send nothing

TEST_F(server_test, a_connection_that_sends_nothing_is_closed_after_the_first_byte_timeout)
{
    auto server = start({"--first-byte-timeout-ms", "300"});
    http_client silent{server.port};
    auto const opened = std::chrono::steady_clock::now();
    EXPECT_TRUE(silent.closed_by_peer(3s));
    auto const waited = std::chrono::steady_clock::now() - opened;
    EXPECT_GE(waited, 250ms);
    EXPECT_LT(waited, 2s) << "the keep-alive timeout (60 s) applied";
    EXPECT_TRUE(silent.received().empty()) << silent.received();
    // After a request, the keep-alive timeout applies.
    http_client spoken{server.port};
    ASSERT_TRUE(answered(spoken));
    EXPECT_FALSE(spoken.closed_by_peer(800ms));
    EXPECT_TRUE(answered(spoken));
}

TEST_F(server_test, silent_connections_at_max_connections_make_room_for_new_clients)
{
    // Once: 10,000 connections that never sent a byte answered every new client 503 for the
    // whole keep-alive timeout. Now the oldest idle connection is closed to make room.
    auto server = start({"--max-connections", "5"});
    auto silent = open_connections(server.port, 5, "", false);
    std::this_thread::sleep_for(100ms);
    // Three new clients, each kept open: each takes the place of the oldest silent one.
    std::vector<std::unique_ptr<http_client>> fresh;
    for (int i = 0; i < 3; ++i) {
        fresh.push_back(std::make_unique<http_client>(server.port));
        ASSERT_TRUE(fresh.back()->send(request("/t/774"))) << i;
        auto const answer = fresh.back()->read_response();
        ASSERT_TRUE(answer) << i;
        EXPECT_EQ(answer->status, 301) << i << "\n" << answer->head;
    }
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(silent[i]->closed_by_peer(2s)) << i << ": an old idle connection stayed";
        EXPECT_TRUE(silent[i]->received().empty()) << silent[i]->received();
    }
    EXPECT_FALSE(silent[3]->closed_by_peer(100ms)) << "more closed than needed";
    auto const metrics = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metric(metrics->body, "forumgate_connections_evicted_total"), 3) << metrics->body;
    EXPECT_TRUE(serving(server));
}

// ---------------------------------------------------------------------------------------------
// memory

TEST_F(server_test, memory_goes_back_after_thousands_of_connections_close)
{
    // Once: RSS stayed at 132 MB after 11,000 connections closed (here: 9.4 KiB per connection
    // open, all of it kept after they closed). Each connection's buffers are now small while it
    // waits, and the heap is trimmed after many close. What stays is mostly Asio's per-socket
    // state, which it keeps for the next connections, and the heap pages it pins.
    auto server = start();
    std::this_thread::sleep_for(200ms);
    auto const before = resident_kib(server->pid());
    std::uint64_t peak = 0;
    {
        auto const silent = open_connections(server.port, 3000, "", false);
        auto const spoken = open_connections(server.port, 3000, request("/t/774"), true);
        std::this_thread::sleep_for(300ms);
        peak = resident_kib(server->pid());
    }
    std::uint64_t after = peak;
    for (int i = 0; i < 40 && after > before + 6000 * 5; ++i) {
        std::this_thread::sleep_for(250ms);
        after = resident_kib(server->pid());
    }
    std::printf("VmRSS: %llu KiB before, %llu KiB with 6000 connections open, %llu KiB after they closed\n",
                static_cast<unsigned long long>(before), static_cast<unsigned long long>(peak),
                static_cast<unsigned long long>(after));
    EXPECT_LT(peak, before + 6000 * 8) << "more than 8 KiB per open connection";
    EXPECT_LT(after, before + 6000 * 5) << "more than 5 KiB per closed connection stayed";
    EXPECT_TRUE(serving(server));
}

// ---------------------------------------------------------------------------------------------
// HEAD

TEST_F(server_test, a_head_request_refused_by_the_parser_gets_no_body)
{
    auto server = start();
    for (std::string const bad : {"Bad Name: x\r\n", "Content-Length: 1.5\r\n"}) {
        SCOPED_TRACE(bad);
        http_client client{server.port};
        ASSERT_TRUE(client.send("HEAD /t/774 HTTP/1.1\r\nHost: " + OLD_HOST + "\r\n" + bad + "\r\n"));
        auto const response = client.read_response(true);
        ASSERT_TRUE(response) << client.received();
        EXPECT_EQ(response->status, 400) << response->head;
        EXPECT_TRUE(client.closed_by_peer(2s)) << "a body after the head: " << client.received();
        EXPECT_TRUE(client.received().empty()) << client.received();
    }
}

// ---------------------------------------------------------------------------------------------
// TLS

/// \return what `openssl s_client` says of a TLS 1.2 handshake with `port` offering `ciphers`:
/// the cipher agreed on, or empty if the handshake failed.
std::string tls12_cipher(std::uint16_t port, std::string const &ciphers)
{
    auto const shown =
        run_process("/bin/sh",
                    {"-c", "openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -tls1_2 -cipher '" +
                               ciphers + "' </dev/null 2>/dev/null | sed -n 's/^ *Cipher *: *//p' | head -1"},
                    {}, {}, 10);
    std::string const cipher = shown.out.substr(0, shown.out.find('\n'));
    return cipher == "0000" || cipher == "(NONE)" ? std::string{} : cipher;
}

/// \return the head of the answer to HEAD `path` over HTTPS on `port`.
std::string tls_head(std::uint16_t port, std::string const &path = "/t/774")
{
    std::string const authority = OLD_HOST + ":" + std::to_string(port);
    return run_process("/usr/bin/curl", {"-skI", "--max-time", "5", "--resolve", authority + ":127.0.0.1",
                                         "https://" + authority + path})
        .out;
}

TEST_F(server_test, tls_offers_forward_secret_aead_suites_only_in_the_servers_order)
{
    if (!fs::exists("/usr/bin/openssl") || !fs::exists("/usr/bin/curl")) {
        GTEST_SKIP() << "needs the openssl and curl programs";
    }
    temp_dir dir;
    ASSERT_TRUE(make_certificate(dir.path(), "localhost"));
    std::vector<std::string> const tls = {"--tls-listen", "127.0.0.1:0",
                                          "--tls-cert",   (dir.path() / "cert.pem").string(),
                                          "--tls-key",    (dir.path() / "key.pem").string()};
    auto server = start(tls, {}, true);
    // Once: static RSA key exchange and CBC were offered (no forward secrecy, LUCKY13).
    EXPECT_EQ(tls12_cipher(server.tls_port, "AES128-SHA"), "");
    EXPECT_EQ(tls12_cipher(server.tls_port, "AES256-GCM-SHA384"), "") << "static RSA key exchange";
    EXPECT_EQ(tls12_cipher(server.tls_port, "ECDHE-RSA-AES128-SHA"), "") << "CBC";
    EXPECT_EQ(tls12_cipher(server.tls_port, "ECDHE-RSA-AES128-GCM-SHA256"), "ECDHE-RSA-AES128-GCM-SHA256");
    EXPECT_EQ(tls12_cipher(server.tls_port, "ECDHE-RSA-CHACHA20-POLY1305"), "ECDHE-RSA-CHACHA20-POLY1305");
    // The server's order wins over the client's.
    EXPECT_EQ(tls12_cipher(server.tls_port, "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"),
              "ECDHE-RSA-AES128-GCM-SHA256");
    // No Strict-Transport-Security unless asked for.
    std::string const head = tls_head(server.tls_port);
    EXPECT_NE(head.find("HTTP/1.1 301"), std::string::npos) << head;
    EXPECT_EQ(head.find("Strict-Transport-Security"), std::string::npos) << head;
}

TEST_F(server_test, tls_ciphers_and_hsts_max_age_are_settings)
{
    if (!fs::exists("/usr/bin/openssl") || !fs::exists("/usr/bin/curl")) {
        GTEST_SKIP() << "needs the openssl and curl programs";
    }
    temp_dir dir;
    ASSERT_TRUE(make_certificate(dir.path(), "localhost"));
    std::vector<std::string> args = {"--tls-listen",   "127.0.0.1:0",
                                     "--tls-cert",     (dir.path() / "cert.pem").string(),
                                     "--tls-key",      (dir.path() / "key.pem").string(),
                                     "--tls-ciphers",  "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA",
                                     "--hsts-max-age", "86400"};
    auto server = start(args, {}, true);
    EXPECT_EQ(tls12_cipher(server.tls_port, "AES128-SHA"), "AES128-SHA") << "tls-ciphers allows it";
    EXPECT_EQ(tls12_cipher(server.tls_port, "ECDHE-RSA-AES128-GCM-SHA256"), "");
    // HSTS on HTTPS answers only: never on plain HTTP.
    std::string const head = tls_head(server.tls_port);
    EXPECT_NE(head.find("Strict-Transport-Security: max-age=86400\r\n"), std::string::npos) << head;
    // A refusal there carries it too (once only the answers the map gave did).
    std::string const refused_head = tls_head(server.tls_port, "/" + std::string(5000, 'a'));
    EXPECT_NE(refused_head.find("HTTP/1.1 414"), std::string::npos) << refused_head;
    EXPECT_NE(refused_head.find("Strict-Transport-Security: max-age=86400\r\n"), std::string::npos) << refused_head;
    auto const plain = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->header("Strict-Transport-Security")) << plain->head;

    // A cipher list OpenSSL cannot use is refused, naming the setting.
    auto const refused = run_process(FORUMGATE_BINARY,
                                     {"serve", "--db", s_db->conninfo(), "--listen", "127.0.0.1:0", "--tls-listen",
                                      "127.0.0.1:0", "--tls-cert", (dir.path() / "cert.pem").string(), "--tls-key",
                                      (dir.path() / "key.pem").string(), "--tls-ciphers", "NOT-A-CIPHER"},
                                     {}, {}, 10);
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find("--tls-ciphers NOT-A-CIPHER"), std::string::npos) << refused.err;
}

} // namespace
