#include "report/access_log.hpp"

#include "base/error.hpp"
#include "base/text.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
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

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

/// Month abbreviations: English as both servers write them, and those of the locales a server
/// formats its times in when told to (strftime's %b: `sept.`, `févr.`, `Mär`, `Okt`, `ene`…),
/// lower-cased. The longest that starts the name wins (`juin` before `jui…`).
struct month_name
{
    std::string_view prefix;
    unsigned month;
};
constexpr std::array<month_name, 39> MONTH_NAMES = {{
    {"jan", 1},
    {"janv", 1},
    {"ene", 1},
    {"gen", 1},
    {"feb", 2},
    {"fev", 2},
    {"f\xC3\xA9v", 2},
    {"mar", 3},
    {"m\xC3\xA4r", 3},
    {"mrz", 3},
    {"mrt", 3},
    {"apr", 4},
    {"avr", 4},
    {"abr", 4},
    {"may", 5},
    {"mai", 5},
    {"mag", 5},
    {"mei", 5},
    {"jun", 6},
    {"juin", 6},
    {"giu", 6},
    {"jul", 7},
    {"juil", 7},
    {"lug", 7},
    {"aug", 8},
    {"ago", 8},
    {"ao\xC3\xBB", 8},
    {"aou", 8},
    {"sep", 9},
    {"set", 9},
    {"oct", 10},
    {"okt", 10},
    {"ott", 10},
    {"out", 10},
    {"nov", 11},
    {"dec", 12},
    {"d\xC3\xA9"
     "c",
     12},
    {"dez", 12},
    {"dic", 12},
}};

/// \return 1-12 for a month's abbreviation, or 0.
unsigned month_number(std::string_view name) noexcept
{
    static constexpr std::array<std::string_view, 12> ENGLISH = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (name.size() == 3) {
        for (unsigned i = 0; i < ENGLISH.size(); ++i) {
            if (ENGLISH[i] == name) {
                return i + 1;
            }
        }
    }
    if (name.ends_with('.')) {
        name.remove_suffix(1);
    }
    if (name.size() < 3 || name.size() > 6) {
        return 0;
    }
    std::array<char, 6> lower{};
    for (std::size_t i = 0; i < name.size(); ++i) {
        lower[i] = base::ascii_lower(name[i]);
    }
    std::string_view const key{lower.data(), name.size()};
    unsigned month = 0;
    std::size_t longest = 0;
    for (auto const &[prefix, number] : MONTH_NAMES) {
        if (key.starts_with(prefix) && prefix.size() > longest) {
            month = number;
            longest = prefix.size();
        }
    }
    return month;
}

bool valid_clock(std::string_view hhmmss) noexcept
{
    return hhmmss.size() >= 8 && is_digit(hhmmss[0]) && is_digit(hhmmss[1]) && hhmmss[2] == ':' &&
           is_digit(hhmmss[3]) && is_digit(hhmmss[4]) && hhmmss[5] == ':' && is_digit(hhmmss[6]) && is_digit(hhmmss[7]);
}

/// Reads `DD/Mon/YYYY:HH:MM:SS` and an optional zone (`+0200`, `GMT`: not needed, a day is the
/// server's day).
bool parse_time_local(std::string_view time, std::int32_t &day) noexcept
{
    auto const slash = time.find('/');
    if (slash == 0 || slash > 2 || !base::is_digits(time.substr(0, slash))) {
        return false;
    }
    auto const second_slash = time.find('/', slash + 1);
    if (second_slash == std::string_view::npos || second_slash + 5 >= time.size() || time[second_slash + 5] != ':') {
        return false;
    }
    std::string_view const yyyy = time.substr(second_slash + 1, 4);
    if (!base::is_digits(yyyy) || !valid_clock(time.substr(second_slash + 6))) {
        return false;
    }
    std::string_view const zone = time.substr(second_slash + 14);
    if (!zone.empty() && zone[0] != ' ' && zone[0] != '.') {
        return false;
    }
    unsigned const month = month_number(time.substr(slash + 1, second_slash - slash - 1));
    int const d = digits_value(time.substr(0, slash));
    if (month == 0 || d < 1 || d > 31) {
        return false;
    }
    day = days_from_civil(digits_value(yyyy), month, static_cast<unsigned>(d));
    return true;
}

