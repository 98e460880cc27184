// docs/configuration.md is the --help of every subcommand, written by
// scripts/gen-configuration-doc. It must be what that script writes with the binary just built,
// so whoever adds a subcommand or a flag regenerates it. The sample serve config and the
// systemd unit under packaging/systemd/ may only name settings `forumgate serve` has.

#include "tests/support/process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using forumgate::testing::read_file;
using forumgate::testing::run_process;
using forumgate::testing::temp_dir;

fs::path const SOURCE_DIR{FORUMGATE_SOURCE_DIR};

/// \return the first line where `a` and `b` differ, numbered from 1, with both versions.
std::string first_difference(std::string const &a, std::string const &b)
{
    std::istringstream in_a{a};
    std::istringstream in_b{b};
    std::string line_a;
    std::string line_b;
    for (int number = 1;; ++number) {
        bool const more_a = static_cast<bool>(std::getline(in_a, line_a));
        bool const more_b = static_cast<bool>(std::getline(in_b, line_b));
        if (!more_a && !more_b) {
            return "(they differ only in line endings)";
        }
        if (!more_a || !more_b || line_a != line_b) {
            return "line " + std::to_string(number) +
                   ":\n  docs/configuration.md: " + (more_a ? line_a : "(end of file)") +
                   "\n  generated now:         " + (more_b ? line_b : "(end of file)");
        }
    }
}

/// \return true if `help` lists the option `--name` (as `--name TEXT`, `--name,--no-name`,
/// `--name{false}` or `--name=…`).
bool lists_option(std::string const &help, std::string const &name)
{
    std::string const option = "--" + name;
    for (auto at = help.find(option); at != std::string::npos; at = help.find(option, at + 1)) {
        char const before = at == 0 ? ' ' : help[at - 1];
        char const after = at + option.size() < help.size() ? help[at + option.size()] : '\n';
        if ((before == ' ' || before == ',') &&
            (after == ' ' || after == ',' || after == '{' || after == '=' || after == '\n')) {
            return true;
        }
    }
    return false;
}

std::string serve_help()
{
    auto const help = run_process(FORUMGATE_BINARY, {"serve", "--help"}, {{"FORUMGATE_DB", ""}});
    EXPECT_EQ(help.exit_code, 0) << help.err;
    return help.out;
}

TEST(configuration_doc, is_what_the_script_writes_from_this_binary)
{
    temp_dir dir;
    auto const generated = dir.path() / "configuration.md";
    auto const result = run_process((SOURCE_DIR / "scripts/gen-configuration-doc").string(),
                                    {"--binary", FORUMGATE_BINARY, "--output", generated.string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err.find("warning"), std::string::npos) << result.err;

    auto const committed = read_file(SOURCE_DIR / "docs/configuration.md");
    auto const now = read_file(generated);
    EXPECT_TRUE(committed == now) << "docs/configuration.md is out of date with the forumgate binary's --help.\n"
                                  << "Regenerate it (after building forumgate) and commit the result:\n"
                                  << "    scripts/gen-configuration-doc\n"
                                  << "First difference, " << first_difference(committed, now);
}

TEST(configuration_doc, lists_the_subcommands_it_should)
{
    // Guards the script's reading of the "Subcommands:" sections: a format change in CLI11
    // would otherwise give a doc with no commands that still matches itself.
    auto const doc = read_file(SOURCE_DIR / "docs/configuration.md");
    for (std::string const command : {"db migrate", "map load", "map export", "map stats", "map snapshot", "resolve",
                                      "serve", "rehearsal-forum", "fetch", "import", "verify", "coverage", "help", "version"}) {
        EXPECT_NE(doc.find("\n### forumgate " + command + "\n"), std::string::npos) << command;
        EXPECT_NE(doc.find("Usage: forumgate " + command + " [OPTIONS]"), std::string::npos) << command;
    }
}

TEST(configuration_doc, sample_serve_config_names_only_serve_settings)
{
    auto const help = serve_help();
    std::istringstream config{read_file(SOURCE_DIR / "packaging/systemd/serve.conf.example")};
    std::string line;
    int settings = 0;
    for (int number = 1; std::getline(config, line); ++number) {
        auto const start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#') {
            continue;
        }
        auto const equals = line.find('=');
        ASSERT_NE(equals, std::string::npos) << "serve.conf.example:" << number << ": " << line;
        auto name = line.substr(start, equals - start);
        name.erase(name.find_last_not_of(" \t") + 1);
        EXPECT_TRUE(lists_option(help, name))
            << "serve.conf.example:" << number << ": " << name << " is no setting of forumgate serve";
        ++settings;
    }
    EXPECT_GT(settings, 0);
}

TEST(configuration_doc, systemd_unit_uses_serve_options_that_exist)
{
    auto const help = serve_help();
    std::istringstream unit{read_file(SOURCE_DIR / "packaging/systemd/forumgate-serve.service")};
    std::string line;
    bool found = false;
    while (std::getline(unit, line)) {
        if (line.rfind("ExecStart=", 0) != 0) {
            continue;
        }
        found = true;
        EXPECT_NE(line.find(" serve "), std::string::npos) << line;
        std::istringstream words{line};
        std::string word;
        while (words >> word) {
            if (word.rfind("--", 0) == 0) {
                auto const name =
                    word.substr(2, word.find('=') == std::string::npos ? std::string::npos : word.find('=') - 2);
                EXPECT_TRUE(lists_option(help, name)) << word << " is no option of forumgate serve";
            }
        }
    }
    EXPECT_TRUE(found) << "no ExecStart= line";
}

} // namespace
