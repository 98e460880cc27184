// Running the redirect server: the access log, stats lines, start-up on a port in use, SIGTERM and
// SIGINT, the admin endpoints, TLS and the miss log.

#include "tests/redirector/server_fixture.hpp"

#include <pqxx/pqxx>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace {

using namespace forumgate::testing;

/// \return how many TCP sockets process `pid` has listening on `port` (its descriptors'
/// sockets, looked up in /proc/net/tcp and tcp6 by inode).
std::size_t listening_sockets(pid_t pid, std::uint16_t port)
{
    std::set<std::string> inodes;
    std::string const folder = "/proc/" + std::to_string(pid);
    for (auto const *table : {"/net/tcp", "/net/tcp6"}) {
        std::ifstream in{folder + table};
        std::string line;
        std::getline(in, line); // the heading
        while (std::getline(in, line)) {
            std::istringstream fields{line};
            std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
            fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
            if (state == "0A" && std::stoul(local.substr(local.find(':') + 1), nullptr, 16) == port) {
                inodes.insert(inode);
            }
        }
    }
    std::size_t found = 0;
    for (auto const &entry : std::filesystem::directory_iterator{folder + "/fd"}) {
        std::error_code ec;
        auto const target = std::filesystem::read_symlink(entry.path(), ec).string();
        if (!ec && target.starts_with("socket:[") && inodes.contains(target.substr(8, target.size() - 9))) {
            ++found;
        }
    }
    return found;
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

TEST_F(server_test, a_second_server_with_threads_on_a_port_in_use_fails_too_instead_of_sharing_it)
{
    // Each thread's socket allows others on its port (SO_REUSEPORT), and another server of the
    // same user with threads would have taken half the first one's connections in silence.
    auto first = start({"--threads", "2"});
    server_process second{
        FORUMGATE_BINARY,
        {"serve", "--db", s_db->conninfo(), "--threads", "2", "--listen", "127.0.0.1:" + std::to_string(first.port)}};
    EXPECT_EQ(second.wait_exit(10s), 2) << second.log();
    EXPECT_NE(second.log().find("cannot listen on 127.0.0.1:" + std::to_string(first.port)), std::string::npos)
        << second.log();
    EXPECT_EQ(listening_sockets(first->pid(), first.port), 2U);
    EXPECT_TRUE(serving(first));
}

// ---------------------------------------------------------------------------------------------
// stopping

TEST_F(server_test, sigterm_finishes_a_request_half_sent_and_exits_zero)
{
    auto server = start({"--drain-timeout-ms", "3000"});
    http_client idle{server.port};
    ASSERT_TRUE(answered(idle));
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

TEST_F(server_test, each_io_thread_accepts_on_a_socket_of_its_own_and_all_drain_on_sigterm)
{
    // With one accepting socket shared by all I/O threads (and a strand per connection),
    // --threads 2 answered fewer requests a second than --threads 1. Each thread now has its
    // own socket on the same port (SO_REUSEPORT, also for a port 0 taken at start-up), and the
    // kernel spreads the connections over them.
    auto server = start({"--threads", "3", "--drain-timeout-ms", "3000"});
    EXPECT_EQ(listening_sockets(server->pid(), server.port), 3U);
    EXPECT_EQ(listening_sockets(server->pid(), server.admin_port), 1U) << "the admin port is one thread's";
    std::vector<std::unique_ptr<http_client>> clients;
    for (int i = 0; i < 30; ++i) {
        clients.push_back(std::make_unique<http_client>(server.port));
        ASSERT_TRUE(answered(*clients.back())) << i << "\n" << server->log();
    }
    for (auto &client : clients) {
        ASSERT_TRUE(answered(*client)) << "a kept-alive connection answers again\n" << server->log();
    }
    server->signal(SIGTERM);
    for (auto &client : clients) {
        EXPECT_TRUE(client->closed_by_peer(2s)) << "every thread closes its idle connections on a drain";
    }
    EXPECT_EQ(server->wait_exit(3s), 0) << server->log();
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

TEST_F(server_test, a_tls_handshake_that_stalls_is_closed_after_the_request_timeout)
{
    // The handshake has the time of a request: a client that connects to the TLS port and says
    // nothing, or stops half way through its hello, holds a connection that long and no longer.
    if (!fs::exists("/usr/bin/openssl")) {
        GTEST_SKIP() << "needs the openssl program";
    }
    temp_dir dir;
    ASSERT_TRUE(make_certificate(dir.path(), "localhost"));
    auto server = start({"--tls-listen", "127.0.0.1:0", "--tls-cert", (dir.path() / "cert.pem").string(), "--tls-key",
                         (dir.path() / "key.pem").string(), "--request-timeout-ms", "600"},
                        {}, true);
    ASSERT_NE(server.tls_port, 0);
    http_client silent{server.tls_port, 2s};
    http_client half{server.tls_port, 2s};
    half.send(std::string{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11});
    EXPECT_FALSE(silent.closed_by_peer(300ms)) << "closed before its time";
    EXPECT_TRUE(silent.closed_by_peer(3s));
    EXPECT_TRUE(half.closed_by_peer(3s));
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
