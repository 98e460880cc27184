// Tests of web/progress: the line never says more than 100%, a phase with nothing to do says so
// and shows no rate, the line fits any width, a wait is said on it; on a 60-column
// pseudo-terminal log lines from several threads never run into the progress line and no line
// wraps; written to a file, progress is plain periodic log lines.

#include "web/progress.hpp"

#include "tests/support/captured_log.hpp"
#include "tests/support/test_db.hpp"
#include "tests/web/pty.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

using namespace forumgate;
using namespace forumgate::testing;
using namespace std::chrono_literals;

namespace {

/// The pattern of forumgate's log lines (cli/main.cpp).
constexpr char const *LOG_PATTERN = "%Y-%m-%d %H:%M:%S %^%l%$ %v";

std::size_t columns_of(std::string const &text)
{
    return static_cast<std::size_t>(
        std::ranges::count_if(text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

/// \return every percentage the text shows ("15%" → 15).
std::vector<int> percentages(std::string const &text)
{
    std::vector<int> found;
    std::regex const percent{R"((\d+)%)"};
    for (std::sregex_iterator it{text.begin(), text.end(), percent}, end; it != end; ++it) {
        found.push_back(std::stoi((*it)[1].str()));
    }
    return found;
}

} // namespace

TEST(progress, a_count_past_its_total_is_never_shown_above_100_percent)
{
    // Seen: "topics: 351/314 topics 112%", ids swept past the highest counted but not in the total.
    captured_log log;
    web::progress shown{"topics", "topics", std::uint64_t{314}, false, true};
    shown.add(314);
    EXPECT_NE(shown.line().find("314/314 topics 100%"), std::string::npos) << shown.line();
    shown.add(37);
    auto const past = shown.line();
    EXPECT_NE(past.find("topics: 351 topics"), std::string::npos) << past;
    for (int const percent : percentages(past)) {
        EXPECT_LE(percent, 100) << past;
    }
    EXPECT_NE(log.text().find("topics: counted 351 topics of 314 expected"), std::string::npos) << log.text();
    // Work found on the way grows the total instead.
    shown.add_total(50);
    EXPECT_NE(shown.line().find("351/364 topics 96%"), std::string::npos) << shown.line();
}

TEST(progress, a_phase_with_nothing_to_do_says_so_and_shows_no_rate)
{
    // Seen: "users: 0 users · 0.0 users/s" for a users phase with no user to fetch.
    captured_log log;
    {
        web::progress shown{"users", "users", std::uint64_t{0}, false, false, 5ms};
        std::this_thread::sleep_for(30ms);
    }
    EXPECT_EQ(log.text(), "users: nothing to do\n");
    // An unknown total is not "nothing to do": the count is shown as it goes.
    web::progress listing{"listing", "pages", std::nullopt, false, true};
    listing.add(3);
    EXPECT_NE(listing.line().find("listing: 3 pages"), std::string::npos) << listing.line();
    listing.set_total(6); // once the caller knows
    EXPECT_NE(listing.line().find("listing: 3/6 pages 50%"), std::string::npos) << listing.line();
}

TEST(progress, the_line_fits_any_width_and_keeps_the_count_and_the_wait_longest)
{
    web::progress shown{"topics", "topics", std::uint64_t{800}, false, true};
    shown.set_secondary_unit("posts");
    shown.add(120);
    shown.add_secondary(750);
    shown.add_failure();
    web::progress::wait_scope const waiting{"new forum's per-user rate limit", 42s};
    auto const whole = shown.line();
    EXPECT_NE(whole.find(" · 750 posts"), std::string::npos) << whole;
    EXPECT_NE(whole.find(" · 1 failed"), std::string::npos) << whole;
    for (std::size_t width = 2; width <= 160; ++width) {
        auto const fitted = shown.line(width);
        EXPECT_LE(columns_of(fitted), width - 1) << width << ": " << fitted;
    }
    auto const at_60 = shown.line(60);
    EXPECT_TRUE(at_60.starts_with("topics: 120/800 topics 15% · waiting 4")) << at_60;
    EXPECT_NE(shown.line(100).find("1 failed"), std::string::npos) << shown.line(100);
    EXPECT_EQ(web::fit_columns("topics · 15%", 8), "topics …");
    EXPECT_EQ(web::fit_columns("topics", 8), "topics");
}

TEST(progress, a_wait_is_said_on_the_line_until_it_is_cleared_or_has_run_out)
{
    web::progress shown{"posts", "posts", std::uint64_t{10}, false, true};
    std::promise<void> said;
    std::promise<void> seen;
    std::thread other{[&] {
        web::progress::waiting("new forum's per-user rate limit", 42s);
        said.set_value();
        seen.get_future().wait();
        web::progress::clear_waiting();
    }};
    said.get_future().wait();
    EXPECT_NE(shown.line().find("waiting 42 s: new forum's per-user rate limit"), std::string::npos) << shown.line();
    // Only the thread that waits clears its wait; the longest of several is shown.
    web::progress::waiting("Retry-After of the old forum", 3s);
    EXPECT_NE(shown.line().find("waiting 42 s:"), std::string::npos) << shown.line();
    web::progress::clear_waiting();
    EXPECT_NE(shown.line().find("waiting 42 s:"), std::string::npos) << shown.line();
    {
        web::progress::wait_scope const longer{"Retry-After of the old forum", 100s};
        EXPECT_NE(shown.line().find("waiting 100 s: Retry-After of the old forum"), std::string::npos) << shown.line();
    }
    EXPECT_NE(shown.line().find("waiting 42 s:"), std::string::npos) << shown.line();
    seen.set_value();
    other.join();
    EXPECT_EQ(shown.line().find("waiting"), std::string::npos) << shown.line();
    // A wait that ran out is no longer said, cleared or not.
    web::progress::waiting("a short pause", 1ms);
    std::this_thread::sleep_for(5ms);
    EXPECT_EQ(shown.line().find("a short pause"), std::string::npos) << shown.line();
    web::progress::clear_waiting();
}

namespace {

constexpr char const *LONG_PHASE = "topics of a long-named phase";

/// What the child of the terminal and file tests does: a progress of 10 topics that counts 14
/// (more than its total), three threads logging as they count, and a wait on the way.
int count_and_log(bool terminal)
{
    auto logger = web::make_stderr_logger("progress-test");
    logger->set_pattern(LOG_PATTERN);
    spdlog::set_default_logger(logger);
    {
        web::progress shown{LONG_PHASE, "topics", std::uint64_t{10}, terminal, false, 100ms};
        shown.set_secondary_unit("posts");
        std::vector<std::thread> threads;
        for (int thread = 0; thread < 3; ++thread) {
            threads.emplace_back([&shown, thread] {
                for (int i = 0; i < 5; ++i) {
                    std::this_thread::sleep_for(120ms);
                    if (thread == 0 && i == 1) {
                        web::progress::waiting("new forum's per-user rate limit", 30s);
                    } else if (thread == 0 && i == 4) {
                        web::progress::clear_waiting();
                    }
                    spdlog::info("thread {} says {}", thread, i);
                    shown.add(i < 4 || thread > 0 ? 1 : 0);
                    shown.add_secondary(3);
                }
            });
        }
        for (auto &thread : threads) {
            thread.join();
        }
    }
    spdlog::info("done");
    return 0;
}

} // namespace

TEST(progress, on_a_60_column_terminal_log_lines_never_glue_onto_the_progress_line_and_no_line_wraps)
{
    auto const run = run_in_pty(60, [] { return count_and_log(true); });
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto const screen = play(run.output, 60);
    EXPECT_EQ(screen.wraps, 0U) << run.output;
    std::size_t log_lines = 0;
    std::size_t progress_lines = 0;
    std::regex const log_line{R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d info (thread \d says \d|done)$)"};
    for (auto const &line : screen.lines) {
        EXPECT_LE(columns_of(line), 59U) << line;
        if (line.starts_with(LONG_PHASE)) {
            ++progress_lines;
            EXPECT_EQ(line.find(" info "), std::string::npos) << "a log line glued onto the progress line: " << line;
        } else {
            EXPECT_TRUE(std::regex_match(line, log_line)) << "not a whole log line: " << line;
            log_lines += std::regex_match(line, log_line) ? 1 : 0;
        }
        for (int const percent : percentages(line)) {
            EXPECT_LE(percent, 100) << line;
        }
    }
    EXPECT_EQ(log_lines, 16U) << run.output;
    ASSERT_EQ(progress_lines, 1U) << "the final progress line stays, the redrawn ones are overwritten";
    EXPECT_TRUE(std::regex_search(run.output, std::regex{R"(\d+% · waiting \d+)"}))
        << "the wait is said while it lasts: " << run.output;
    auto const last = std::ranges::find_if(screen.lines, [](auto const &line) { return line.starts_with(LONG_PHASE); });
    EXPECT_NE(last->find(": 14 topics"), std::string::npos) << *last;
}

TEST(progress, on_a_terminal_a_wait_is_drawn_the_moment_it_starts_and_gone_the_moment_it_is_cleared)
{
    // A stalled run must say why at once, not at the next redraw: the redraw after each log line
    // below must already carry the wait (and, after clear_waiting, no longer).
    auto const run = run_in_pty(60, [] {
        auto logger = web::make_stderr_logger("progress-test");
        logger->set_pattern(LOG_PATTERN);
        spdlog::set_default_logger(logger);
        {
            web::progress shown{"waits", "topics", std::uint64_t{10}, true, false, 100ms};
            shown.add(2);
            web::progress::waiting("new forum's per-user rate limit", 30s);
            spdlog::info("while waiting");
            web::progress::clear_waiting();
            spdlog::info("after the wait");
        }
        return 0;
    });
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto const while_waiting = run.output.find("while waiting");
    auto const after = run.output.find("after the wait");
    ASSERT_NE(while_waiting, std::string::npos) << run.output;
    ASSERT_NE(after, std::string::npos) << run.output;
    auto const between = run.output.substr(while_waiting, after - while_waiting);
    EXPECT_TRUE(std::regex_search(between, std::regex{R"(waits: 2/10 topics 20% · waiting 30 s)"}))
        << "the line drawn again after a log line says the wait: " << run.output;
    auto const redrawn_after = run.output.substr(after);
    EXPECT_TRUE(std::regex_search(redrawn_after, std::regex{R"(waits: 2/10 topics 20%)"})) << run.output;
    EXPECT_EQ(redrawn_after.find("waiting"), std::string::npos) << "a cleared wait is gone: " << run.output;
}

TEST(progress, written_to_a_file_progress_is_plain_periodic_log_lines)
{
    temp_dir dir;
    auto const file = dir.path() / "stderr.log";
    pid_t const pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (std::freopen(file.c_str(), "w", stderr) == nullptr) {
            std::_Exit(125);
        }
        std::fflush(nullptr);
        std::_Exit(count_and_log(false));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    std::ifstream in{file};
    std::string const text{std::istreambuf_iterator<char>{in}, {}};
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_EQ(text.find('\033'), std::string::npos) << text;
    std::istringstream lines{text};
    std::size_t progress_lines = 0;
    std::string last_progress;
    for (std::string line; std::getline(lines, line);) {
        EXPECT_TRUE(std::regex_search(line, std::regex{R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d info )"})) << line;
        if (line.find(LONG_PHASE) != std::string::npos) {
            ++progress_lines;
            last_progress = line;
        }
    }
    EXPECT_GE(progress_lines, 2U) << "periodic lines and the final one: " << text;
    EXPECT_NE(last_progress.find(": 14 topics · 45 posts"), std::string::npos) << last_progress;
}
