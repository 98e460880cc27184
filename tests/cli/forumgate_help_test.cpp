// Every subcommand answers --help with its usage, `forumgate help COMMAND` prints the same,
// `version` names the build, and bad command lines fail with status 2 and the nearest command
// or flag.

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

TEST(forumgate, version_command_names_the_revision_and_the_libraries)
{
    // Before: `forumgate version` was "A subcommand is required", --version the bare number.
    auto const command = run_process(FORUMGATE_BINARY, {"version"});
    EXPECT_EQ(command.exit_code, 0) << command.err;
    auto const flag = run_process(FORUMGATE_BINARY, {"--version"});
    EXPECT_EQ(command.out, flag.out);
    EXPECT_EQ(command.out.rfind("forumgate ", 0), 0U) << command.out;
    EXPECT_NE(command.out.find(" (git "), std::string::npos) << command.out;
    for (auto const *library : {"libpqxx", "libpq ", "Boost", "RE2", "OpenSSL", "spdlog", "nlohmann_json"}) {
        EXPECT_NE(command.out.find("\n  " + std::string{library}), std::string::npos) << library << "\n" << command.out;
    }
}

TEST(forumgate, no_subcommand_is_a_usage_error)
{
    auto const result = run_process(FORUMGATE_BINARY, {});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("a subcommand is required, one of: fetch, import"), std::string::npos) << result.err;
}

struct typo_case
{
    std::vector<std::string> args;
    std::string expected; ///< what the error must say
};

class typo_test : public ::testing::TestWithParam<typo_case>
{};

TEST_P(typo_test, names_the_nearest_command_or_flag)
{
    // Before: "A subcommand is required" for `fecth`, "The following arguments were not
    // expected" with no suggestion for a flag.
    auto const result = run_process(FORUMGATE_BINARY, GetParam().args, {{"FORUMGATE_DB", ""}});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find(GetParam().expected), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
}

INSTANTIATE_TEST_SUITE_P(
    mistakes, typo_test,
    ::testing::Values(typo_case{{"fecth"}, "unknown command \"fecth\"; did you mean \"fetch\"?"},
                      typo_case{{"--log-level", "debug", "improt"}, "did you mean \"import\"?"},
                      typo_case{{"map", "lod", "dir"}, "unknown command \"map lod\"; did you mean \"map load\"?"},
                      typo_case{{"db", "migrat"}, "did you mean \"db migrate\"?"},
                      typo_case{{"map"}, "\"map\": a subcommand is required, one of: load, export, stats, snapshot"},
                      typo_case{{"fetch", "--sorce", "http://old.example"},
                                "unknown option \"--sorce\" for forumgate fetch; did you mean \"--source\"?"},
                      typo_case{{"import", "--target=http://new.example", "--dryrun"}, "did you mean \"--dry-run\"?"},
                      typo_case{{"map", "load", "--old-hots", "x", "dir"}, "did you mean \"--old-host\"?"},
                      typo_case{{"help", "fecth"}, "unknown command \"fecth\"; did you mean \"fetch\"?"},
                      typo_case{{"help", "map", "lod"}, "did you mean \"map load\"?"},
                      // Before: the word after a flag was skipped as if it were the flag's value,
                      // and CLI11's bare "The following argument was not expected" was all.
                      typo_case{{"map", "stats", "--json", "--colour"},
                                "unknown option \"--colour\" for forumgate map stats"},
                      typo_case{{"fetch", "--full", "--sorce", "http://old.example"}, "did you mean \"--source\"?"}));

class help_command_test : public ::testing::TestWithParam<std::vector<std::string>>
{};

