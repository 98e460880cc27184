// ACME HTTP-01 challenges answered by the redirect server from acme-webroot, over real sockets:
// the token's file byte for byte on HTTP and HTTPS, HEAD, every other path and file refused
// without being read, the old answers when the setting is off, and SIGHUP turning it on and off.

#include "tests/redirector/server_fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace {

using namespace forumgate::testing;

std::string const CHALLENGE = "/.well-known/acme-challenge/";
/// A token as ACME servers make them (43 base64url characters) and its key authorization: the
/// token, a dot and the account key's thumbprint. No final newline: served byte for byte.
std::string const TOKEN = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
std::string const KEY_AUTHORIZATION = TOKEN + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

/// Represents a webroot folder as certbot leaves it: DIR/.well-known/acme-challenge/TOKEN.
struct webroot
{
    temp_dir dir;
    fs::path challenges = dir.path() / ".well-known" / "acme-challenge";

    webroot()
    {
        fs::create_directories(challenges);
        write_file(challenges / TOKEN, KEY_AUTHORIZATION);
    }
};

/// Checks an ACME answer: `status`, plain text, never cached, no redirect.
::testing::AssertionResult acme_answer(std::optional<http_response> const &response, int status)
{
    if (!response) {
        return ::testing::AssertionFailure() << "no answer";
    }
    if (!is_safe(*response)) {
        return is_safe(*response);
    }
    if (response->status != status || response->header("Cache-Control") != "no-store" ||
        response->header("Location").has_value() ||
        !response->header("Content-Type").value_or("").starts_with("text/plain")) {
        return ::testing::AssertionFailure() << "not a " << status << " that no cache keeps:\n" << response->head;
    }
    return ::testing::AssertionSuccess();
}

/// \return the metric `forumgate_acme_challenges_total{result="RESULT"}` of `server`.
double acme_count(running_server const &server, std::string const &result)
{
    auto const metrics = forumgate::testing::http_request(server.admin_port, "/metrics", "localhost");
    return metrics ? metric(metrics->body, "forumgate_acme_challenges_total{result=\"" + result + "\"}") : -1;
}