/// Reads `YYYY-MM-DDTHH:MM:SS` and whatever follows (fraction, zone).
bool parse_time_iso(std::string_view time, std::int32_t &day) noexcept
{
    if (time.size() < 19 || time[4] != '-' || time[7] != '-' || (time[10] != 'T' && time[10] != ' ') ||
        !base::is_digits(time.substr(0, 4)) || !base::is_digits(time.substr(5, 2)) ||
        !base::is_digits(time.substr(8, 2)) || !valid_clock(time.substr(11))) {
        return false;
    }
    int const month = digits_value(time.substr(5, 2));
    int const d = digits_value(time.substr(8, 2));
    if (month < 1 || month > 12 || d < 1 || d > 31) {
        return false;
    }
    day = days_from_civil(digits_value(time.substr(0, 4)), static_cast<unsigned>(month), static_cast<unsigned>(d));
    return true;
}

/// Reads seconds (or, with `unit` 1000, milliseconds) since 1970, with optional decimals.
bool parse_time_epoch(std::string_view time, std::int32_t &day, std::int64_t unit) noexcept
{
    std::string_view const whole = time.substr(0, time.find('.'));
    if (whole.empty() || whole.size() > 16 || !base::is_digits(whole)) {
        return false;
    }
    std::int64_t value = 0;
    for (char const c : whole) {
        value = value * 10 + (c - '0');
    }
    day = static_cast<std::int32_t>(value / unit / 86400);
    return true;
}

/// Undoes the escapes of a logged string: nginx writes `"`, `\` and bytes outside printable
/// ASCII as `\xHH`; Apache writes `\"`, `\\`, `\n`, `\t`… (base::control_escape's letters) and `\xhh`.
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

