// Every subcommand answers --help with its usage, and bad command lines fail with status 2.

#include "tests/support/process.hpp"

#include <gtest/gtest.h>

namespace {

using forumgate::testing::run_process;

struct help_case
{
    std::vector<std::string> args;
    std::string expected; ///< text the usage must contain
};

class help_test : public ::testing::TestWithParam<help_case>
{};

TEST_P(help_test, prints_usage_and_exits_zero)
{
    auto args = GetParam().args;
    args.emplace_back("--help");
    auto const result = run_process(FORUMGATE_BINARY, args, {{"FORUMGATE_DB", ""}});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("Usage:"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(GetParam().expected), std::string::npos) << result.out;
}

INSTANTIATE_TEST_SUITE_P(
    subcommands, help_test,
    ::testing::Values(help_case{{}, "resolve"}, help_case{{"db"}, "migrate"}, help_case{{"db", "migrate"}, "--db"},
                      help_case{{"map"}, "load"}, help_case{{"map", "load"}, "--old-host"},
                      help_case{{"map", "export"}, "DIR"}, help_case{{"map", "stats"}, "--json"},
                      help_case{{"resolve"}, "STATUS<TAB>LOCATION<TAB>URL"}, help_case{{"serve"}, "--tls-listen"},
                      help_case{{"serve"}, "[reloadable]"}, help_case{{"map", "snapshot"}, "FILE"},
                      help_case{{"fetch"}, "--include-private-messages"}, help_case{{"fetch"}, "--api-key-file"}));

TEST(forumgate, version_names_the_program)
{
    auto const result = run_process(FORUMGATE_BINARY, {"--version"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.out.rfind("forumgate ", 0), 0U) << result.out;
}

TEST(forumgate, no_subcommand_is_a_usage_error)
{
    auto const result = run_process(FORUMGATE_BINARY, {});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("subcommand"), std::string::npos) << result.err;
}

TEST(forumgate, unknown_option_is_named)
{
    auto const result = run_process(FORUMGATE_BINARY, {"map", "stats", "--colour"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--colour"), std::string::npos) << result.err;
}

TEST(forumgate, missing_database_is_explained)
{
    auto const result = run_process(FORUMGATE_BINARY, {"map", "stats"}, {{"FORUMGATE_DB", ""}});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("no database given: use --db or set FORUMGATE_DB"), std::string::npos) << result.err;
}

TEST(forumgate, unreachable_database_is_fatal_and_hides_the_password)
{
    auto const result = run_process(
        FORUMGATE_BINARY, {"map", "stats", "--db", "host=/nonexistent-forumgate-socket-dir dbname=x password=s3cret"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.err.find("s3cret"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("/nonexistent-forumgate-socket-dir"), std::string::npos) << result.err;
}

} // namespace
