// Tests of redirector/settings: the config file, reloads, and the docs kept true to the table.

#include "redirector/settings.hpp"

#include "base/error.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace forumgate;
using namespace forumgate::redirector;

TEST(serve_settings, config_file_sets_values_and_lists)
{
    forumgate::testing::temp_dir dir;
    auto const file = dir.path() / "forumgate.conf";
    std::ofstream{file} << "# the old forum's redirector\n"
                           "listen = 127.0.0.1:80\n"
                           "listen = [::1]:80   # IPv6 too\n"
                           "soft = yes\n"
                           "threads = 2\n"
                           "\n"
                           "trusted-proxy = 10.0.0.0/8\n";
    serve_settings values;
    read_config_file({file, {}}, values, {});
    EXPECT_EQ(values.listen, (std::vector<std::string>{"127.0.0.1:80", "[::1]:80"}));
    EXPECT_TRUE(values.soft);
    EXPECT_EQ(values.threads, 2);
    EXPECT_EQ(values.trusted_proxy, std::vector<std::string>{"10.0.0.0/8"});
}

TEST(serve_settings, command_line_wins)
{
    forumgate::testing::temp_dir dir;
    auto const file = dir.path() / "forumgate.conf";
    std::ofstream{file} << "soft = true\nthreads = 4\n";
    serve_settings values;
    values.threads = 1;
    read_config_file({file, {}}, values, {"threads"});
    EXPECT_EQ(values.threads, 1);
    EXPECT_TRUE(values.soft);
}

TEST(serve_settings, bad_lines_are_named)
{
    forumgate::testing::temp_dir dir;
    auto const file = dir.path() / "forumgate.conf";
    auto const expect_error = [&](std::string const &text, std::string const &message) {
        std::ofstream{file} << text;
        serve_settings values;
        try {
            read_config_file({file, {}}, values, {});
            ADD_FAILURE() << "no error for " << text;
        } catch (argument_error const &e) {
            EXPECT_NE(std::string{e.what()}.find(message), std::string::npos) << e.what();
        }
    };
    expect_error("threads = 2\ncolour = blue\n", "forumgate.conf:2: unknown setting 'colour'");
    expect_error("thread = 2\n", "forumgate.conf:1: unknown setting 'thread'; did you mean 'threads'?");
    expect_error("soft = maybe\n", "forumgate.conf:1: soft must be true or false, not 'maybe'");
    expect_error("threads = two\n", "forumgate.conf:1: threads must be a whole number, not 'two'");
    expect_error("just words\n", "forumgate.conf:1: expected `name = value`");
}

TEST(serve_settings, a_file_for_the_whole_move_gives_serve_its_lines_only)
{
    // One file for every subcommand: keys of other subcommands and other [sections] are
    // skipped, [serve] lines apply, and an unknown key in [serve] is still an error.
    forumgate::testing::temp_dir dir;
    auto const file = dir.write("move.conf", "db = dbname=move\nsource = https://old.example.org\n"
                                             "[fetch]\nthreads = 9\n[serve]\nthreads = 3\n");
    serve_settings values;
    read_config_file({file, {"source", "target"}}, values, {});
    EXPECT_EQ(values.db, "dbname=move");
    EXPECT_EQ(values.threads, 3);

    std::ofstream{file, std::ios::app} << "source = https://old.example.org\n";
    EXPECT_THROW(read_config_file({file, {"source"}}, values, {}), argument_error);
    (void)dir.write("move.conf", "sorce = https://old.example.org\n");
    try {
        read_config_file({file, {"source"}}, values, {});
        ADD_FAILURE() << "no error for a key no subcommand knows";
    } catch (argument_error const &e) {
        EXPECT_NE(std::string{e.what()}.find("move.conf:1: unknown setting 'sorce'; did you mean 'source'?"),
                  std::string::npos)
            << e.what();
    }
}

TEST(serve_settings, reload_applies_only_reloadable_settings)
{
    serve_settings running;
    serve_settings fresh = running;
    fresh.soft = true;
    fresh.permanent_max_age = 31536000;
    fresh.threads = 8;
    fresh.acme_webroot = "/var/lib/forumgate/acme";
    auto const needs_restart = apply_reloadable(fresh, running);
    EXPECT_TRUE(running.soft);
    EXPECT_EQ(running.acme_webroot, "/var/lib/forumgate/acme");
    EXPECT_EQ(running.permanent_max_age, 31536000);
    EXPECT_EQ(running.threads, 1);
    EXPECT_EQ(needs_restart, std::vector<std::string>{"threads"});
}

TEST(serve_settings, combinations_are_checked)
{
    serve_settings values;
    values.db = "dbname=x";
    EXPECT_NO_THROW(check(values));
    values.tls_listen = {"127.0.0.1:8443"};
    EXPECT_THROW(check(values), argument_error);
    values = {};
    EXPECT_THROW(check(values), argument_error); // no --db, no --snapshot
    values.snapshot = "map.snapshot";
    values.threads = 0;
    EXPECT_THROW(check(values), argument_error);
}

TEST(serve_settings, docs_list_every_setting_as_the_table_says)
{
    std::ifstream in{std::string{FORUMGATE_SOURCE_DIR} + "/docs/serve.md"};
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find(settings_markdown()), std::string::npos)
        << "docs/serve.md is out of date; its settings table should be:\n"
        << settings_markdown();
}