/// \return `value` with its escapes undone (into `scratch` when it has any).
std::string_view unescaped(std::string_view value, std::string &scratch)
{
    if (value.find('\\') == std::string_view::npos) {
        return value;
    }
    unescape(value, scratch);
    return scratch;
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

/// Splits a request line `METHOD TARGET [PROTOCOL]` (escapes already undone).
/// \return request, or no_request for "-", a bare word or bytes of another protocol.
log_line_kind split_request(std::string_view request, log_request &out) noexcept
{
    auto const method_end = request.find(' ');
    if (method_end == std::string_view::npos || !is_method(request.substr(0, method_end))) {
        return log_line_kind::no_request;
    }
    out.method = request.substr(0, method_end);
    std::string_view target = request.substr(method_end + 1);
    while (!target.empty() && target.front() == ' ') {
        target.remove_prefix(1);
    }
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

/// \return the position of the quote that closes the quoted string opening at `open`: the
/// next quote not escaped by a backslash, or npos.
std::size_t closing_quote(std::string_view line, std::size_t open) noexcept
{
    // memchr to each quote, then count the backslashes before it: an odd number escapes it.
    for (std::size_t at = line.find('"', open + 1); at != std::string_view::npos; at = line.find('"', at + 1)) {
        std::size_t backslashes = 0;
        while (at - backslashes > open + 1 && line[at - backslashes - 1] == '\\') {
            ++backslashes;
        }
        if (backslashes % 2 == 0) {
            return at;
        }
    }
    return std::string_view::npos;
}

std::size_t skip_spaces(std::string_view line, std::size_t at) noexcept
{
    while (at < line.size() && line[at] == ' ') {
        ++at;
    }
    return at;
}

/// `host` without a `:port`, if it names a host (letters; an IPv6 address is not one).
std::string_view host_name(std::string_view host) noexcept
{
    if (auto const colon = host.rfind(':');
        colon != std::string_view::npos && base::is_digits(host.substr(colon + 1))) {
        host = host.substr(0, colon);
    }
    bool letter = false;
    for (char const c : host) {
        if (c == ':' || c == '[' || c == '/') {
            return {};
        }
        letter = letter || (base::ascii_lower(c) >= 'a' && base::ascii_lower(c) <= 'z');
    }
    return letter ? host : std::string_view{};
}

/// The prefix a log shipper put before the server's line.
enum class line_prefix : std::uint8_t
{
    none,
    syslog,         ///< `Jan 31 14:29:44 host nginx: `, `2024-01-31T14:29:44+00:00 host nginx[12]: `
    docker_compose, ///< `nginx.1    | `, `web_1  | `
};

/// Takes a syslog or docker-compose prefix off `line`.
line_prefix strip_prefix(std::string_view &line) noexcept
{
    // docker-compose: a service name, spaces, `| `.
    std::size_t name_end = 0;
    while (name_end < line.size() && (std::isalnum(static_cast<unsigned char>(line[name_end])) != 0 ||
                                      line[name_end] == '_' || line[name_end] == '.' || line[name_end] == '-')) {
        ++name_end;
    }
    if (name_end > 0) {
        std::size_t const bar = skip_spaces(line, name_end);
        if (bar + 1 < line.size() && line[bar] == '|' && line[bar + 1] == ' ') {
            line.remove_prefix(bar + 2);
            return line_prefix::docker_compose;
        }
    }
    // syslog: a timestamp (RFC 3164 `Mmm dd HH:MM:SS` or RFC 3339), a host, a tag ending in `:`.
    std::string_view rest = line;
    if (rest.starts_with('<')) {
        auto const end = rest.find('>');
        if (end > 4 || !base::is_digits(rest.substr(1, end - 1))) { // (npos too)
            return line_prefix::none;
        }
        rest.remove_prefix(end + 1);
    }
    std::size_t after_time = 0;
    if (rest.size() > 16 && rest[3] == ' ' && rest[6] == ' ' && month_number(rest.substr(0, 3)) != 0 &&
        valid_clock(rest.substr(7)) && rest[15] == ' ') {
        after_time = 16;
    } else if (std::int32_t ignored = 0; parse_time_iso(rest, ignored)) {
        after_time = rest.find(' ');
        if (after_time == std::string_view::npos) {
            return line_prefix::none;
        }
        ++after_time;
    } else {
        return line_prefix::none;
    }
    auto const host_end = rest.find(' ', after_time);
    if (host_end == std::string_view::npos) {
        return line_prefix::none;
    }
    auto const tag_end = rest.find(' ', host_end + 1);
    if (tag_end == std::string_view::npos || tag_end == host_end + 1 || rest[tag_end - 1] != ':') {
        return line_prefix::none;
    }
    line = rest.substr(tag_end + 1);
    return line_prefix::syslog;
}

/// What layout_of_line() names: the shape of a line of the combined family.
struct line_shape
{
    line_prefix prefix = line_prefix::none;
    bool vhost = false;
    bool referrer = false;   ///< a quoted referrer follows the size
    bool user_agent = false; ///< and a quoted user agent
    int extra_fields = 0;    ///< fields after the user agent
    bool traefik = false;    ///< the last of them is a duration in ms
};

/// The virtual host first, when the fields before the time are one more than client, ident
/// and user (an X-Forwarded-For list `a, b` counts as one field).
std::string_view leading_vhost(std::string_view before_time) noexcept
{
    int fields = 0;
    std::string_view first;
    std::size_t at = skip_spaces(before_time, 0);
    while (at < before_time.size()) {
        auto end = before_time.find(' ', at);
        end = end == std::string_view::npos ? before_time.size() : end;
        if (fields == 0) {
            first = before_time.substr(at, end - at);
        }
        // `10.0.0.1, 203.0.113.7`: a comma ends a part of the same field.
        if (before_time[end - 1] != ',') {
            ++fields;
        }
        at = skip_spaces(before_time, end);
    }
    return fields >= 4 ? host_name(first) : std::string_view{};
}

/// Where the time field of a line of the combined family is.
struct time_field
{
    std::size_t open = std::string_view::npos;  ///< its `[`; npos: none found
    std::size_t close = std::string_view::npos; ///< its `]`
    bool bad = false;                           ///< a `[…]` that holds no time was met
    bool unclosed = false;                      ///< a `[` with no `]` after it
};

/// Finds the first `[` that opens a time, outside quoted fields (nginx layouts may quote an
/// X-Forwarded-For list before it), and reads its day into `day`.
time_field find_time(std::string_view line, std::int32_t &day) noexcept
{
    time_field out;
    for (std::size_t at = line.find_first_of("[\""); at != std::string_view::npos; at = line.find_first_of("[\"", at)) {
        if (line[at] == '"') {
            auto const end = closing_quote(line, at);
            if (end == std::string_view::npos) {
                break;
            }
            at = end + 1;
            continue;
        }
        out.close = line.find(']', at + 1);
        if (out.close == std::string_view::npos) {
            out.unclosed = true;
            return out;
        }
        if (std::string_view const time = line.substr(at + 1, out.close - at - 1);
            parse_time_local(time, day) || parse_time_iso(time, day)) {
            out.open = at;
            return out;
        }
        out.bad = true;
        at = out.close + 1;
    }
    return out;
}

/// Reads the quoted referrer and user agent that may follow the size at `at`.
/// \return the position after them.
std::size_t read_agent(std::string_view line, std::size_t at, log_request &out, log_scratch &scratch, line_shape *shape)
{
    if (at >= line.size() || line[at] != '"') {
        return at;
    }
    auto const referrer_end = closing_quote(line, at);
    at = referrer_end == std::string_view::npos ? line.size() : skip_spaces(line, referrer_end + 1);
    if (shape != nullptr) {
        shape->referrer = true;
    }
    if (at < line.size() && line[at] == '"') {
        auto const agent_end = closing_quote(line, at);
        if (agent_end != std::string_view::npos) {
            std::string_view const agent = line.substr(at + 1, agent_end - at - 1);
            out.user_agent = agent == "-" ? std::string_view{} : unescaped(agent, scratch.user_agent);
            at = skip_spaces(line, agent_end + 1);
            if (shape != nullptr) {
                shape->user_agent = true;
            }
        }
    }
    return at;
}

/// Counts the fields after the user agent, from `at`, and tells Traefik's duration last.
void count_extra_fields(std::string_view line, std::size_t at, line_shape &shape)
{
    std::string_view last;
    while (shape.user_agent && at < line.size()) {
        std::size_t end = line[at] == '"' ? closing_quote(line, at) : line.find(' ', at);
        end = end == std::string_view::npos ? line.size() : end + (line[at] == '"' ? 1 : 0);
        last = line.substr(at, end - at);
        ++shape.extra_fields;
        at = skip_spaces(line, end);
    }
    shape.traefik = last.size() > 2 && last.ends_with("ms") && base::is_digits(last.substr(0, last.size() - 2));
}

log_line_kind parse_combined(std::string_view line, log_request &out, log_scratch &scratch, std::string_view &problem,
                             line_shape *shape)
{
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return log_line_kind::blank;
    }
    line_prefix const prefix = strip_prefix(line);
    out = log_request{};
    time_field const time = find_time(line, out.day);
    if (time.unclosed) {
        problem = "the [time] field is not closed";
        return log_line_kind::malformed;
    }
    std::size_t const open = time.open;
    std::size_t close = time.close;
    bool const bad_time = time.bad;
    constexpr std::string_view NO_TIME{
        "no [time] field: not the combined or common log format (--log-format reads other layouts)"};
    // A layout without a time (some servers leave it out): read only if a request and a status
    // follow, or the line is too unlike the format to say more.
    bool const no_time = open == std::string_view::npos;
    if (no_time && bad_time) {
        problem = "the time is not DD/Mon/YYYY:HH:MM:SS ZONE";
        return log_line_kind::malformed;
    }
    if (no_time) {
        close = 0;
    } else {
        out.host = leading_vhost(line.substr(0, open));
    }
    // Apache's ssl_request_log puts the time first and logs no status: only a size follows.
    bool const time_first = !no_time && line.find_first_not_of(' ') == open;

    // The request line: the first quoted string after the time.
    std::size_t const first_quote = line.find('"', no_time ? 0 : close + 1);
    if (first_quote == std::string_view::npos) {
        if (no_time) {
            problem = NO_TIME;
            return log_line_kind::malformed;
        }
        problem = "no quoted request line after the [time]";
        return log_line_kind::malformed;
    }
    std::size_t const request_end = closing_quote(line, first_quote);
    if (request_end == std::string_view::npos) {
        problem = "the request line has no closing quote (the line was cut short?)";
        return log_line_kind::malformed;
    }
    std::string_view const request = line.substr(first_quote + 1, request_end - first_quote - 1);

    // STATUS (three digits or -), SIZE (a number or -), then referrer, user agent, anything.
    std::size_t at = skip_spaces(line, request_end + 1);
    if (no_time) {
        log_request probe;
        if (split_request(request, probe) != log_line_kind::request || at + 3 > line.size() ||
            !base::is_digits(line.substr(at, 3))) {
            problem = NO_TIME;
            return log_line_kind::malformed;
        }
    }
    if (std::string_view const rest = line.substr(at);
        time_first && rest.find(' ') == std::string_view::npos && (rest == "-" || base::is_digits(rest))) {
        out.status = 0;
        return split_request(unescaped(request, scratch.request), out);
    }
    std::string_view status = line.substr(at, 3);
    if (line.substr(at).starts_with('-') && (at + 1 == line.size() || line[at + 1] == ' ')) {
        status = "-";
    } else if (!base::is_digits(status) || status.size() != 3 || (at + 3 < line.size() && line[at + 3] != ' ')) {
        problem = "no three-digit status (or -) after the request line";
        return log_line_kind::malformed;
    }
    out.status = status == "-" ? 0 : digits_value(status);
    at = skip_spaces(line, at + status.size());
    if (at < line.size()) {
        auto size_end = line.find(' ', at);
        size_end = size_end == std::string_view::npos ? line.size() : size_end;
        std::string_view const size = line.substr(at, size_end - at);
        // Some layouts put other fields between the status and the size (a request time):
        // the request still counts, but which quoted field is the user agent is not known.
        bool const sized = size == "-" || base::is_digits(size);
        at = skip_spaces(line, size_end);
        if (sized) {
            at = read_agent(line, at, out, scratch, shape);
        }
    }
    if (shape != nullptr) {
        shape->prefix = prefix;
        shape->vhost = !out.host.empty();
        count_extra_fields(line, at, *shape);
    }
    return split_request(unescaped(request, scratch.request), out);
}

} // namespace

