// forumgate::base::line_reader: lines of plain or gzip files, read in blocks, with the line ends
// of text files or the exact ones of snapshot files; and whole files decompressed if gzip.

#include "base/line_reader.hpp"

#include "base/error.hpp"
#include "tests/support/error_message.hpp"
#include "tests/support/test_db.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace forumgate::testing;
using forumgate::input_error;
using forumgate::base::gunzip_if_compressed;
using forumgate::base::line_reader;

/// Every line of `file` read with `ends`.
std::vector<std::string> lines_of(std::filesystem::path const &file, line_reader::line_ends ends)
{
    line_reader reader{file, ends};
    std::vector<std::string> lines;
    std::string_view line;
    while (reader.next(line)) {
        lines.emplace_back(line);
    }
    return lines;
}

/// The message of the input_error that reading every line of `file` with `ends` throws.
std::string error_reading(std::filesystem::path const &file, line_reader::line_ends ends)
{
    return message_of<input_error>([&] { (void)lines_of(file, ends); });
}

} // namespace

TEST(line_reader, reads_long_lines_and_a_last_line_without_end)
{
    std::string const long_line(3U << 20U, 'x'); // longer than one read block
    temp_dir dir;
    auto const file = dir.write("long.txt", "first\n" + long_line + "\nlast");
    line_reader reader{file};
    std::string_view line;
    ASSERT_TRUE(reader.next(line));
    EXPECT_EQ(line, "first");
    ASSERT_TRUE(reader.next(line));
    EXPECT_EQ(line.size(), long_line.size());
    EXPECT_EQ(reader.line_number(), 2U);
    ASSERT_TRUE(reader.next(line));
    EXPECT_EQ(line, "last");
    EXPECT_FALSE(reader.next(line));
    EXPECT_FALSE(reader.compressed());
}

TEST(line_reader, text_lines_drop_a_carriage_return_and_exact_lines_keep_it)
{
    temp_dir dir;
    auto const file = dir.write("crlf.txt", "one\r\ntwo\r\n");
    EXPECT_EQ(lines_of(file, line_reader::line_ends::text), (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(lines_of(file, line_reader::line_ends::exact), (std::vector<std::string>{"one\r", "two\r"}));
}

TEST(line_reader, exact_lines_refuse_a_last_line_without_its_feed)
{
    temp_dir dir;
    auto const cut = dir.write("cut.txt", "one\ntwo\nthr");
    EXPECT_EQ(error_reading(cut, line_reader::line_ends::exact),
              cut.string() + ":3: the last line ends without a line feed: the file was cut short");
    EXPECT_EQ(lines_of(cut, line_reader::line_ends::text), (std::vector<std::string>{"one", "two", "thr"}));
    auto const whole = dir.write("whole.txt", "one\n");
    EXPECT_EQ(lines_of(whole, line_reader::line_ends::exact), (std::vector<std::string>{"one"}));
}

TEST(line_reader, reads_gzip_files_and_names_a_missing_one)
{
    temp_dir dir;
    write_gzip_file(dir.path() / "lines.gz", "a\nb\n");
    line_reader reader{dir.path() / "lines.gz"};
    std::string_view line;
    ASSERT_TRUE(reader.next(line));
    EXPECT_EQ(line, "a");
    EXPECT_TRUE(reader.compressed());
    auto const missing = dir.path() / "missing.txt";
    EXPECT_EQ(error_reading(missing, line_reader::line_ends::text),
              missing.string() + ": cannot open: No such file or directory");
}

TEST(line_reader, decompresses_in_memory_gzip_and_refuses_damaged_data)
{
    temp_dir dir;
    write_gzip_file(dir.path() / "s.gz", "<urlset/>");
    std::string const bytes = read_file(dir.path() / "s.gz");
    EXPECT_EQ(gunzip_if_compressed(bytes, "sitemap.xml.gz", 1U << 20U), "<urlset/>");
    EXPECT_EQ(gunzip_if_compressed("<urlset/>", "sitemap.xml", 1U << 20U), "<urlset/>");
    try {
        (void)gunzip_if_compressed(bytes.substr(0, bytes.size() - 12), "https://forum.example/sitemap.xml.gz",
                                   1U << 20U);
        FAIL() << "no error";
    } catch (input_error const &e) {
        EXPECT_NE(std::string{e.what()}.find("https://forum.example/sitemap.xml.gz: damaged gzip data"),
                  std::string::npos)
            << e.what();
    }
}
