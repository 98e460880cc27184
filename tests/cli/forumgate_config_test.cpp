// One config file for a whole move: every subcommand reads the `name = value` lines meant for
// it, skips those of other subcommands, and names FILE:LINE (and the nearest key) for the rest.
// Before, only `serve --config` read a file; every other command refused --config.

#include "tests/support/process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

namespace {

using forumgate::testing::process_result;
using forumgate::testing::run_process;
using forumgate::testing::temp_dir;

/// A store that cannot be reached, so a command fails on it after reading its options.
std::string const NO_STORE = "host=/nonexistent-forumgate-socket-dir dbname=x";

class forumgate_config : public ::testing::Test
{
protected:
    process_result forumgate(std::vector<std::string> const &args, std::string const &config,
                             std::map<std::string, std::string> env = {})
    {
        m_file = m_dir.write("move.conf", config);
        env.emplace("FORUMGATE_DB", "");
        std::vector<std::string> all{"--config", m_file.string()};
        all.insert(all.end(), args.begin(), args.end());
        return run_process(FORUMGATE_BINARY, all, env);
    }

    temp_dir m_dir;
    std::filesystem::path m_file;
};

/// Expects `result` to have stopped (exit 2) on the store whose socket folder is `folder`: the
/// store it was given, whichever way.
void expect_stopped_on_store(process_result const &result, std::string const &folder)
{
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find(folder), std::string::npos) << result.err;
}

std::string const NO_STORE_FOLDER = "/nonexistent-forumgate-socket-dir";

TEST_F(forumgate_config, a_command_takes_its_keys_and_skips_those_of_others)
{
    // db comes from the file (the command fails on that store); source and target belong to
    // fetch and import, not to map stats, and are skipped.
    auto const result = forumgate({"map", "stats"}, "# the move\n"
                                                    "source = https://old.example.org\n"
                                                    "target = https://new.example.org\n"
                                                    "db = " +
                                                        NO_STORE + "\n");
    expect_stopped_on_store(result, NO_STORE_FOLDER);
    EXPECT_EQ(result.err.find("source"), std::string::npos) << result.err;
}

TEST_F(forumgate_config, the_command_line_and_the_environment_win)
{
    auto const db =
        forumgate({"map", "stats", "--db", "host=/from-the-command-line dbname=x"}, "db = " + NO_STORE + "\n");
    expect_stopped_on_store(db, "/from-the-command-line");
    auto const env = forumgate({"map", "stats"}, "db = " + NO_STORE + "\n",
                               {{"FORUMGATE_DB", "host=/from-the-environment dbname=x"}});
    expect_stopped_on_store(env, "/from-the-environment");
}

TEST_F(forumgate_config, given_by_environment_or_after_the_subcommand)
{
    m_file = m_dir.write("move.conf", "db = " + NO_STORE + "\n");
    for (auto const &[args, env] : std::vector<std::pair<std::vector<std::string>, std::map<std::string, std::string>>>{
             {{"map", "stats"}, {{"FORUMGATE_CONFIG", m_file.string()}}},
             {{"map", "stats", "--config", m_file.string()}, {}}}) {
        auto all_env = env;
        all_env.emplace("FORUMGATE_DB", "");
        expect_stopped_on_store(run_process(FORUMGATE_BINARY, args, all_env), NO_STORE_FOLDER);
    }
}

TEST_F(forumgate_config, a_section_is_for_one_command_and_wins_over_the_lines_for_all)
{
    auto const result = forumgate({"fetch", "--status"}, "db = host=/for-every-command dbname=x\n"
                                                         "[map load]\n"
                                                         "db = host=/for-map-load dbname=x\n"
                                                         "[fetch]\n"
                                                         "db = " +
                                                             NO_STORE + "\n");
    expect_stopped_on_store(result, NO_STORE_FOLDER);
}

struct bad_config
{
    std::string text;
    std::string expected; ///< what the error must say
};

class bad_config_test : public forumgate_config, public ::testing::WithParamInterface<bad_config>
{};

TEST_P(bad_config_test, is_named_by_file_and_line)
{
    auto const result = forumgate({"fetch", "--status"}, "db = " + NO_STORE + "\n" + GetParam().text);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("move.conf:" + GetParam().expected), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("nonexistent-forumgate-socket-dir"), std::string::npos) << "ran anyway: " << result.err;
    EXPECT_EQ(result.err.find("s3cret"), std::string::npos) << "a secret was printed: " << result.err;
    EXPECT_EQ(result.err.find("see: forumgate help"), std::string::npos) << result.err;
}

INSTANTIATE_TEST_SUITE_P(
    mistakes, bad_config_test,
    ::testing::Values(
        bad_config{"sorce = https://old.example.org\n", "2: unknown setting 'sorce'; did you mean 'source'?"},
        bad_config{"api-key = s3cret\n", "2: unknown setting 'api-key'; did you mean 'api-key-file'? "
                                         "(API keys and secrets are read from a file"},
        bad_config{"[fecth]\nretries = 2\n", "3: [fecth]: unknown command \"fecth\"; did you mean \"fetch\"?"},
        bad_config{"[import]\nno-sweep = true\n", "3: unknown setting 'no-sweep' of forumgate import"},
        bad_config{"[fetch]\nconcurrency = lots\n", "3: concurrency = lots: "},
        bad_config{"[fetch]\nfull = maybe\n", "3: full = maybe: "},
        bad_config{"[fetch]\nretries = 2\nretries = 3\n", "4: retries is set twice (also at line 3)"},
        bad_config{"just words\n", "2: expected `name = value`"}));

TEST_F(forumgate_config, serve_reads_the_file_of_the_move_too)
{
    // serve takes its [serve] lines (threads = 0 is refused, so it stops before listening)
    // and skips the keys of other commands.
    auto const result = forumgate({"serve"}, "source = https://old.example.org\n"
                                             "db = " +
                                                 NO_STORE +
                                                 "\n"
                                                 "[fetch]\nretries = 4\n"
                                                 "[serve]\nthreads = 0\n");
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--threads must be between 1 and 256"), std::string::npos) << result.err;
}

TEST_F(forumgate_config, help_and_version_need_no_readable_file)
{
    for (auto const &args : {std::vector<std::string>{"version"}, {"help", "fetch"}}) {
        auto all = args;
        all.insert(all.begin(), {"--config", "/nonexistent/move.conf"});
        auto const result = run_process(FORUMGATE_BINARY, all);
        EXPECT_EQ(result.exit_code, 0) << result.err;
    }
}

} // namespace