log_line_kind parse_log_line(std::string_view line, log_request &out, log_scratch &scratch, std::string_view &problem)
{
    return parse_combined(line, out, scratch, problem, nullptr);
}

std::string layout_of_line(std::string_view line)
{
    log_request request;
    log_scratch scratch;
    std::string_view problem;
    line_shape shape;
    auto const kind = parse_combined(line, request, scratch, problem, &shape);
    if (kind == log_line_kind::malformed || kind == log_line_kind::blank) {
        return {};
    }
    std::string name;
    if (shape.traefik && !shape.vhost) {
        name = "Traefik CLF";
    } else {
        name = shape.vhost ? "vhost_" : "";
        name += shape.user_agent ? "combined" : (shape.referrer ? "combined without user agent" : "common");
        if (shape.extra_fields > 0) {
            name += fmt::format(" + {} field{}", shape.extra_fields, shape.extra_fields == 1 ? "" : "s");
        }
    }
    if (shape.prefix == line_prefix::syslog) {
        name += " after a syslog prefix";
    } else if (shape.prefix == line_prefix::docker_compose) {
        name += " after a docker-compose prefix";
    }
    return name;
}

// --- log_format ------------------------------------------------------------------------------

namespace {

using field = log_format::field;

/// A field while compiling: the report's fields, and a query that joins the path before it.
struct compiled_field
{
    field what = field::skip;
    bool query = false; ///< $is_args, $args, $query_string, %q: part of the target
    std::string name;   ///< as written, for messages
};

std::string without_backslash_quotes(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() &&
            (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '\'')) {
            ++i;
        }
        out.push_back(text[i]);
    }
    return out;
}

