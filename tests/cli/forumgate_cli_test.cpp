// The map commands end to end: load CSV files into a real PostgreSQL, resolve old URLs,
// export, reload, and the errors a user sees.

#include "store/store.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

namespace {

namespace fs = std::filesystem;
using forumgate::testing::process_result;
using forumgate::testing::read_file;
using forumgate::testing::run_process;
using forumgate::testing::temp_dir;
using forumgate::testing::test_database;

std::string const OLD_HOST = "forum.cooperationbirmingham.org.uk";

class forumgate_cli : public ::testing::Test
{
protected:
    process_result forumgate(std::vector<std::string> args, std::string const &input = {})
    {
        return run_process(FORUMGATE_BINARY, args, {{"FORUMGATE_DB", m_db.conninfo()}}, input);
    }

    void load_fixture()
    {
        auto const result = forumgate({"map", "load", "--new-base", "https://forum.brum.coop", "--old-host", OLD_HOST,
                                       "--old-host", "www." + OLD_HOST, std::string{FORUMGATE_FIXTURES} + "/cli-map"});
        ASSERT_EQ(result.exit_code, 0) << result.err;
    }

    test_database m_db;
};

TEST_F(forumgate_cli, one_config_file_gives_load_and_resolve_their_settings)
{
    // The store and map load's settings from the file of a whole move, with no FORUMGATE_DB and
    // no flags; source is fetch's and skipped. Before, only serve read a config file.
    temp_dir dir;
    auto const config =
        dir.write("move.conf", "db = " + m_db.conninfo() + "\nsource = https://" + OLD_HOST +
                                   "\n[map load]\nnew-base = https://forum.brum.coop\nold-host = " + OLD_HOST +
                                   "\nold-host = www." + OLD_HOST + "\n");
    auto const load = run_process(
        FORUMGATE_BINARY, {"--config", config.string(), "map", "load", std::string{FORUMGATE_FIXTURES} + "/cli-map"},
        {{"FORUMGATE_DB", ""}});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    auto const resolve =
        run_process(FORUMGATE_BINARY, {"resolve", "--config", config.string(), "/t/774"}, {{"FORUMGATE_DB", ""}});
    EXPECT_EQ(resolve.exit_code, 0) << resolve.err;
    EXPECT_EQ(resolve.out, "301\thttps://forum.brum.coop/t/agm-2023-minutes/1774\t/t/774\n");
}

TEST_F(forumgate_cli, migrate_twice_reports_up_to_date)
{
    auto const first = forumgate({"db", "migrate"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_NE(first.err.find("applied migration 1"), std::string::npos) << first.err;
    auto const second = forumgate({"db", "migrate"});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_NE(second.err.find("schema is up to date at version " + std::to_string(forumgate::store::SCHEMA_VERSION)),
              std::string::npos)
        << second.err;
}

TEST_F(forumgate_cli, load_then_resolve_prints_one_line_per_url)
{
    load_fixture();
    auto const result = forumgate({"resolve", "/t/agm-2023-minutes/774/3", "https://www." + OLD_HOST + "/p/9003",
                                   "/t/some-other-slug/776", "/t/spam-topic/777", "/t/nothing/999999",
                                   "/viewtopic.php?t=775", "/u/ALICE_OLD/activity"});
    EXPECT_EQ(result.exit_code, 1) << "a 404 and a 410 are problems";
    EXPECT_EQ(result.out, "301\thttps://forum.brum.coop/t/agm-2023-minutes/1774/2\t/t/agm-2023-minutes/774/3\n"
                          "301\thttps://forum.brum.coop/t/agm-2023-minutes/1774/2\thttps://www." +
                              OLD_HOST +
                              "/p/9003\n"
                              "301\thttps://forum.brum.coop/t/1776\t/t/some-other-slug/776\n"
                              "410\t-\t/t/spam-topic/777\n"
                              "404\t-\t/t/nothing/999999\n"
                              "301\thttps://forum.brum.coop/t/proposal-food-co-op/1775\t/viewtopic.php?t=775\n"
                              "301\thttps://forum.brum.coop/u/alice/activity\t/u/ALICE_OLD/activity\n");
}

TEST_F(forumgate_cli, resolve_reads_standard_input_and_exits_zero_when_all_redirect)
{
    load_fixture();
    auto const result = forumgate({"resolve"}, "/t/774\r\n\n/c/working-groups/housing\nhttps://" + OLD_HOST +
                                                   "/latest?utm_source=mail\n");
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    EXPECT_EQ(result.out, "301\thttps://forum.brum.coop/t/agm-2023-minutes/1774\t/t/774\n"
                          "301\thttps://forum.brum.coop/c/working-groups/housing/14\t/c/working-groups/housing\n"
                          "301\thttps://forum.brum.coop/latest\thttps://" +
                              OLD_HOST + "/latest?utm_source=mail\n");
}

TEST_F(forumgate_cli, resolve_never_echoes_control_characters)
{
    load_fixture();
    auto const result =
        forumgate({"resolve", "/t/x\tz/774", "ftp://" + OLD_HOST + "/t/774", "/t/%0d%0aLocation:evil/774"});
    EXPECT_EQ(result.out, "400\t-\t/t/x\\x09z/774\n"
                          "400\t-\tftp://" +
                              OLD_HOST +
                              "/t/774\n"
                              "400\t-\t/t/%0d%0aLocation:evil/774\n");
}

TEST_F(forumgate_cli, stats_counts_what_was_loaded)
{
    load_fixture();
    auto const result = forumgate({"map", "stats", "--json"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("\"topics\": 4"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\"topics_not_migrated\": 1"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\"posts\": 5"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\"rules\": 1"), std::string::npos) << result.out;
}

TEST_F(forumgate_cli, loading_the_same_files_twice_changes_nothing)
{
    load_fixture();
    auto const again = forumgate({"map", "load", std::string{FORUMGATE_FIXTURES} + "/cli-map"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.err.find("nothing changed"), std::string::npos) << again.err;
}

TEST_F(forumgate_cli, export_then_load_elsewhere_gives_the_same_map)
{
    load_fixture();
    temp_dir dir;
    auto const exported = forumgate({"map", "export", dir.path().string()});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_TRUE(fs::exists(dir.path() / "topics.csv"));

    test_database other;
    auto const loaded = run_process(FORUMGATE_BINARY, {"map", "load", "--db", other.conninfo(), dir.path().string()});
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
    temp_dir again;
    auto const reexported =
        run_process(FORUMGATE_BINARY, {"map", "export", "--db", other.conninfo(), again.path().string()});
    ASSERT_EQ(reexported.exit_code, 0) << reexported.err;
    for (auto const *name :
         {"topics.csv", "posts.csv", "users.csv", "categories.csv", "uploads.csv", "rules.csv", "settings.csv"}) {
        EXPECT_EQ(read_file(dir.path() / name), read_file(again.path() / name)) << name;
    }
}

TEST_F(forumgate_cli, a_bad_row_names_file_and_line_and_changes_nothing)
{
    load_fixture();
    auto const before = forumgate({"map", "stats", "--json"});
    temp_dir dir;
    std::ofstream{dir.path() / "topics.csv"} << "old_id,old_slug,new_id,new_slug\n800,new-topic,1800,new-topic\n";
    std::ofstream{dir.path() / "posts.csv"}
        << "old_id,old_topic_id,old_post_number,new_id,new_topic_id,new_post_number\n"
           "9100,800,1,19100,1800,1\n"
           "9101,800,two,19101,1800,2\n";
    auto const result = forumgate({"map", "load", dir.path().string()});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("posts.csv:3:"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("old_post_number"), std::string::npos) << result.err;
    EXPECT_EQ(forumgate({"map", "stats", "--json"}).out, before.out);
}

TEST_F(forumgate_cli, first_load_needs_the_hosts)
{
    auto const result = forumgate(
        {"map", "load", "--new-base", "https://forum.brum.coop", std::string{FORUMGATE_FIXTURES} + "/cli-map"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--old-host"), std::string::npos) << result.err;
}

TEST_F(forumgate_cli, new_base_on_an_old_host_is_refused)
{
    // The trailing dot of the fully qualified form once got past the check.
    for (auto const &base : {"https://" + OLD_HOST, "https://" + OLD_HOST + "."}) {
        auto const result = forumgate(
            {"map", "load", "--new-base", base, "--old-host", OLD_HOST, std::string{FORUMGATE_FIXTURES} + "/cli-map"});
        EXPECT_EQ(result.exit_code, 2) << base;
        EXPECT_NE(result.err.find("loop"), std::string::npos) << result.err;
    }
}

TEST_F(forumgate_cli, an_old_host_given_with_its_trailing_dot_still_matches_requests)
{
    // Once stored with its dot while requests were matched without it: every URL missed.
    auto const loaded = forumgate({"map", "load", "--new-base", "https://forum.brum.coop", "--old-host", OLD_HOST + ".",
                                   std::string{FORUMGATE_FIXTURES} + "/cli-map"});
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
    auto const resolved = forumgate({"resolve", "https://" + OLD_HOST + "/t/774", "https://" + OLD_HOST + "./t/774"});
    EXPECT_EQ(resolved.exit_code, 0) << resolved.out << resolved.err;
    EXPECT_EQ(std::ranges::count(resolved.out, '\n'), 2) << resolved.out;
    EXPECT_EQ(resolved.out.find("404"), std::string::npos) << resolved.out;
}

TEST_F(forumgate_cli, a_flag_in_the_config_file_does_what_it_does_on_the_command_line)
{
    // Before: `no-sweep = true` gave the flag the value "true", which set its variable (sweep)
    // to true: the sweep ran all the same. The sweep shows in the ids fetch finds absent: it
    // asks for ids past the highest one listed.
    temp_dir dir;
    auto const key = dir.write("admin.key", "cli-test-admin-key\n");
    auto const old_forum =
        forumgate::testing::start_rehearsal_forum(FORUMGATE_BINARY, key, {"--generate", "12", "--generate-seed", "3"});
    std::string const source = "http://127.0.0.1:" + std::to_string(old_forum->ports().front());
    int run = 0;
    auto const absent_ids = [&](std::vector<std::string> const &more, std::string const &config) {
        test_database store;
        auto const config_file = dir.write("move-" + std::to_string(++run) + ".conf", config);
        std::vector<std::string> args{"--config",
                                      config_file.string(),
                                      "fetch",
                                      "--db",
                                      store.conninfo(),
                                      "--source",
                                      source,
                                      "--api-key-file",
                                      key.string(),
                                      "--uploads-dir",
                                      (dir.path() / ("uploads-" + std::to_string(run))).string()};
        args.insert(args.end(), more.begin(), more.end());
        auto const fetched = run_process(FORUMGATE_BINARY, args, {}, {}, 120);
        EXPECT_EQ(fetched.exit_code, 0) << fetched.err;
        std::smatch found;
        EXPECT_TRUE(std::regex_search(fetched.err, found, std::regex{R"((\d+) absent ids\))"})) << fetched.err;
        return found.empty() ? -1LL : std::stoll(found[1].str());
    };
    auto const swept = absent_ids({}, "");
    auto const not_swept = absent_ids({"--no-sweep"}, "");
    EXPECT_GE(swept, not_swept + 20) << "the sweep asks for sweep-slack (20) ids past the highest";
    EXPECT_EQ(absent_ids({}, "[fetch]\nno-sweep = true\n"), not_swept);
    EXPECT_EQ(absent_ids({}, "no-sweep = false\n"), swept);
}

TEST_F(forumgate_cli, fetch_from_where_no_forum_answers_stops_at_once_with_what_to_check)
{
    // Once retried in silence for 34-54 s, then reported bare.
    std::uint16_t port = 0;
    {
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor acceptor{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
        port = acceptor.local_endpoint().port();
    }
    std::string const where = "127.0.0.1:" + std::to_string(port);
    for (auto const &[source, hint] :
         std::vector<std::pair<std::string, std::string>>{{"http://" + where, "nothing listens on " + where},
                                                          {"http://no-such-host.invalid", "no such host name"}}) {
        auto const started = std::chrono::steady_clock::now();
        auto const result = forumgate({"fetch", "--source", source});
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{2}) << source;
        EXPECT_EQ(result.exit_code, 2) << result.err;
        EXPECT_NE(result.err.find(hint), std::string::npos) << result.err;
    }
}

} // namespace

TEST_F(forumgate_cli, errors_that_stop_a_command_say_what_to_do_next)
{
    // serve on an empty map: name the two ways of filling it.
    auto const empty = forumgate({"serve", "--listen", "127.0.0.1:0"});
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("is empty: fill it with `forumgate import`"), std::string::npos) << empty.err;
    EXPECT_NE(empty.err.find("`forumgate map load --new-base URL --old-host HOST FOLDER`"), std::string::npos)
        << empty.err;

    // A database that does not exist: say how to create one.
    auto const missing =
        run_process(FORUMGATE_BINARY, {"map", "stats", "--db", m_db.conninfo() + " dbname=forumgate_no_such_database"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("createdb"), std::string::npos) << missing.err;

    load_fixture();
    // A host name where an address is needed.
    auto const named = forumgate({"serve", "--listen", "localhost:8080"});
    EXPECT_EQ(named.exit_code, 2);
    EXPECT_NE(named.err.find("needs an IP address, not a host name: 127.0.0.1:8080"), std::string::npos) << named.err;

    // A TLS certificate that is not there.
    auto const no_cert = forumgate({"serve", "--tls-listen", "127.0.0.1:0", "--tls-cert", "/nonexistent/cert.pem",
                                    "--tls-key", "/nonexistent/key.pem"});
    EXPECT_EQ(no_cert.exit_code, 2);
    EXPECT_NE(no_cert.err.find("--tls-cert /nonexistent/cert.pem: cannot read: No such file or directory"),
              std::string::npos)
        << no_cert.err;

    // resolve of a host the map does not cover: say why it gets no redirect, once per host.
    auto const other = forumgate({"resolve", "http://other.example/t/x/1", "http://other.example/t/y/2"});
    EXPECT_EQ(other.exit_code, 1);
    auto const told = other.err.find("other.example is not an old host of this map (" + OLD_HOST);
    EXPECT_NE(told, std::string::npos) << other.err;
    EXPECT_EQ(other.err.find("other.example is not an old host", told + 1), std::string::npos)
        << "said twice: " << other.err;
}
