// The manual pages the build writes (build/man, by `forumgate help --man DIR`): one for
// forumgate and one for every command, each listing exactly the options, arguments and
// subcommands its --help lists, in roff that copies well (hyphens as \-, ASCII only). That they
// render without a warning is checked by tests/cli/check-generated with groff.

#include "tests/cli/help_text.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

namespace {

namespace fs = std::filesystem;
using namespace forumgate::testing;

fs::path const MAN_DIR{FORUMGATE_MAN_DIR};
fs::path const SOURCE_DIR{FORUMGATE_SOURCE_DIR};

/// The lines of the section `title` of a page (".SH OPTIONS" to the next ".SH").
std::vector<std::string> section_of(std::string const &page, std::string const &title)
{
    std::vector<std::string> lines;
    std::istringstream in{page};
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        if (line.rfind(".SH ", 0) == 0) {
            inside = line == ".SH " + title || line == ".SH \"" + title + "\"";
            continue;
        }
        if (inside) {
            lines.push_back(line);
        }
    }
    return lines;
}

/// The words in bold (`\fB…\fR`) or italics on the tag lines (after .TP) of a section, unescaped.
std::set<std::string> tags_of(std::string const &page, std::string const &title, char font)
{
    std::set<std::string> tags;
    auto const lines = section_of(page, title);
    std::regex const marked{std::string{R"(\\f)"} + font + R"(((?:\\-|[A-Za-z0-9_])+)\\f[RP])"};
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        if (lines[i] != ".TP") {
            continue;
        }
        auto const &tag = lines[i + 1];
        for (std::sregex_iterator at{tag.begin(), tag.end(), marked}, end; at != end; ++at) {
            tags.insert(std::regex_replace((*at)[1].str(), std::regex{R"(\\-)"}, "-"));
        }
    }
    return tags;
}

TEST(manual, there_is_a_page_for_forumgate_and_every_command_and_no_other)
{
    std::set<std::string> expected;
    for (auto const &path : command_paths()) {
        expected.insert(page_name(path) + ".1");
    }
    std::set<std::string> written;
    for (auto const &entry : fs::directory_iterator{MAN_DIR}) {
        if (entry.path().extension() == ".1") {
            written.insert(entry.path().filename().string());
        }
    }
    EXPECT_EQ(written, expected);
    EXPECT_TRUE(written.contains("forumgate-map-load.1"));
    EXPECT_TRUE(written.contains("forumgate-rehearsal-forum.1"));
    EXPECT_GE(written.size(), 17U);
}

TEST(manual, every_page_lists_what_its_help_lists)
{
    for (auto const &path : command_paths()) {
        std::string const name = page_name(path);
        SCOPED_TRACE(name);
        auto const help = parse_help(help_of(path));
        auto const page = read_file(MAN_DIR / (name + ".1"));
        EXPECT_EQ(tags_of(page, "OPTIONS", 'B'), help.options);
        EXPECT_EQ(tags_of(page, "ARGUMENTS", 'I'), help.positionals);
        EXPECT_EQ(tags_of(page, "COMMANDS", 'B'), help.subcommands);
        // The footer names this page, which exists.
        EXPECT_NE(help.footer.find("Manual: " + name + "(1)."), std::string::npos) << help.footer;
        std::string title = std::regex_replace(name, std::regex{"-"}, R"(\-)");
        std::transform(title.begin(), title.end(), title.begin(), [](unsigned char c) { return std::toupper(c); });
        EXPECT_EQ(page.find(".TH " + title + " 1 "), page.find(".TH ")) << name;
    }
}

TEST(manual, exit_codes_and_defaults_are_those_of_help)
{
    auto const page = read_file(MAN_DIR / "forumgate-map-load.1");
    EXPECT_EQ(tags_of(page, "EXIT STATUS", 'B'), (std::set<std::string>{"0", "2"}));
    EXPECT_NE(page.find("a bad row is named as FILE:LINE and changes nothing"), std::string::npos) << page;
    auto const serve = read_file(MAN_DIR / "forumgate-serve.1");
    EXPECT_NE(serve.find(R"(\fB\-\-tls\-cert\fR \fIFILE\fR)"), std::string::npos) << serve;
    EXPECT_NE(serve.find(R"(\fB\-\-soft\fR, \fB\-\-no\-soft\fR)"), std::string::npos) << serve;
    EXPECT_NE(serve.find("[reloadable] (default: 300)"), std::string::npos) << serve;
    EXPECT_NE(serve.find(R"(\fBFORUMGATE_DB\fR)"), std::string::npos) << serve;
    EXPECT_NE(serve.find(".SH SIGNALS"), std::string::npos) << serve;
    // The map files' columns come from the store's own table of them (\: is a place to break a line).
    auto const unbroken = std::regex_replace(page, std::regex{R"(\\:)"}, "");
    EXPECT_NE(unbroken.find(R"(old_id,old_slug,new_id,new_slug,[restricted])"), std::string::npos) << page;
}