TEST_F(server_test, acme_challenge_is_served_byte_exact_over_http_and_https)
{
    if (!fs::exists("/usr/bin/openssl") || !fs::exists("/usr/bin/curl")) {
        GTEST_SKIP() << "needs the openssl and curl programs";
    }
    webroot root;
    temp_dir tls;
    ASSERT_TRUE(make_certificate(tls.path(), OLD_HOST));
    auto server = start({"--acme-webroot", root.dir.path().string(), "--tls-listen", "127.0.0.1:0", "--tls-cert",
                         (tls.path() / "cert.pem").string(), "--tls-key", (tls.path() / "key.pem").string()},
                        {}, true);

    // Plain HTTP, on one kept-alive connection: GET, HEAD, the other old host name, a port in
    // the Host header (as ACME servers send it when validating on another port).
    http_client client{server.port};
    ASSERT_TRUE(client.send(request(CHALLENGE + TOKEN)));
    auto const got = client.read_response();
    ASSERT_TRUE(acme_answer(got, 200));
    EXPECT_EQ(got->body, KEY_AUTHORIZATION);
    EXPECT_EQ(got->header("Content-Type"), "text/plain");
    EXPECT_EQ(got->header("Content-Length"), std::to_string(KEY_AUTHORIZATION.size()));
    EXPECT_FALSE(got->header("Connection").has_value()) << "kept alive";

    ASSERT_TRUE(client.send(request(CHALLENGE + TOKEN, "HEAD")));
    auto const head = client.read_response(true);
    ASSERT_TRUE(acme_answer(head, 200));
    EXPECT_EQ(head->header("Content-Length"), std::to_string(KEY_AUTHORIZATION.size()));
    EXPECT_TRUE(head->body.empty());

    for (auto const &host :
         std::vector<std::string>{"www." + OLD_HOST, OLD_HOST + ":80", "FORUM.CooperationBirmingham.org.uk."}) {
        ASSERT_TRUE(client.send(request(CHALLENGE + TOKEN, "GET", host)));
        auto const answer = client.read_response();
        ASSERT_TRUE(acme_answer(answer, 200)) << host;
        EXPECT_EQ(answer->body, KEY_AUTHORIZATION) << host;
    }
    // The answer after HEAD had no stray body bytes in front of it, and nothing is left over.
    EXPECT_FALSE(client.readable(100ms)) << client.received();

    // A host the server does not answer for is refused as before: 421, no file read.
    auto const foreign = forumgate::testing::http_request(server.port, CHALLENGE + TOKEN, "attacker.example");
    ASSERT_TRUE(foreign);
    EXPECT_EQ(foreign->status, 421) << foreign->head;
    EXPECT_EQ(foreign->body.find(KEY_AUTHORIZATION), std::string::npos);

    // HTTPS (an ACME server follows a redirect to it, and may ask there): the same bytes.
    std::string const authority = OLD_HOST + ":" + std::to_string(server.tls_port);
    auto const body = tls.path() / "body";
    auto const fetched = run_process("/usr/bin/curl", {"-sk", "--max-time", "5", "--resolve", authority + ":127.0.0.1",
                                                       "-o", body.string(), "-D", "-", "-w", "%{http_code}",
                                                       "https://" + authority + CHALLENGE + TOKEN});
    EXPECT_TRUE(fetched.out.ends_with("200")) << fetched.out << fetched.err;
    EXPECT_NE(fetched.out.find("Cache-Control: no-store"), std::string::npos) << fetched.out;
    EXPECT_EQ(read_file(body), KEY_AUTHORIZATION);
    auto const missing = run_process("/usr/bin/curl", {"-sk", "--max-time", "5", "--resolve", authority + ":127.0.0.1",
                                                       "-o", "/dev/null", "-w", "%{http_code}",
                                                       "https://" + authority + CHALLENGE + "nothing"});
    EXPECT_EQ(missing.out, "404") << missing.err;

    EXPECT_EQ(acme_count(server, "served"), 6);
    EXPECT_EQ(acme_count(server, "not_found"), 1);
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, acme_challenge_refuses_every_other_path_and_file_without_reading_it)
{
    webroot root;
    // Files a bad token could reach if it were used as a path: one above the challenge folder,
    // one named with a dot, one in a sub-folder. And files of the challenge folder that are not
    // key authorizations: a symbolic link out of it, a folder, a FIFO, a big file.
    write_file(root.dir.path() / "secret", "SECRET ABOVE");
    write_file(root.challenges / "a.b", "SECRET DOT");
    fs::create_directory(root.challenges / "a");
    write_file(root.challenges / "a" / "b", "SECRET SUB");
    fs::create_symlink("/etc/passwd", root.challenges / "passwd");
    fs::create_symlink(root.dir.path() / "secret", root.challenges / "link");
    fs::create_directory(root.challenges / "folder");
    ASSERT_EQ(::mkfifo((root.challenges / "fifo").c_str(), 0644), 0);
    write_file(root.challenges / "big", std::string(4097, 'x'));
    write_file(root.challenges / "largest", std::string(4096, 'y'));

    auto server = start({"--acme-webroot", root.dir.path().string()});
    std::vector<std::string> const refused = {
        CHALLENGE + "..",
        CHALLENGE + "../secret",
        CHALLENGE + "../../.well-known/acme-challenge/" + TOKEN,
        CHALLENGE + "a/b",
        CHALLENGE + "%2e%2e",
        CHALLENGE + "%2e%2e%2fsecret",
        CHALLENGE + "..%2fsecret",
        CHALLENGE + "a.b",
        CHALLENGE + ".",
        CHALLENGE,
        "/.well-known/acme-challenge",
        "/.well-known/acme-challenge?token=" + TOKEN,
        CHALLENGE + TOKEN + "?x=1",
        CHALLENGE + TOKEN + "/",
        CHALLENGE + TOKEN + "%00",
        CHALLENGE + "passwd",
        CHALLENGE + "link",
        CHALLENGE + "folder",
        CHALLENGE + "fifo",
        CHALLENGE + "big",
        CHALLENGE + "missing",
        CHALLENGE + std::string(256, 'A'),
    };
    http_client client{server.port, 3s};
    for (auto const &target : refused) {
        SCOPED_TRACE(target);
        auto const before = std::chrono::steady_clock::now();
        ASSERT_TRUE(client.send(request(target)));
        auto const answer = client.read_response();
        ASSERT_TRUE(acme_answer(answer, 404)) << client.received();
        EXPECT_EQ(answer->body, "Not Found\n");
        EXPECT_LT(std::chrono::steady_clock::now() - before, 1s) << "the answer waited (on the FIFO?)";
        EXPECT_FALSE(answer->header("Connection").has_value()) << "a 404 here keeps the connection";
    }
    // Nothing holds the FIFO open: a writer finds no reader (ENXIO), so it was never kept for
    // reading (opening it did not block either, or no answer would have come).
    int const writer = ::open((root.challenges / "fifo").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    int const error = errno;
    if (writer >= 0) {
        ::close(writer);
    }
    EXPECT_LT(writer, 0);
    EXPECT_EQ(error, ENXIO);

    // The largest file served is 4096 bytes; the real token still works on the same connection.
    ASSERT_TRUE(client.send(request(CHALLENGE + "largest")));
    auto const largest = client.read_response();
    ASSERT_TRUE(acme_answer(largest, 200));
    EXPECT_EQ(largest->body, std::string(4096, 'y'));
    ASSERT_TRUE(client.send(request(CHALLENGE + TOKEN)));
    auto const good = client.read_response();
    ASSERT_TRUE(acme_answer(good, 200));
    EXPECT_EQ(good->body, KEY_AUTHORIZATION);

    EXPECT_EQ(acme_count(server, "not_found"), static_cast<double>(refused.size()));
    EXPECT_EQ(acme_count(server, "served"), 2);
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, acme_webroot_off_keeps_the_old_answers)
{
    webroot root;
    auto const old_answer = [](running_server const &server) {
        return forumgate::testing::http_request(server.port, CHALLENGE + TOKEN, OLD_HOST);
    };
    auto server = start();
    auto const answer = old_answer(server);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(is_safe(*answer));
    // What the map gives any unknown path: the 404 page pointing at the new forum, cached.
    EXPECT_EQ(answer->status, 404) << answer->head;
    EXPECT_EQ(answer->header("Cache-Control"), "public, max-age=60") << answer->head;
    EXPECT_NE(answer->body.find(NEW_BASE), std::string::npos);
    EXPECT_EQ(answer->body.find(KEY_AUTHORIZATION), std::string::npos);
    EXPECT_EQ(acme_count(server, "served"), 0);
    EXPECT_EQ(acme_count(server, "not_found"), 0);
}

TEST_F(server_test, sighup_turns_acme_webroot_on_and_off)
{
    webroot root;
    temp_dir dir;
    auto const config = dir.write("forumgate.conf", "soft = false\n");
    auto server = start({"--config", config.string()});
    auto const status_of = [&] {
        auto const response = forumgate::testing::http_request(server.port, CHALLENGE + TOKEN, OLD_HOST);
        return response ? response->status : 0;
    };
    auto const poll_for = [&](int status) {
        for (int attempt = 0; attempt < 100 && status_of() != status; ++attempt) {
            std::this_thread::sleep_for(20ms);
        }
        return status_of();
    };
    EXPECT_EQ(status_of(), 404);

    // On.
    dir.write("forumgate.conf", "soft = false\nacme-webroot = " + root.dir.path().string() + "\n");
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP: reloading", 3s));
    EXPECT_EQ(poll_for(200), 200) << server->log();
    auto const answer = forumgate::testing::http_request(server.port, CHALLENGE + TOKEN, OLD_HOST);
    ASSERT_TRUE(acme_answer(answer, 200));
    EXPECT_EQ(answer->body, KEY_AUTHORIZATION);

    // A folder that does not exist: the reload fails and changes nothing.
    dir.write("forumgate.conf", "soft = true\nacme-webroot = " + (dir.path() / "missing").string() + "\n");
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("config reload failed, keeping the running settings", 3s)) << server->log();
    EXPECT_NE(server->log().find("--acme-webroot " + (dir.path() / "missing").string() + ": not a folder"),
              std::string::npos)
        << server->log();
    EXPECT_EQ(status_of(), 200);
    EXPECT_TRUE(serving(server)) << "still 301, not soft";

    // Off again: the line taken out.
    dir.write("forumgate.conf", "soft = false\n");
    server->signal(SIGHUP);
    ASSERT_TRUE(server->wait_for_log("SIGHUP: reloading", 3s, 3));
    EXPECT_EQ(poll_for(404), 404) << server->log();
    EXPECT_TRUE(serving(server));
}

TEST_F(server_test, acme_webroot_that_is_not_a_folder_stops_the_start)
{
    temp_dir dir;
    auto const file = dir.write("not-a-folder", "x");
    auto const started =
        run_process(FORUMGATE_BINARY,
                    {"serve", "--db", s_db->conninfo(), "--listen", "127.0.0.1:0", "--acme-webroot", file.string()},
                    {{"FORUMGATE_DB", ""}}, {}, 30);
    EXPECT_EQ(started.exit_code, 2) << started.out << started.err;
    EXPECT_NE((started.out + started.err).find("--acme-webroot " + file.string() + ": not a folder"), std::string::npos)
        << started.out << started.err;
}

} // namespace