TEST_P(help_command_test, prints_what_help_prints)
{
    // Before: `forumgate help fetch` was an error.
    auto const words = GetParam();
    auto help_args = words;
    help_args.insert(help_args.begin(), "help");
    auto flag_args = words;
    flag_args.emplace_back("--help");
    auto const command = run_process(FORUMGATE_BINARY, help_args, {{"FORUMGATE_DB", ""}});
    auto const flag = run_process(FORUMGATE_BINARY, flag_args, {{"FORUMGATE_DB", ""}});
    EXPECT_EQ(command.exit_code, 0) << command.err;
    EXPECT_EQ(command.out, flag.out);
    EXPECT_NE(command.out.find("Usage: forumgate"), std::string::npos) << command.out;
}

INSTANTIATE_TEST_SUITE_P(commands, help_command_test,
                         ::testing::Values(std::vector<std::string>{}, std::vector<std::string>{"fetch"},
                                           std::vector<std::string>{"map"}, std::vector<std::string>{"map", "load"},
                                           std::vector<std::string>{"serve"}, std::vector<std::string>{"help"}));

/// Every command path, as `help` takes it.
std::vector<std::vector<std::string>> const ALL_COMMANDS = {{},
                                                            {"fetch"},
                                                            {"import"},
                                                            {"verify"},
                                                            {"map"},
                                                            {"map", "load"},
                                                            {"map", "export"},
                                                            {"map", "stats"},
                                                            {"map", "snapshot"},
                                                            {"serve"},
                                                            {"resolve"},
                                                            {"coverage"},
                                                            {"rehearsal-forum"},
                                                            {"db"},
                                                            {"db", "migrate"},
                                                            {"help"},
                                                            {"version"}};

TEST(forumgate, help_shows_options_as_typed_and_points_at_manual_pages)
{
    // Before: `--no-sweep{false}`, `--soft,--no-soft{false}`, `--concurrency INT=8`, and
    // footers naming docs/*.md, which an installed binary does not have.
    for (auto const &words : ALL_COMMANDS) {
        auto args = words;
        args.insert(args.begin(), "help");
        auto const help = run_process(FORUMGATE_BINARY, args, {{"FORUMGATE_DB", ""}});
        std::string const name = words.empty() ? "forumgate" : words.front();
        ASSERT_EQ(help.exit_code, 0) << name << help.err;
        for (auto const *internal : {"{false}", "{true}", "INT=", "TEXT=", "FLOAT=", "UINT=", "docs/", "REQUIRED"}) {
            EXPECT_EQ(help.out.find(internal), std::string::npos) << name << " shows " << internal << "\n" << help.out;
        }
        // Each command its own page: forumgate-map-load(1), not forumgate-map(1) for all of map.
        std::string page = "forumgate";
        for (auto const &word : words) {
            page += "-" + word;
        }
        std::string const manual = "Manual: " + page + "(1).";
        EXPECT_NE(help.out.find(manual), std::string::npos) << help.out;
    }
    auto const fetch = run_process(FORUMGATE_BINARY, {"fetch", "--help"});
    EXPECT_NE(fetch.out.find("  --no-sweep "), std::string::npos) << fetch.out;
    EXPECT_NE(fetch.out.find("  --concurrency INT "), std::string::npos) << fetch.out;
    EXPECT_NE(fetch.out.find("(default: 8)"), std::string::npos) << fetch.out;
    auto const serve = run_process(FORUMGATE_BINARY, {"serve", "--help"});
    EXPECT_NE(serve.out.find("  --soft, --no-soft "), std::string::npos) << serve.out;
}

TEST(forumgate, lists_the_subcommands_in_the_order_of_a_move)
{
    auto const help = run_process(FORUMGATE_BINARY, {"--help"});
    std::size_t previous = 0;
    for (auto const *name : {"fetch", "import", "verify", "map", "serve", "resolve", "coverage", "rehearsal-forum",
                             "db", "help", "version"}) {
        auto const at = help.out.find(std::string{"\n  "} + name + " ");
        ASSERT_NE(at, std::string::npos) << name << "\n" << help.out;
        EXPECT_GT(at, previous) << name << " out of order\n" << help.out;
        previous = at;
    }
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