/// The format string of a whole directive pasted from a config, or `spec` itself.
std::string format_string(std::string_view spec)
{
    spec = base::trim(spec);
    if (spec.starts_with("log_format ")) {
        // log_format NAME [escape=…] 'part' "part" …;  (nginx joins the parts)
        std::string joined;
        bool quoted = false;
        for (std::size_t i = 0; i < spec.size(); ++i) {
            char const quote = spec[i];
            if (quote != '\'' && quote != '"') {
                continue;
            }
            std::size_t end = i + 1;
            while (end < spec.size() && spec[end] != quote) {
                end += spec[end] == '\\' ? 2 : 1;
            }
            if (end >= spec.size()) {
                throw input_error{fmt::format("--log-format: a quote opened at column {} is never closed", i + 1)};
            }
            joined += without_backslash_quotes(spec.substr(i + 1, end - i - 1));
            quoted = true;
            i = end;
        }
        if (!quoted) {
            throw input_error{"--log-format: a log_format directive with no quoted format string"};
        }
        return joined;
    }
    if (spec.starts_with("LogFormat ")) {
        auto const open = spec.find('"');
        std::size_t end = open == std::string_view::npos ? open : open + 1;
        while (end < spec.size() && spec[end] != '"') {
            end += spec[end] == '\\' ? 2 : 1;
        }
        if (open == std::string_view::npos || end >= spec.size()) {
            throw input_error{"--log-format: a LogFormat directive with no quoted format string"};
        }
        return without_backslash_quotes(spec.substr(open + 1, end - open - 1));
    }
    // A bare format copied from inside a LogFormat's quotes keeps its \" escapes.
    return spec.find("\\\"") != std::string_view::npos ? without_backslash_quotes(spec) : std::string{spec};
}

