#include "report/access_log.hpp"

#include "base/text.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>

namespace forumgate::report {
namespace {

int digits_value(std::string_view s) noexcept
{
    int value = 0;
    for (char const c : s) {
        value = value * 10 + (c - '0');
    }
    return value;
}

/// \return 1-12 for Jan…Dec (as both servers write them, in English whatever the locale), or 0.
unsigned month_number(std::string_view name) noexcept
{
    static constexpr std::array<std::string_view, 12> NAMES = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (unsigned i = 0; i < NAMES.size(); ++i) {
        if (NAMES[i] == name) {
            return i + 1;
        }
    }
    return 0;
}

/// Reads `DD/Mon/YYYY:HH:MM:SS ZONE` (the zone is not needed: a day is the server's day).
bool parse_time(std::string_view time, std::int32_t &day) noexcept
{
    if (time.size() < 20 || time[2] != '/' || time[6] != '/' || time[11] != ':' || time[14] != ':' || time[17] != ':') {
        return false;
    }
    std::string_view const dd = time.substr(0, 2);
    std::string_view const yyyy = time.substr(7, 4);
    if (!base::is_digits(dd) || !base::is_digits(yyyy) || !base::is_digits(time.substr(12, 2)) ||
        !base::is_digits(time.substr(15, 2)) || !base::is_digits(time.substr(18, 2))) {
        return false;
    }
    unsigned const month = month_number(time.substr(3, 3));
    int const d = digits_value(dd);
    if (month == 0 || d < 1 || d > 31) {
        return false;
    }
    day = days_from_civil(digits_value(yyyy), month, static_cast<unsigned>(d));
    return true;
}

/// Undoes the escapes of a logged request line: nginx writes `"`, `\` and bytes outside
/// printable ASCII as `\xHH`; Apache writes `\"`, `\\`, `\n`, `\t`… (base::control_escape's letters) and `\xhh`.
void unescape(std::string_view in, std::string &out)
{
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        char const c = in[i];
        if (c != '\\' || i + 1 == in.size()) {
            out.push_back(c);
            continue;
        }
        char const next = in[i + 1];
        if (next == 'x' && i + 3 < in.size() && base::hex_value(in[i + 2]) >= 0 && base::hex_value(in[i + 3]) >= 0) {
            out.push_back(static_cast<char>(base::hex_value(in[i + 2]) * 16 + base::hex_value(in[i + 3])));
            i += 3;
            continue;
        }
        if (next == '"' || next == '\\') {
            out.push_back(next);
        } else if (auto const control = base::control_escape(next)) {
            out.push_back(*control);
        } else {
            out.push_back(c);
            out.push_back(next);
        }
        ++i;
    }
}

bool is_method(std::string_view method) noexcept
{
    if (method.empty() || method.size() > 16) {
        return false;
    }
    for (char const c : method) {
        if ((c < 'A' || c > 'Z') && c != '-' && c != '_') {
            return false;
        }
    }
    return true;
}

} // namespace

log_line_kind parse_log_line(std::string_view line, log_request &out, std::string &scratch, std::string_view &problem)
{
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return log_line_kind::blank;
    }
    // HOST IDENT USER [TIME]: at least three fields before the time (vhost_combined has four).
    auto const open = line.find(" [");
    if (open == std::string_view::npos) {
        problem = "no [time] field: not the combined or common log format";
        return log_line_kind::malformed;
    }
    auto const first_space = line.find(' ');
    if (first_space >= open || line.find(' ', first_space + 1) >= open) {
        problem = "fewer than three fields (address, ident, user) before the [time]";
        return log_line_kind::malformed;
    }
    auto const close = line.find(']', open + 2);
    if (close == std::string_view::npos) {
        problem = "the [time] field is not closed";
        return log_line_kind::malformed;
    }
    if (!parse_time(line.substr(open + 2, close - open - 2), out.day)) {
        problem = "the time is not DD/Mon/YYYY:HH:MM:SS ZONE";
        return log_line_kind::malformed;
    }
    std::string_view rest = line.substr(close + 1);
    if (!rest.starts_with(" \"")) {
        problem = "no quoted request line after the [time]";
        return log_line_kind::malformed;
    }
    // The request line ends at the first quote that is not escaped.
    std::size_t end = 2;
    bool escaped = false;
    for (; end < rest.size(); ++end) {
        if (rest[end] == '\\') {
            escaped = true;
            ++end;
        } else if (rest[end] == '"') {
            break;
        }
    }
    if (end >= rest.size()) {
        problem = "the request line has no closing quote (the line was cut short?)";
        return log_line_kind::malformed;
    }
    std::string_view request = rest.substr(2, end - 2);
    rest.remove_prefix(end + 1);

    // STATUS SIZE, then anything (referrer, user agent, further fields).
    if (rest.size() < 4 || rest[0] != ' ' || !base::is_digits(rest.substr(1, 3)) ||
        (rest.size() > 4 && rest[4] != ' ')) {
        problem = "no three-digit status after the request line";
        return log_line_kind::malformed;
    }
    out.status = digits_value(rest.substr(1, 3));
    rest.remove_prefix(4);
    if (rest.empty()) {
        problem = "no size after the status";
        return log_line_kind::malformed;
    }
    rest.remove_prefix(1);
    std::string_view const size = rest.substr(0, rest.find(' '));
    if (size != "-" && !base::is_digits(size)) {
        problem = "the size after the status is neither a number nor -";
        return log_line_kind::malformed;
    }

    // METHOD TARGET [PROTOCOL]
    if (escaped) {
        unescape(request, scratch);
        request = scratch;
    }
    auto const method_end = request.find(' ');
    if (method_end == std::string_view::npos || !is_method(request.substr(0, method_end))) {
        return log_line_kind::no_request; // "-", a bare word, or bytes of another protocol
    }
    out.method = request.substr(0, method_end);
    std::string_view target = request.substr(method_end + 1);
    if (auto const space = target.rfind(' ');
        space != std::string_view::npos && target.substr(space + 1).starts_with("HTTP/")) {
        target = target.substr(0, space);
    }
    while (!target.empty() && target.back() == ' ') {
        target.remove_suffix(1);
    }
    if (target.empty()) {
        return log_line_kind::no_request;
    }
    out.target = target;
    return log_line_kind::request;
}

std::int32_t days_from_civil(int year, unsigned month, unsigned day) noexcept
{
    // A day past the month's end counts on into the next month, as sys_days does for it.
    std::chrono::sys_days const date{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
    return static_cast<std::int32_t>(date.time_since_epoch().count());
}

std::string date_of_day(std::int32_t day)
{
    std::chrono::year_month_day const date{std::chrono::sys_days{std::chrono::days{day}}};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                       static_cast<unsigned>(date.day()));
}

} // namespace forumgate::report
