// The bash completion the build writes (build/completion/forumgate), driven in a real bash as
// bash-completion drives it: COMP_WORDS and COMP_CWORD set, _forumgate called, COMPREPLY read.
// It offers the commands, nested, every option each command's --help lists, file names for
// values and arguments of type FILE or DIR, and nothing for other values. `zsh -n` on the zsh
// completion is in tests/cli/check-generated (zsh may have to be installed).

#include "tests/cli/help_text.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using namespace forumgate::testing;

fs::path const BASH_COMPLETION = fs::path{FORUMGATE_COMPLETION_DIR} / "forumgate";

/// `text` in single quotes for bash.
std::string quoted(std::string const &text)
{
    std::string out = "'";
    for (char const c : text) {
        out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
    }
    return out + "'";
}

/// What the completion offers for `words` (the program name first) with the cursor on the
/// last word, run from the folder `cwd`.
std::set<std::string> complete(std::vector<std::string> const &words, fs::path const &cwd = fs::current_path())
{
    std::string script =
        "set -u; cd " + quoted(cwd.string()) + " && source " + quoted(BASH_COMPLETION.string()) + " && COMP_WORDS=(";
    for (auto const &word : words) {
        script += quoted(word) + " ";
    }
    script += "); COMP_CWORD=" + std::to_string(words.size() - 1) +
              "; _forumgate forumgate; printf '%s\\n' \"${COMPREPLY[@]}\"";
    auto const result = run_process("/bin/bash", {"--norc", "--noprofile", "-c", script});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    std::set<std::string> offered;
    std::istringstream lines{result.out};
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty()) {
            offered.insert(line);
        }
    }
    return offered;
}

using words = std::set<std::string>;

TEST(bash_completion, completes_commands_nested)
{
    EXPECT_EQ(complete({"forumgate", "se"}), words{"serve"});
    EXPECT_EQ(complete({"forumgate", "map", ""}), (words{"load", "export", "stats", "snapshot"}));
    EXPECT_EQ(complete({"forumgate", "db", "m"}), words{"migrate"});
    // Global options and their values before the command do not count as commands.
    EXPECT_EQ(complete({"forumgate", "--log-level", "debug", "--config", "move.conf", "ma"}), words{"map"});
    // `help` takes a command path.
    EXPECT_EQ(complete({"forumgate", "help", "map", "l"}), words{"load"});
    EXPECT_EQ(complete({"forumgate", "help", "ver"}), (words{"verify", "version"}));
}

TEST(bash_completion, completes_the_options_of_the_command)
{
    EXPECT_EQ(complete({"forumgate", "serve", "--tls-c"}), (words{"--tls-cert", "--tls-ciphers"}));
    EXPECT_EQ(complete({"forumgate", "serve", "--no-s"}), words{"--no-soft"});
    EXPECT_EQ(complete({"forumgate", "fetch", "--no-sw"}), words{"--no-sweep"});
    // After a value, still the options of serve; the global ones too.
    EXPECT_EQ(complete({"forumgate", "serve", "--threads", "4", "--log-"}), words{"--log-level"});
    EXPECT_EQ(complete({"forumgate", "map", "load", "--old-host", "a.example", "--up"}), words{"--upload-host"});
}

TEST(bash_completion, offers_every_option_its_help_lists_and_no_other)
{
    auto const global = parse_help(help_of({}));
    for (auto const &path : command_paths()) {
        SCOPED_TRACE(page_name(path));
        auto expected = parse_help(help_of(path)).options;
        if (!path.empty()) {
            for (auto const &option : global.options) {
                if (option != "-h" && option != "--help" && option != "--version") {
                    expected.insert(option); // --log-level and --config go after the command too
                }
            }
        }
        std::vector<std::string> line{"forumgate"};
        line.insert(line.end(), path.begin(), path.end());
        line.emplace_back("-");
        EXPECT_EQ(complete(line), expected);
    }
}

TEST(bash_completion, completes_file_names_for_files_and_folders_only)
{
    temp_dir dir;
    dir.write("cert.pem", "x");
    dir.write("key.pem", "x");
    fs::create_directory(dir.path() / "certs");
    auto const prefix = (dir.path() / "ce").string();
    auto const in = [&](std::string const &name) { return (dir.path() / name).string(); };

    EXPECT_EQ(complete({"forumgate", "serve", "--tls-cert", prefix}), (words{in("cert.pem"), in("certs")}));
    EXPECT_EQ(complete({"forumgate", "serve", "--config", ""}, dir.path()), (words{"cert.pem", "certs", "key.pem"}));
    // --option=value: bash gives "=" a word of its own.
    EXPECT_EQ(complete({"forumgate", "serve", "--tls-key", "=", in("k")}), words{in("key.pem")});
    EXPECT_EQ(complete({"forumgate", "serve", "--tls-key", "="}, dir.path()), (words{"cert.pem", "certs", "key.pem"}));
    // DIR: folders only, for an option and for an argument.
    EXPECT_EQ(complete({"forumgate", "fetch", "--uploads-dir", prefix}), words{in("certs")});
    EXPECT_EQ(complete({"forumgate", "map", "load", "--db", "x", prefix}), words{in("certs")});
    EXPECT_EQ(complete({"forumgate", "map", "snapshot", prefix}), (words{in("cert.pem"), in("certs")}));
    // Anything else: nothing, not even file names.
    EXPECT_EQ(complete({"forumgate", "serve", "--threads", ""}, dir.path()), words{});
    EXPECT_EQ(complete({"forumgate", "fetch", "--source", ""}, dir.path()), words{});
    EXPECT_EQ(complete({"forumgate", "resolve", ""}, dir.path()), words{});
    EXPECT_EQ(complete({"forumgate", "map", "stats", ""}, dir.path()), words{});
}

TEST(bash_completion, completes_choices)
{
    EXPECT_EQ(complete({"forumgate", "--log-level", ""}), (words{"trace", "debug", "info", "warn", "error", "off"}));
    EXPECT_EQ(complete({"forumgate", "coverage", "--fail-by", "h"}), words{"hits"});
}

TEST(bash_completion, registers_itself_for_forumgate)
{
    auto const result =
        run_process("/bin/bash", {"--norc", "--noprofile", "-c",
                                  "source " + quoted(BASH_COMPLETION.string()) + " && complete -p forumgate"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "complete -F _forumgate forumgate\n");
}

} // namespace