compiled_field nginx_field(std::string_view name)
{
    compiled_field f{field::skip, false, "$" + std::string{name}};
    if (name == "request") {
        f.what = field::request;
    } else if (name == "request_method") {
        f.what = field::method;
    } else if (name == "request_uri" || name == "uri" || name == "document_uri") {
        f.what = field::target;
    } else if (name == "is_args" || name == "args" || name == "query_string") {
        f.query = true;
    } else if (name == "status") {
        f.what = field::status;
    } else if (name == "time_local") {
        f.what = field::time_local;
    } else if (name == "time_iso8601") {
        f.what = field::time_iso;
    } else if (name == "msec") {
        f.what = field::time_epoch;
    } else if (name == "http_user_agent") {
        f.what = field::user_agent;
    } else if (name == "host" || name == "http_host" || name == "server_name") {
        f.what = field::host;
    }
    return f;
}

/// Reads the Apache directive at `text[at]` (after its `%`). \return the field; `at` moves past it.
compiled_field apache_field(std::string_view text, std::size_t &at)
{
    std::size_t const start = at - 1;
    // Conditions and the original/final markers: %400,501{User-agent}i, %!200r, %>s, %<s.
    while (at < text.size() &&
           (is_digit(text[at]) || text[at] == ',' || text[at] == '!' || text[at] == '<' || text[at] == '>')) {
        ++at;
    }
    std::string_view argument;
    if (at < text.size() && text[at] == '{') {
        auto const close = text.find('}', at);
        if (close == std::string_view::npos) {
            throw input_error{fmt::format("--log-format: the {{ at column {} is never closed", at + 1)};
        }
        argument = text.substr(at + 1, close - at - 1);
        at = close + 1;
    }
    if (at >= text.size()) {
        throw input_error{"--log-format: the format ends with an unfinished % directive"};
    }
    char const letter = text[at++];
    compiled_field f{field::skip, false, std::string{text.substr(start, at - start)}};
    std::string const header = base::ascii_lower(argument);
    switch (letter) {
    case 'r':
        f.what = field::request;
        break;
    case 'm':
        f.what = field::method;
        break;
    case 'U':
        f.what = field::target;
        break;
    case 'q':
        f.query = true;
        break;
    case 's':
        f.what = field::status;
        break;
    case 't':
        if (argument.empty()) {
            f.what = field::time_local;
        } else if (argument == "sec" || argument == "msec" || argument == "usec") {
            f.what = field::time_epoch;
            f.name = std::string{argument}; // the unit: seconds, milli- or microseconds
        }
        break;
    case 'i':
        if (header == "user-agent") {
            f.what = field::user_agent;
        } else if (header == "host") {
            f.what = field::host;
        }
        break;
    case 'v':
    case 'V':
        f.what = field::host;
        break;
    case 'a':
    case 'A':
    case 'b':
    case 'B':
    case 'C':
    case 'D':
    case 'e':
    case 'f':
    case 'h':
    case 'H':
    case 'I':
    case 'k':
    case 'l':
    case 'L':
    case 'n':
    case 'o':
    case 'O':
    case 'p':
    case 'P':
    case 'R':
    case 'S':
    case 'T':
    case 'u':
    case 'X':
    case '^':
        break;
    default:
        throw input_error{fmt::format("--log-format: %{} at column {} is no Apache LogFormat directive", letter, at)};
    }
    return f;
}

