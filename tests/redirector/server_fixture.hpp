#pragma once
// What the tests of the redirect server share: the real forumgate binary, started on free loopback
// ports against a real PostgreSQL with the fixture map loaded, and the checks every answer must pass.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace forumgate::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline std::string const OLD_HOST = "forum.cooperationbirmingham.org.uk";
inline std::string const NEW_BASE = "https://forum.brum.coop";
inline std::string const TOPIC_774 = NEW_BASE + "/t/agm-2023-minutes/1774";

/// Loads tests/fixtures/cli-map into `db` (the same map forumgate_cli_test uses).
inline void load_fixture_map(std::string const &db)
{
    auto const result =
        run_process(FORUMGATE_BINARY, {"map", "load", "--db", db, "--new-base", NEW_BASE, "--old-host", OLD_HOST,
                                       "--old-host", "www." + OLD_HOST, std::string{FORUMGATE_FIXTURES} + "/cli-map"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
}

/// A GET (or `method`) of `target` with `Host: OLD_HOST` and the connection kept open.
inline std::string request(std::string_view target, std::string_view method = "GET", std::string_view host = OLD_HOST)
{
    return std::string{method} + " " + std::string{target} + " HTTP/1.1\r\nHost: " + std::string{host} + "\r\n\r\n";
}

/// Checks what every answer must be: a well-formed head (CRLF only, every header line
/// `Name: value` in visible ASCII), no header a request could have planted, and a Location, if
/// any, on the new forum.
inline ::testing::AssertionResult is_safe(http_response const &response)
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
inline double metric(std::string const &text, std::string const &name)
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

/// \return the resident memory of process `pid` in KiB (VmRSS), 0 if unreadable.
inline std::uint64_t resident_kib(pid_t pid)
{
    std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) {
            return std::stoull(line.substr(6));
        }
    }
    return 0;
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

    /// Sends a GET of `target` on `client`'s connection and reads one answer.
    /// \return success if an answer came.
    static ::testing::AssertionResult answered(http_client &client, std::string_view target = "/t/774")
    {
        if (!client.send(request(target))) {
            return ::testing::AssertionFailure() << "could not send the request for " << target;
        }
        if (!client.read_response()) {
            return ::testing::AssertionFailure() << "no answer for " << target << "; received: " << client.received();
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

    /// Asks for /t/774 every 20 ms until the answer has `status`, at most `attempts` times.
    /// \return the last answer (nullopt if there was none).
    static std::optional<http_response> poll_status(running_server const &server, int status, int attempts = 100)
    {
        std::optional<http_response> answer;
        for (int attempt = 0; attempt < attempts; ++attempt) {
            answer = forumgate::testing::http_request(server.port, "/t/774", OLD_HOST);
            if (answer && answer->status == status) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds{20});
        }
        return answer;
    }

    static inline test_database *s_db = nullptr;
};

/// Makes a self-signed certificate for CN `name`: key.pem and cert.pem in `dir`.
inline bool make_certificate(fs::path const &dir, std::string const &name)
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
inline std::string certificate_subject(std::uint16_t port)
{
    auto const shown =
        run_process("/bin/sh",
                    {"-c", "openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                               " -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -subject"},
                    {}, {}, 10);
    return shown.out;
}

} // namespace forumgate::testing
