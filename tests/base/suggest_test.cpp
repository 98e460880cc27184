// "Did you mean …?" and the config file format of every subcommand.

#include "base/suggest.hpp"

#include "base/config_file.hpp"
#include "base/error.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

using namespace forumgate;

TEST(suggest, edit_distance_counts_a_swap_as_one)
{
    EXPECT_EQ(base::edit_distance("fecth", "fetch"), 1U);
    EXPECT_EQ(base::edit_distance("sorce", "source"), 1U);
    EXPECT_EQ(base::edit_distance("", "db"), 2U);
    EXPECT_EQ(base::edit_distance("map", "map"), 0U);
    EXPECT_EQ(base::edit_distance("kitten", "sitting"), 3U);
}

TEST(suggest, nearest_is_a_likely_typo_or_nothing)
{
    std::vector<std::string> const commands{"fetch", "import", "verify", "map", "serve", "resolve", "coverage"};
    EXPECT_EQ(base::nearest("fecth", commands), "fetch");
    EXPECT_EQ(base::nearest("improt", commands), "import");
    EXPECT_EQ(base::nearest("cover", commands), "coverage"); // the start of it
    EXPECT_EQ(base::nearest("frobnicate", commands), std::nullopt);
    // Of equally near ones, the one that starts alike.
    EXPECT_EQ(base::nearest("sorce", {"force", "source"}), "source");
}

TEST(config_file, reads_entries_with_their_sections_and_lines)
{
    forumgate::testing::temp_dir dir;
    auto const file = dir.write("move.conf", "# a move\n"
                                             "db = dbname=move   # the store\n"
                                             "\n"
                                             "[ map   load ]\n"
                                             "old-host = a.example\n"
                                             "[fetch]\n"
                                             "empty =\n");
    auto const entries = base::read_config_entries(file);
    ASSERT_EQ(entries.size(), 3U);
    EXPECT_EQ(entries[0].section, "");
    EXPECT_EQ(entries[0].key, "db");
    EXPECT_EQ(entries[0].value, "dbname=move");
    EXPECT_EQ(entries[0].line, 2U);
    EXPECT_EQ(entries[1].section, "map load");
    EXPECT_EQ(entries[1].line, 5U);
    EXPECT_EQ(entries[2].section, "fetch");
    EXPECT_EQ(entries[2].value, "");
    EXPECT_TRUE(base::applies_to(entries[0], "fetch"));
    EXPECT_TRUE(base::applies_to(entries[1], "map load"));
    EXPECT_FALSE(base::applies_to(entries[1], "map export"));
}

TEST(config_file, bad_lines_and_missing_files_are_named)
{
    forumgate::testing::temp_dir dir;
    auto const file = dir.write("move.conf", "db = x\njust words\n");
    try {
        (void)base::read_config_entries(file);
        ADD_FAILURE() << "no error";
    } catch (argument_error const &e) {
        EXPECT_NE(std::string{e.what()}.find("move.conf:2: expected `name = value`"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)base::read_config_entries(dir.path() / "missing.conf"), argument_error);
}
