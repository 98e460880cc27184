// The progress of forumgate's long commands as an admin sees it: fetch, import and verify of a
// generated forum on a 60-column pseudo-terminal (no progress line wider than the terminal, no
// log line glued onto one, no percentage above 100), and fetch written to a file (plain log
// lines, no "\r", and counts that agree with the summary and the archive's status).

#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_db.hpp"
#include "tests/web/pty.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

using namespace forumgate::testing;

namespace {

constexpr char const *KEY = "progress-test-admin-key";
constexpr unsigned short COLUMNS = 60;

/// The phases whose progress line a command shows.
bool is_progress_line(std::string const &line)
{
    static std::regex const phase{R"(^(listing|topics|users|uploads|rewrite|verify): \d+.* · )"};
    return std::regex_search(line, phase);
}

std::size_t columns_of(std::string const &text)
{
    return static_cast<std::size_t>(
        std::ranges::count_if(text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

/// Checks what `output` leaves on a 60-column terminal: each progress line fits, no log line
/// starts after something else on its line, no percentage is above 100.
/// \return the progress lines left on the screen (each phase's final one).
std::vector<std::string> check_terminal(std::string const &output)
{
    std::vector<std::string> progress;
    static std::regex const timestamp{R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (debug|info|warning|error|critical) )"};
    static std::regex const percent{R"((\d+)%)"};
    for (auto const &line : play(output, COLUMNS).lines) {
        std::smatch found;
        if (std::regex_search(line, found, timestamp)) {
            EXPECT_EQ(found.position(0), 0) << "a log line glued onto something: " << line;
        }
        if (is_progress_line(line)) {
            progress.push_back(line);
            EXPECT_LE(columns_of(line), COLUMNS - 1U) << line;
        }
        for (std::sregex_iterator it{line.begin(), line.end(), percent}, end; it != end; ++it) {
            EXPECT_LE(std::stoi((*it)[1].str()), 100) << line;
        }
    }
    return progress;
}

/// \return the number `pattern`'s first group matches in `text`, or -1.
long long number_in(std::string const &text, std::string const &pattern)
{
    std::smatch found;
    return std::regex_search(text, found, std::regex{pattern}) ? std::stoll(found[1].str()) : -1;
}

/// Two rehearsal forums (the old one generated), a key for both, a store.
struct move_world
{
    move_world()
        : key_file{dir.write("admin.key", std::string{KEY} + "\n")}, old_forum{start_rehearsal_forum(
                                                                         FORUMGATE_BINARY, key_file,
                                                                         {"--generate", "60", "--generate-seed", "5"})},
          new_forum{start_rehearsal_forum(FORUMGATE_BINARY, key_file, {"--setting", "disable_emails=yes"})}
    {}

    [[nodiscard]] std::vector<std::string> fetch_args(test_database const &store) const
    {
        return {"fetch",
                "--db",
                store.conninfo(),
                "--source",
                "http://127.0.0.1:" + std::to_string(old_forum->ports().front()),
                "--api-key-file",
                key_file.string(),
                "--uploads-dir",
                (dir.path() / "uploads").string(),
                "--rate",
                "150"};
    }

    [[nodiscard]] std::string target() const
    {
        return "http://localhost:" + std::to_string(new_forum->ports().front());
    }

    temp_dir dir;
    std::filesystem::path key_file;
    std::unique_ptr<server_process> old_forum;
    std::unique_ptr<server_process> new_forum;
};

} // namespace

TEST(progress_command, fetch_import_and_verify_on_a_60_column_terminal_keep_their_lines_apart_and_within_it)
{
    move_world world;
    test_database store;
    auto const fetched = run_program_in_pty(COLUMNS, FORUMGATE_BINARY, world.fetch_args(store));
    ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
    auto const fetch_lines = check_terminal(fetched.output);
    // Seen: "topics: 351/314 topics 112%" once the sweep went past the highest id.
    auto const topics = std::ranges::find_if(fetch_lines, [](auto const &line) { return line.starts_with("topics"); });
    ASSERT_NE(topics, fetch_lines.end()) << fetched.output;
    EXPECT_NE(topics->find(" topics 100%"), std::string::npos) << *topics;
    EXPECT_EQ(fetched.output.find("0 users · 0.0 users/s"), std::string::npos) << fetched.output;

    auto const imported = run_program_in_pty(
        COLUMNS, FORUMGATE_BINARY,
        {"import", "--db", store.conninfo(), "--target", world.target(), "--api-key-file", world.key_file.string(),
         "--uploads-dir", (world.dir.path() / "uploads").string(), "--old-host", "old.example.org",
         "--skip-validations", "--rate", "200", "--notes-file", (world.dir.path() / "notes.csv").string()});
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
    auto const import_lines = check_terminal(imported.output);
    // The users line counts users checked; the summary splits them, and the two agree.
    auto const users = std::ranges::find_if(import_lines, [](auto const &line) { return line.starts_with("users"); });
    ASSERT_NE(users, import_lines.end()) << imported.output;
    auto const checked = number_in(*users, R"(users: (\d+)/)");
    std::smatch split;
    ASSERT_TRUE(std::regex_search(imported.output, split,
                                  std::regex{R"(users +(\d+) created, (\d+) matched, (\d+) attributed)"}))
        << imported.output;
    EXPECT_EQ(checked, std::stoll(split[1]) + std::stoll(split[2]) + std::stoll(split[3])) << *users;

    auto const verified =
        run_program_in_pty(COLUMNS, FORUMGATE_BINARY,
                           {"verify", "--db", store.conninfo(), "--target", world.target(), "--api-key-file",
                            world.key_file.string(), "--report", (world.dir.path() / "verify.json").string()});
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
    auto const verify_lines = check_terminal(verified.output);
    EXPECT_EQ(std::ranges::count_if(verify_lines, [](auto const &line) { return line.starts_with("verify: "); }), 1)
        << verified.output;
}

TEST(progress_command, fetch_written_to_a_file_logs_plain_lines_whose_counts_agree_with_the_summary)
{
    move_world world;
    test_database store;
    auto const fetched = run_process(FORUMGATE_BINARY, world.fetch_args(store), {}, {}, 120);
    ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
    EXPECT_EQ(fetched.err.find('\r'), std::string::npos) << fetched.err;
    EXPECT_EQ(fetched.err.find('\033'), std::string::npos) << fetched.err;
    std::istringstream lines{fetched.err};
    std::string topics_line;
    for (std::string line; std::getline(lines, line);) {
        EXPECT_TRUE(std::regex_search(line, std::regex{R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+ )"})) << line;
        if (line.find(" info topics: ") != std::string::npos) {
            topics_line = line;
        }
    }
    // The last topics line is the final count: every topic id planned, the posts the summary has.
    ASSERT_FALSE(topics_line.empty()) << fetched.err;
    EXPECT_NE(topics_line.find(" topics 100% · "), std::string::npos) << topics_line;
    auto const summary_posts = number_in(fetched.err, R"(absent ids\), (\d+) posts)");
    EXPECT_GT(summary_posts, 0) << fetched.err;
    EXPECT_EQ(number_in(topics_line, R"(· (\d+) posts)"), summary_posts) << topics_line;
    // Seen: "150 users" in the log, 75 in the archive's status (users of the admin list counted
    // again after the authors of posts).
    auto const logged_users = number_in(fetched.err, R"( posts, (\d+) users, )");
    EXPECT_GT(logged_users, 0) << fetched.err;
    EXPECT_EQ(logged_users, number_in(fetched.out, R"(users +(\d+) )")) << fetched.err << fetched.out;
}
