#include "base/iso_time.hpp"

#include <cstdio>

namespace forumgate::base {
namespace {

// Reads exactly `count` digits at `pos`.
bool read_digits(std::string_view text, std::size_t &pos, std::size_t count, int &value)
{
    if (pos + count > text.size()) {
        return false;
    }
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        char const c = text[pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    pos += count;
    return true;
}

bool expect(std::string_view text, std::size_t &pos, char c)
{
    if (pos < text.size() && text[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

} // namespace

std::string format_time(timestamp when)
{
    using namespace std::chrono;
    auto const day = floor<days>(when);
    year_month_day const date{day};
    hh_mm_ss const time{when - day};
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return buffer;
}

std::optional<timestamp> parse_time(std::string_view text)
{
    using namespace std::chrono;
    std::size_t pos = 0;
    int y = 0;
    int mo = 0;
    int d = 0;
    if (!read_digits(text, pos, 4, y) || !expect(text, pos, '-') || !read_digits(text, pos, 2, mo) ||
        !expect(text, pos, '-') || !read_digits(text, pos, 2, d)) {
        return std::nullopt;
    }
    year_month_day const date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    timestamp result{sys_days{date}};
    if (pos == text.size()) {
        return result;
    }
    if (text[pos] != 'T' && text[pos] != ' ') {
        return std::nullopt;
    }
    ++pos;
    int h = 0;
    int mi = 0;
    int s = 0;
    if (!read_digits(text, pos, 2, h) || !expect(text, pos, ':') || !read_digits(text, pos, 2, mi)) {
        return std::nullopt;
    }
    if (expect(text, pos, ':')) {
        if (!read_digits(text, pos, 2, s)) {
            return std::nullopt;
        }
        if (expect(text, pos, '.')) {
            int millis = 0;
            int scale = 100;
            std::size_t digits = 0;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                millis += (text[pos] - '0') * scale;
                scale /= 10;
                ++pos;
                ++digits;
            }
            if (digits == 0) {
                return std::nullopt;
            }
            result += milliseconds{millis};
        }
    }
    if (h > 23 || mi > 59 || s > 60) {
        return std::nullopt;
    }
    result += hours{h} + minutes{mi} + seconds{s};
    if (pos == text.size() || expect(text, pos, 'Z')) {
        return pos == text.size() ? std::optional{result} : std::nullopt;
    }
    char const sign = text[pos];
    if (sign != '+' && sign != '-') {
        return std::nullopt;
    }
    ++pos;
    int oh = 0;
    int om = 0;
    if (!read_digits(text, pos, 2, oh)) {
        return std::nullopt;
    }
    expect(text, pos, ':');
    if (!read_digits(text, pos, 2, om) || pos != text.size() || oh > 23 || om > 59) {
        return std::nullopt;
    }
    minutes const offset = hours{oh} + minutes{om};
    result -= (sign == '+') ? offset : -offset;
    return result;
}

} // namespace forumgate::base