/// Finds the end of a field's value that ends where `literal` starts, searching from `at`.
/// A quoted value (the literal starts with the closing quote) may hold escaped quotes.
std::size_t field_end(std::string_view line, std::size_t at, std::string_view literal, bool quoted) noexcept
{
    if (quoted) {
        return closing_quote(line, at - 1);
    }
    auto end = line.find(literal, at);
    if (end == std::string_view::npos) {
        // Servers pad some fields with more spaces than the format shows.
        std::string_view trimmed = literal;
        while (!trimmed.empty() && trimmed.front() == ' ') {
            trimmed.remove_prefix(1);
        }
        while (!trimmed.empty() && trimmed.back() == ' ') {
            trimmed.remove_suffix(1);
        }
        if (trimmed.empty()) {
            return std::string_view::npos;
        }
        end = line.find(trimmed, at);
        while (end != std::string_view::npos && end > at && line[end - 1] == ' ') {
            --end;
        }
    }
    return end;
}

/// Matches `literal` at `at`; a space in it matches one or more. \return the position after it, or npos.
std::size_t match_literal(std::string_view line, std::size_t at, std::string_view literal) noexcept
{
    for (char const c : literal) {
        if (at >= line.size() || line[at] != c) {
            return std::string_view::npos;
        }
        ++at;
        if (c == ' ') {
            at = skip_spaces(line, at);
        }
    }
    return at;
}

} // namespace

log_format::log_format(std::string_view spec) : m_text{format_string(spec)}
{
    std::string_view const text = m_text;
    bool const has_dollar = text.find('$') != std::string_view::npos;
    bool const has_percent = text.find('%') != std::string_view::npos;
    if (!has_dollar && !has_percent) {
        throw input_error{"--log-format: no fields: neither $variables (nginx log_format) nor %directives (Apache "
                          "LogFormat)"};
    }
    m_nginx = has_dollar;
    std::string literal;
    std::vector<std::pair<std::string, compiled_field>> parts;
    for (std::size_t at = 0; at < text.size();) {
        char const c = text[at];
        if (m_nginx && c == '$') {
            std::size_t end = at + 1;
            std::string_view name;
            if (end < text.size() && text[end] == '{') {
                auto const close = text.find('}', end);
                if (close == std::string_view::npos) {
                    throw input_error{fmt::format("--log-format: the ${{ at column {} is never closed", at + 1)};
                }
                name = text.substr(end + 1, close - end - 1);
                end = close + 1;
            } else {
                while (end < text.size() &&
                       (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_')) {
                    ++end;
                }
                name = text.substr(at + 1, end - at - 1);
            }
            if (name.empty()) {
                literal.push_back(c);
                ++at;
                continue;
            }
            parts.emplace_back(std::move(literal), nginx_field(name));
            literal.clear();
            at = end;
        } else if (!m_nginx && c == '%') {
            if (at + 1 < text.size() && text[at + 1] == '%') {
                literal.push_back('%');
                at += 2;
                continue;
            }
            ++at;
            parts.emplace_back(std::move(literal), apache_field(text, at));
            literal.clear();
        } else {
            literal.push_back(c);
            ++at;
        }
    }
    m_tail = std::move(literal);

    bool has_request = false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto &[before, f] = parts[i];
        if (f.query && !m_elements.empty() && before.empty() && m_elements.back().what == field::target) {
            continue; // $uri$is_args$args, %U%q: one target
        }
        if (before.empty() && i > 0) {
            throw input_error{fmt::format("--log-format: {} and {} have nothing between them: where one ends and the "
                                          "other begins cannot be told",
                                          parts[i - 1].second.name, f.name)};
        }
        has_request = has_request || f.what == field::request || f.what == field::target;
        std::int64_t const unit = f.name == "msec" ? 1000 : (f.name == "usec" ? 1000000 : 1);
        m_elements.push_back({std::move(before), f.query ? field::skip : f.what, unit});
    }
    if (!has_request) {
        throw input_error{"--log-format: the format has no request ($request, %r) or path ($request_uri, %U) field"};
    }
}

