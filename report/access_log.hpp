#pragma once
// Web server access logs as real servers write them (docs/coverage.md, "Access logs"): the
// combined family read without being told (nginx's and Apache's combined and common formats,
// vhost_combined, an X-Forwarded-For list for the client, extra fields after the user agent,
// Traefik's CLF, syslog and docker-compose prefixes, localized month names, a `-` status), and
// any other layout given as the server's own format string (`log_format` of nginx, `LogFormat`
// of Apache). forumgate serve's own access log is in the combined format.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::report {

/// A day that the line does not say (a layout without a time).
inline constexpr std::int32_t UNKNOWN_DAY = std::numeric_limits<std::int32_t>::min();

/// What one log line says about the request it records. Views point into the line or into the
/// log_scratch given to the parser.
struct log_request
{
    std::string_view method;
    std::string_view target;     ///< as the client sent it: a path (origin form) or an absolute URL
    std::string_view user_agent; ///< empty when the layout has none or logged `-`
    std::string_view host;       ///< the virtual host the line names (without its port), or empty
    int status = 0;              ///< the status the server answered with; 0 when logged as `-`
    std::int32_t day =
        UNKNOWN_DAY; ///< the date of the time field (as written, in the server's zone), days since 1970-01-01
};

/// Room for the parts of a line whose escapes had to be undone.
struct log_scratch
{
    std::string request;
    std::string user_agent;
};

/// What a log line is.
enum class log_line_kind : std::uint8_t
{
    request, ///< a request with a method and a target
    no_request, ///< a well-formed line for a connection that sent no usable request line ("-", TLS bytes on a plain port…)
    blank,      ///< an empty line
    malformed, ///< not in the layout
};

/// Parses one line (without its line end) of the combined family. Escapes that nginx and
/// Apache write into the request line and user agent (`\"`, `\\`, `\xHH`) are undone into
/// `scratch`. \return what the line is; for `malformed`, `problem` says what is wrong with it.
[[nodiscard]] log_line_kind parse_log_line(std::string_view line, log_request &out, log_scratch &scratch,
                                           std::string_view &problem);

/// \return the name of the layout of one line of the combined family, for the report
/// ("combined", "common", "vhost_combined", "combined + 2 fields", "Traefik CLF"…, with
/// " after a syslog prefix" or " after a docker-compose prefix"), or empty if it is none.
[[nodiscard]] std::string layout_of_line(std::string_view line);

/// Represents a layout given as the server's own format string: nginx `log_format` syntax
/// (`$remote_addr - $remote_user [$time_local] "$request" …`) or Apache `LogFormat` syntax
/// (`%h %l %u %t \"%r\" %>s %b …`), bare or as the whole directive pasted from the config.
class log_format
{
public:
    /// Compiles `spec`. \throws input_error saying what cannot be read: no request or path
    /// field, two fields with nothing between them, an unknown Apache directive.
    explicit log_format(std::string_view spec);

    /// Parses one line in this layout, as parse_log_line() does.
    [[nodiscard]] log_line_kind parse(std::string_view line, log_request &out, log_scratch &scratch,
                                      std::string_view &problem) const;

    /// \return "nginx" or "Apache".
    [[nodiscard]] std::string_view syntax() const noexcept { return m_nginx ? "nginx" : "Apache"; }
    /// \return the format as compiled (the directive's quoting taken off).
    [[nodiscard]] std::string const &text() const noexcept { return m_text; }

    /// What a field of the format holds.
    enum class field : std::uint8_t
    {
        skip,       ///< anything the report does not need
        request,    ///< METHOD TARGET PROTOCOL ($request, %r)
        method,     ///< $request_method, %m
        target,     ///< $request_uri, $uri$is_args$args, %U%q
        status,     ///< $status, %>s, %s
        time_local, ///< DD/Mon/YYYY:HH:MM:SS ZONE ($time_local; %t with its brackets)
        time_iso,   ///< YYYY-MM-DDTHH:MM:SS+ZONE ($time_iso8601)
        time_epoch, ///< seconds since 1970, with decimals ($msec, %{sec}t, %{msec_frac}t)
        user_agent, ///< $http_user_agent, %{User-Agent}i
        host,       ///< $host, $http_host, $server_name, %v, %V, %{Host}i
    };

private:
    struct element
    {
        std::string literal; ///< the text before the field (may be empty before the first)
        field what = field::skip;
        std::int64_t epoch_unit = 1; ///< time_epoch: 1 for seconds, 1000 for ms, 1000000 for µs
    };

    std::string m_text;
    bool m_nginx = true;
    std::vector<element> m_elements;
    std::string m_tail; ///< the text after the last field
};

/// \return the days since 1970-01-01 of a date in the proleptic Gregorian calendar.
[[nodiscard]] std::int32_t days_from_civil(int year, unsigned month, unsigned day) noexcept;

/// \return `YYYY-MM-DD` for days since 1970-01-01.
[[nodiscard]] std::string date_of_day(std::int32_t day);

} // namespace forumgate::report
