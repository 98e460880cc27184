// Tests of `forumgate rehearsal-forum` run as an operator runs it: it logs where it listens,
// answers the read API, refuses a wrong key without logging the right one, applies --setting
// and --admin-api-rate, and leaves with exit status 0 on SIGTERM.

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

namespace forumgate::testing {
namespace {

TEST(rehearsal_forum_command, serves_and_stops_on_sigterm)
{
    auto const key_file = std::filesystem::temp_directory_path() / ("rehearsal-key-" + std::to_string(::getpid()));
    std::string const key = "key-that-must-not-be-logged-7f3a";
    std::ofstream{key_file} << key << "\n";

    server_process server{FORUMGATE_BINARY,
                          {"rehearsal-forum", "--listen", "127.0.0.1:0", "--admin-key-file", key_file.string()}};
    ASSERT_TRUE(server.wait_listening(1)) << server.log();
    auto const port = server.ports().at(0);

    auto const latest = http_request(port, "/latest.json", "localhost");
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->status, 200);
    EXPECT_NE(latest->body.find("\"topic_list\""), std::string::npos) << latest->body;

    http_client client{port};
    ASSERT_TRUE(
        client.send("GET /site.json HTTP/1.1\r\nHost: localhost\r\nApi-Key: wrong\r\nApi-Username: system\r\n\r\n"));
    auto const refused = client.read_response();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403);

    http_client admin{port};
    ASSERT_TRUE(admin.send("GET /admin/users/list/all.json HTTP/1.1\r\nHost: localhost\r\nApi-Key: " + key +
                           "\r\nApi-Username: system\r\n\r\n"));
    auto const listed = admin.read_response();
    ASSERT_TRUE(listed);
    EXPECT_EQ(listed->status, 200);

    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(std::chrono::seconds{10}), 0);
    EXPECT_EQ(server.log_count(key), 0U);
    std::filesystem::remove(key_file);
}

TEST(rehearsal_forum_command, generate_then_save_then_start_from_the_save)
{
    auto const saved =
        std::filesystem::temp_directory_path() / ("rehearsal-save-" + std::to_string(::getpid()) + ".json");
    std::string first_latest;
    {
        server_process server{
            FORUMGATE_BINARY,
            {"rehearsal-forum", "--listen", "127.0.0.1:0", "--generate", "30", "--save", saved.string()}};
        ASSERT_TRUE(server.wait_listening(1)) << server.log();
        auto const latest = http_request(server.ports().at(0), "/latest.json", "localhost");
        ASSERT_TRUE(latest);
        EXPECT_EQ(latest->status, 200);
        EXPECT_NE(latest->body.find("\"slug\""), std::string::npos); // the generated topics are listed
        first_latest = latest->body;
        server.signal(SIGTERM);
        ASSERT_EQ(server.wait_exit(std::chrono::seconds{10}), 0) << server.log();
    }
    ASSERT_TRUE(std::filesystem::exists(saved));
    server_process again{FORUMGATE_BINARY, {"rehearsal-forum", "--listen", "127.0.0.1:0", "--seed", saved.string()}};
    ASSERT_TRUE(again.wait_listening(1)) << again.log();
    auto const latest = http_request(again.ports().at(0), "/latest.json", "localhost");
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->body, first_latest); // the same forum, served the same way
    again.signal(SIGTERM);
    EXPECT_EQ(again.wait_exit(std::chrono::seconds{10}), 0);
    std::filesystem::remove(saved);
}

TEST(rehearsal_forum_command, settings_and_the_admin_api_budget_from_the_command_line)
{
    auto const key_file = std::filesystem::temp_directory_path() / ("rehearsal-key-w-" + std::to_string(::getpid()));
    std::string const key = "write-key-for-the-command-test";
    std::ofstream{key_file} << key << "\n";
    server_process server{FORUMGATE_BINARY,
                          {"rehearsal-forum", "--listen", "127.0.0.1:0", "--admin-key-file", key_file.string(),
                           "--setting", "min_topic_title_length=3", "--setting", "min_first_post_length=2", "--setting",
                           "allow_uncategorized_topics=true", "--admin-api-rate", "2"}};
    ASSERT_TRUE(server.wait_listening(1)) << server.log();
    auto const port = server.ports().at(0);
    EXPECT_EQ(server.log_count("site setting min_topic_title_length set from --setting"), 1U) << server.log();

    // A title and a body far below Discourse's defaults pass: the settings took effect.
    std::string const body = "title=AGM&raw=Hi%21";
    http_client writer{port};
    ASSERT_TRUE(writer.send("POST /posts.json HTTP/1.1\r\nHost: localhost\r\nApi-Key: " + key +
                            "\r\nApi-Username: system\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                            "Content-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body));
    auto const created = writer.read_response();
    ASSERT_TRUE(created);
    EXPECT_EQ(created->status, 200) << created->body;
    EXPECT_NE(created->body.find("\"post_number\":1"), std::string::npos) << created->body;

    // Two Api-Key requests a minute: the second passes, the third is refused as Discourse does.
    auto const keyed_get = [&] {
        http_client client{port};
        EXPECT_TRUE(client.send("GET /site.json HTTP/1.1\r\nHost: localhost\r\nApi-Key: " + key +
                                "\r\nApi-Username: system\r\n\r\n"));
        return client.read_response();
    };
    auto const second = keyed_get();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 200);
    auto const third = keyed_get();
    ASSERT_TRUE(third);
    EXPECT_EQ(third->status, 429);
    EXPECT_EQ(third->header("Discourse-Rate-Limit-Error-Code"), "admin_api_key_rate_limit");
    EXPECT_TRUE(third->header("Retry-After"));
    EXPECT_NE(third->body.find("\"error_type\":\"rate_limit\""), std::string::npos) << third->body;
    // Anonymous requests are not charged.
    auto const anonymous = http_request(port, "/site.json", "localhost");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 200);

    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(std::chrono::seconds{10}), 0);
    // What the budget did, for a benchmark of how much of it an import used.
    EXPECT_EQ(server.log_count("admin API budget: 2 requests admitted, 1 answered 429"), 1U) << server.log();
    std::filesystem::remove(key_file);
}

TEST(rehearsal_forum_command, a_bad_setting_is_fatal_and_named)
{
    struct bad_setting
    {
        char const *setting;
        char const *message;
    };
    for (auto const &[setting, message] : {
             bad_setting{"min_post_lenght=1", "--setting min_post_lenght: No setting named 'min_post_lenght' exists"},
             bad_setting{"min_post_length=few",
                         "--setting min_post_length: Invalid value for min_post_length: must be an integer"},
             bad_setting{"min_post_length", "expected NAME=VALUE"},
         }) {
        server_process server{FORUMGATE_BINARY, {"rehearsal-forum", "--listen", "127.0.0.1:0", "--setting", setting}};
        EXPECT_EQ(server.wait_exit(std::chrono::seconds{10}), 2) << setting;
        EXPECT_NE(server.log().find(message), std::string::npos) << server.log();
    }
}

TEST(rehearsal_forum_command, bad_listen_address_is_fatal)
{
    server_process server{FORUMGATE_BINARY, {"rehearsal-forum", "--listen", "nowhere"}};
    EXPECT_EQ(server.wait_exit(std::chrono::seconds{10}), 2);
    EXPECT_NE(server.log().find("expected ADDR:PORT"), std::string::npos) << server.log();
}

} // namespace
} // namespace forumgate::testing