log_line_kind log_format::parse(std::string_view line, log_request &out, log_scratch &scratch,
                                std::string_view &problem) const
{
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
        return log_line_kind::blank;
    }
    out = log_request{};
    std::string_view request;
    std::size_t at = 0;
    for (std::size_t i = 0; i < m_elements.size(); ++i) {
        auto const &part = m_elements[i];
        at = match_literal(line, at, part.literal);
        if (at == std::string_view::npos) {
            problem = "the line does not follow --log-format (a fixed part of the format is not where it should be)";
            return log_line_kind::malformed;
        }
        std::string_view const next =
            i + 1 < m_elements.size() ? std::string_view{m_elements[i + 1].literal} : std::string_view{m_tail};
        bool const quoted = !part.literal.empty() && part.literal.back() == '"' && next.starts_with('"');
        std::size_t end = 0;
        if (next.empty()) {
            end = line.size();
        } else if (i + 1 == m_elements.size()) {
            end = line.rfind(next);
            end = end != std::string_view::npos && end >= at ? end : std::string_view::npos;
        } else {
            end = field_end(line, at, next, quoted);
        }
        if (end == std::string_view::npos) {
            problem = "the line ends before the fields of --log-format do";
            return log_line_kind::malformed;
        }
        std::string_view const value = line.substr(at, end - at);
        at = end;
        switch (part.what) {
        case field::skip:
            break;
        case field::request:
            request = value;
            break;
        case field::method:
            out.method = value;
            break;
        case field::target:
            out.target = value;
            break;
        case field::status:
            if (value == "-") {
                out.status = 0;
            } else if (value.size() == 3 && base::is_digits(value)) {
                out.status = digits_value(value);
            } else {
                problem = "the status is neither three digits nor -";
                return log_line_kind::malformed;
            }
            break;
        case field::time_local: {
            std::string_view time = value;
            if (time.starts_with('[') && time.ends_with(']')) {
                time = time.substr(1, time.size() - 2);
            }
            if (!parse_time_local(time, out.day)) {
                problem = "the time is not DD/Mon/YYYY:HH:MM:SS ZONE";
                return log_line_kind::malformed;
            }
            break;
        }
        case field::time_iso:
            if (!parse_time_iso(value, out.day)) {
                problem = "the time is not YYYY-MM-DDTHH:MM:SS";
                return log_line_kind::malformed;
            }
            break;
        case field::time_epoch:
            if (!parse_time_epoch(value, out.day, part.epoch_unit)) {
                problem = "the time is not a number of seconds since 1970";
                return log_line_kind::malformed;
            }
            break;
        case field::user_agent:
            out.user_agent = value == "-" ? std::string_view{} : unescaped(value, scratch.user_agent);
            break;
        case field::host:
            out.host = host_name(value);
            break;
        }
    }
    if (!m_tail.empty() && match_literal(line, at, m_tail) == std::string_view::npos) {
        problem = "the line does not end as --log-format does";
        return log_line_kind::malformed;
    }
    if (!request.empty() || out.target.empty()) {
        return split_request(unescaped(request, scratch.request), out);
    }
    if (out.target == "-") {
        return log_line_kind::no_request;
    }
    out.target = unescaped(out.target, scratch.request);
    if (out.method.empty()) {
        out.method = "GET";
    }
    return is_method(out.method) ? log_line_kind::request : log_line_kind::no_request;
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
