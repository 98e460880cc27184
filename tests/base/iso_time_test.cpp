#include "base/iso_time.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace forumgate::base {
namespace {

TEST(iso_time, formats_with_milliseconds_in_utc)
{
    auto const when = parse_time("2020-01-27T11:32:03.646Z");
    ASSERT_TRUE(when);
    EXPECT_EQ(format_time(*when), "2020-01-27T11:32:03.646Z");
    EXPECT_EQ(format_time(timestamp{}), "1970-01-01T00:00:00.000Z");
}

TEST(iso_time, parses_the_forms_clients_send)
{
    EXPECT_EQ(format_time(*parse_time("2013-02-04T15:26:25.977-05:00")), "2013-02-04T20:26:25.977Z");
    EXPECT_EQ(format_time(*parse_time("2019-06-01")), "2019-06-01T00:00:00.000Z");
    EXPECT_EQ(format_time(*parse_time("2019-06-01 10:20")), "2019-06-01T10:20:00.000Z");
    EXPECT_EQ(format_time(*parse_time("2019-06-01T10:20:30+0130")), "2019-06-01T08:50:30.000Z");
    EXPECT_EQ(format_time(*parse_time("2019-06-01T10:20:30.123456Z")), "2019-06-01T10:20:30.123Z");
    EXPECT_EQ(format_time(*parse_time("1969-12-31T23:59:59.500Z")), "1969-12-31T23:59:59.500Z");
}

TEST(iso_time, refuses_what_is_not_a_date)
{
    for (std::string_view const text :
         {"", "yesterday", "2019-02-30", "2019-06-01T25:00", "2019-06-01T10:20:30Zjunk", "2019-06-01T10:20:30."}) {
        EXPECT_FALSE(parse_time(text)) << text;
    }
}

} // namespace
} // namespace forumgate::base
