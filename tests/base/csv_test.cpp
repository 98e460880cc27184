// forumgate::base::csv_reader: RFC 4180 records, and errors that point at the right file and line.

#include "base/csv.hpp"

#include "base/error.hpp"
#include "tests/support/error_message.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace {

using forumgate::input_error;
using forumgate::base::csv_reader;
using records = std::vector<std::vector<std::string>>;

/// Every record of `text`, with the line each starts on.
struct read_result
{
    records fields;
    std::vector<std::uint64_t> lines;
};

read_result read_all(std::string const &text)
{
    std::istringstream in{text};
    forumgate::base::csv_reader reader{in, "map.csv"};
    read_result out;
    std::vector<std::string> fields;
    while (reader.next(fields)) {
        out.fields.push_back(fields);
        out.lines.push_back(reader.line());
    }
    return out;
}

/// The message of the input_error reading `text` throws (fails the test if none).
std::string error_of(std::string const &text)
{
    return forumgate::testing::message_of<input_error>([&text] { (void)read_all(text); });
}

TEST(csv_reader, reads_plain_records)
{
    auto const result = read_all("old_id,old_slug\n774,agm-minutes\n775,food\n");
    EXPECT_EQ(result.fields, (records{{"old_id", "old_slug"}, {"774", "agm-minutes"}, {"775", "food"}}));
    EXPECT_EQ(result.lines, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(csv_reader, unquotes_fields_with_commas_and_doubled_quotes)
{
    auto const result = read_all("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\",plain\n");
    EXPECT_EQ(result.fields, (records{{"a,b", "say \"hi\"", "\"", "plain"}}));
}

TEST(csv_reader, keeps_line_breaks_inside_quotes_and_counts_their_lines)
{
    auto const result = read_all("a,\"line one\nline two\r\nline three\",z\nnext,row,here\n");
    EXPECT_EQ(result.fields, (records{{"a", "line one\nline two\r\nline three", "z"}, {"next", "row", "here"}}));
    EXPECT_EQ(result.lines, (std::vector<std::uint64_t>{1, 4}));
}

TEST(csv_reader, accepts_crlf_line_ends)
{
    auto const result = read_all("a,b\r\n\"c\",d\r\n");
    EXPECT_EQ(result.fields, (records{{"a", "b"}, {"c", "d"}}));
}

TEST(csv_reader, reads_a_last_line_without_line_end)
{
    EXPECT_EQ(read_all("a,b\nc,d").fields, (records{{"a", "b"}, {"c", "d"}}));
    EXPECT_EQ(read_all("a,\"quoted\"").fields, (records{{"a", "quoted"}}));
    EXPECT_EQ(read_all("a,").fields, (records{{"a", ""}}));
}

TEST(csv_reader, reads_empty_fields)
{
    auto const result = read_all("a,,c\n,\n\"\",x\n,,\n");
    EXPECT_EQ(result.fields, (records{{"a", "", "c"}, {"", ""}, {"", "x"}, {"", "", ""}}));
}

TEST(csv_reader, skips_empty_lines_but_not_lines_of_spaces)
{
    auto const result = read_all("\n\na,b\n\r\n\n \nc,d\n\n");
    EXPECT_EQ(result.fields, (records{{"a", "b"}, {" "}, {"c", "d"}}));
    EXPECT_EQ(result.lines, (std::vector<std::uint64_t>{3, 6, 7}));
}

TEST(csv_reader, keeps_spaces_around_fields)
{
    EXPECT_EQ(read_all(" a , b \n").fields, (records{{" a ", " b "}}));
}

TEST(csv_reader, ignores_a_byte_order_mark)
{
    EXPECT_EQ(read_all("\xEF\xBB\xBFold_id,new_id\n1,2\n").fields, (records{{"old_id", "new_id"}, {"1", "2"}}));
}

TEST(csv_reader, reads_nothing_from_an_empty_file)
{
    EXPECT_TRUE(read_all("").fields.empty());
    EXPECT_TRUE(read_all("\n\r\n").fields.empty());
}

TEST(csv_reader, where_names_file_and_record_line)
{
    std::istringstream in{"h\n\"multi\nline\"\n"};
    forumgate::base::csv_reader reader{in, "topics.csv"};
    std::vector<std::string> fields;
    ASSERT_TRUE(reader.next(fields));
    ASSERT_TRUE(reader.next(fields));
    EXPECT_EQ(reader.where("bad row"), "topics.csv:2: bad row");
    EXPECT_EQ(reader.name(), "topics.csv");
    EXPECT_FALSE(reader.next(fields));
}

TEST(csv_reader, refuses_a_quote_inside_an_unquoted_field)
{
    std::string const message = error_of("a,b\nc,d\"e\n");
    EXPECT_TRUE(message.starts_with("map.csv:2: quote inside an unquoted field")) << message;
}

TEST(csv_reader, refuses_characters_after_a_closing_quote)
{
    std::string const message = error_of("a\n\"b\"c,d\n");
    EXPECT_TRUE(message.starts_with("map.csv:2: 'c' after a closing quote")) << message;
    EXPECT_TRUE(error_of("\"b\" ,d\n").starts_with("map.csv:1: ' ' after a closing quote"));
}

TEST(csv_reader, refuses_an_unterminated_quote_at_the_line_its_record_starts)
{
    std::string const message = error_of("a,b\nc,\"never closed\nmore\nand more\n");
    EXPECT_EQ(message, "map.csv:2: quoted field is not closed before the end of the file");
    // The record starts on line 1; the unclosed quote opens on line 2.
    EXPECT_EQ(error_of("a,\"b\nc\",\"d\ne"),
              "map.csv:1: quoted field opened on line 2 is not closed before the end of the file");
}

TEST(csv_reader, counts_lines_of_multi_line_records_before_a_bad_one)
{
    // Records on lines 1, 2-4 and 5; the bad quote is on line 6.
    std::string const text = "h1,h2\n\"x\ny\nz\",ok\n5,five\n6,si\"x\n";
    std::string const message = error_of(text);
    EXPECT_TRUE(message.starts_with("map.csv:6:")) << message;

    // The same, with the error inside the multi-line record after its quoted field closed.
    EXPECT_TRUE(error_of("h\n\"a\nb\"x\n").starts_with("map.csv:3: 'x' after a closing quote"));
}

TEST(csv_reader, refuses_a_bare_carriage_return)
{
    EXPECT_TRUE(error_of("a\rb\n").starts_with("map.csv:1: carriage return not followed by a line feed"));
}

TEST(csv_reader, reads_records_across_read_blocks)
{
    // Several MB, so that fields, quotes, "" pairs and CRLF pairs fall on the reader's block
    // boundaries (1 MiB) somewhere; every record is checked.
    std::string text;
    records expected;
    for (int i = 0; text.size() < 5'000'000; ++i) {
        std::string const id = std::to_string(i);
        std::string const quoted = "q" + id + ",\"\n" + std::string(static_cast<std::size_t>(i % 7), 'x');
        expected.push_back({id, quoted, std::string(static_cast<std::size_t>(i % 13), 'y')});
        std::string escaped;
        for (char const c : quoted) {
            escaped += c == '"' ? std::string{"\"\""} : std::string{c};
        }
        text += id + ",\"" + escaped + "\"," + expected.back()[2] + (i % 2 == 0 ? "\r\n" : "\n");
    }
    auto const result = read_all(text);
    ASSERT_EQ(result.fields.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(result.fields[i], expected[i]) << "record " << i;
    }
    // Each record spans two lines (one line break inside its quoted field).
    EXPECT_EQ(result.lines.back(), 2 * expected.size() - 1);
}

TEST(csv_reader, reuses_the_callers_fields)
{
    std::istringstream in{"a,b,c\nd\n"};
    forumgate::base::csv_reader reader{in, "map.csv"};
    std::vector<std::string> fields;
    ASSERT_TRUE(reader.next(fields));
    EXPECT_EQ(fields.size(), 3U);
    ASSERT_TRUE(reader.next(fields));
    EXPECT_EQ(fields, (std::vector<std::string>{"d"}));
}

} // namespace