TEST(manual, forumgate_page_describes_every_variable_the_configuration_doc_names)
{
    // docs/configuration.md's table of the variables the binary reads, which
    // scripts/gen-configuration-doc writes: "| `FORUMGATE_DB` | … |" up to the next blank line.
    auto const doc = read_file(SOURCE_DIR / "docs/configuration.md");
    auto const table = doc.find("## Environment variables");
    ASSERT_NE(table, std::string::npos);
    auto const rows = doc.substr(table, doc.find("\n\n", doc.find("|---", table)) - table);
    std::set<std::string> in_doc;
    std::regex const variable{"\\| `(FORUMGATE_[A-Z_]+)` \\|"};
    for (std::sregex_iterator at{rows.begin(), rows.end(), variable}, end; at != end; ++at) {
        in_doc.insert((*at)[1].str());
    }
    auto const page = read_file(MAN_DIR / "forumgate.1");
    std::set<std::string> in_page;
    for (auto const &tag : tags_of(page, "ENVIRONMENT", 'B')) {
        if (tag.rfind("FORUMGATE_", 0) == 0) {
            in_page.insert(tag);
        }
    }
    EXPECT_GE(in_doc.size(), 5U);
    EXPECT_EQ(in_page, in_doc);
    for (auto const *file : {"/etc/forumgate/serve.conf", "CONFIG FILE", "EXIT STATUS"}) {
        EXPECT_NE(page.find(std::regex_replace(file, std::regex{"-"}, R"(\-)")), std::string::npos) << file;
    }
}

TEST(manual, pages_are_roff_that_copies_well)
{
    // Before a line, a '.' or '\'' is a request; a hyphen not written \- prints as a typographic
    // hyphen that a shell does not take in an option; roff reads no UTF-8 without preconv.
    std::regex const request{R"(^\.(\\"|TH|SH|TP|PP|B|BR|I|ad|nh)( |$))"};
    for (auto const &entry : fs::directory_iterator{MAN_DIR}) {
        if (entry.path().extension() != ".1") {
            continue;
        }
        std::istringstream lines{read_file(entry.path())};
        std::string line;
        for (int number = 1; std::getline(lines, line); ++number) {
            std::string const where = entry.path().filename().string() + ":" + std::to_string(number) + ": " + line;
            if (line.rfind(".\\\"", 0) == 0) {
                continue; // a comment
            }
            if (!line.empty() && (line.front() == '.' || line.front() == '\'')) {
                EXPECT_TRUE(std::regex_search(line, request)) << where;
            }
            for (std::size_t at = line.find('-'); at != std::string::npos; at = line.find('-', at + 1)) {
                EXPECT_TRUE(at > 0 && line[at - 1] == '\\') << where;
            }
            for (char const c : line) {
                EXPECT_LT(static_cast<unsigned char>(c), 0x80) << where;
            }
        }
    }
}

TEST(manual, the_options_that_write_the_pages_stay_out_of_help)
{
    // `help --man DIR`, `--bash-completion FILE`, `--zsh-completion FILE` are for the build.
    auto const help = help_of({"help"});
    for (auto const *hidden : {"--man", "--bash-completion", "--zsh-completion"}) {
        EXPECT_EQ(help.find(hidden), std::string::npos) << help;
    }
    // Nor are they config keys: a config file naming one is refused like any unknown key.
    temp_dir dir;
    auto const config = dir.write("move.conf", "man = /tmp\n");
    auto const checked =
        run_process(FORUMGATE_BINARY, {"--config", config.string(), "map", "stats"}, {{"FORUMGATE_DB", ""}});
    EXPECT_EQ(checked.exit_code, 2);
    EXPECT_NE(checked.err.find("unknown setting 'man'"), std::string::npos) << checked.err;
}

TEST(manual, writing_pages_to_a_folder_it_cannot_create_fails_with_the_name)
{
    temp_dir dir;
    dir.write("file", "not a folder");
    auto const result = run_process(FORUMGATE_BINARY, {"help", "--man", (dir.path() / "file" / "man").string()});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find((dir.path() / "file").string()), std::string::npos) << result.err;
}

TEST(manual, same_date_same_pages)
{
    // With SOURCE_DATE_EPOCH (as package builds set it) the pages are the same on every build.
    temp_dir dir;
    std::map<std::string, std::string> const env{{"SOURCE_DATE_EPOCH", "1780000000"}};
    ASSERT_EQ(run_process(FORUMGATE_BINARY, {"help", "--man", (dir.path() / "a").string()}, env).exit_code, 0);
    ASSERT_EQ(run_process(FORUMGATE_BINARY, {"help", "--man", (dir.path() / "b").string()}, env).exit_code, 0);
    auto const page = read_file(dir.path() / "a" / "forumgate-serve.1");
    EXPECT_EQ(page, read_file(dir.path() / "b" / "forumgate-serve.1"));
    EXPECT_NE(page.find(R"("2026\-05\-28")"), std::string::npos) << page.substr(0, 300);
}

} // namespace
