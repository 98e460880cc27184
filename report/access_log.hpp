#pragma once
// Web server access logs in the combined log format, as nginx (`log_format combined`, its
// default) and Apache (`LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\""`)
// write them; the common format (without referrer and user agent) and lines with more fields
// after the user agent are read too. forumgate serve's own access log is in the same format.

#include <cstdint>
#include <string>
#include <string_view>

namespace forumgate::report {

/// What one log line says about the request it records. Views point into the line or into the
/// scratch string given to parse_log_line().
struct log_request
{
    std::string_view method;
    std::string_view target; ///< as the client sent it: a path (origin form) or an absolute URL
    int status = 0;          ///< the status the server answered with
    std::int32_t day = 0;    ///< the date of the time field (as written, in the server's zone), days since 1970-01-01
};

/// What a log line is.
enum class log_line_kind : std::uint8_t
{
    request, ///< a request with a method and a target
    no_request, ///< a well-formed line for a connection that sent no usable request line ("-", TLS bytes on a plain port…)
    blank,      ///< an empty line
    malformed, ///< not in the combined or common format
};

/// Parses one line (without its line end). Escapes that nginx and Apache write into the request
/// line (`\"`, `\\`, `\xHH`) are undone into `scratch`, which `out.target` may then point into.
/// \return what the line is; for `malformed`, `problem` says what is wrong with it.
[[nodiscard]] log_line_kind parse_log_line(std::string_view line, log_request &out, std::string &scratch,
                                           std::string_view &problem);

/// \return the days since 1970-01-01 of a date in the proleptic Gregorian calendar.
[[nodiscard]] std::int32_t days_from_civil(int year, unsigned month, unsigned day) noexcept;

/// \return `YYYY-MM-DD` for days since 1970-01-01.
[[nodiscard]] std::string date_of_day(std::int32_t day);

} // namespace forumgate::report
