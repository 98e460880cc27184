// The terminal summary, compared with a golden file (tests/fixtures/coverage/terminal-summary.txt;
// FORUMGATE_UPDATE_GOLDEN=1 rewrites it after a deliberate change, to be reviewed in the diff).

#include "report/format_terminal.hpp"

#include "tests/report/sample_report.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace forumgate::report;

TEST(terminal_format, matches_the_golden_summary)
{
    std::ostringstream text;
    create_format("terminal")->write(forumgate::testing::sample_report(), text);
    auto const golden = std::filesystem::path{FORUMGATE_FIXTURES} / "coverage" / "terminal-summary.txt";
    if (std::getenv("FORUMGATE_UPDATE_GOLDEN") != nullptr) {
        std::filesystem::create_directories(golden.parent_path());
        forumgate::testing::write_file(golden, text.str());
    }
    EXPECT_EQ(text.str(), forumgate::testing::read_file(golden));
}

TEST(terminal_format, shortens_long_urls_to_keep_the_columns)
{
    auto r = forumgate::testing::sample_report();
    r.top_missed[0].url = "/t/" + std::string(200, 'x') + "/1";
    std::ostringstream text;
    create_format("terminal")->write(r, text);
    EXPECT_NE(text.str().find(std::string(terminal_format::URL_WIDTH - 4, 'x') + "…"), std::string::npos) << text.str();
    EXPECT_EQ(text.str().find(std::string(100, 'x')), std::string::npos);
}
