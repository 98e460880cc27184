#include "redirector/response.hpp"

#include "base/text.hpp"
#include "base/url_codec.hpp"

#include <array>
#include <charconv>
#include <ctime>

namespace forumgate::redirector {
namespace {

void append_number(std::string &out, std::uint64_t value)
{
    std::array<char, 24> buffer{};
    auto const result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), result.ptr);
}

// Status line, Date, Server and Connection: what every response starts with.
void append_head(std::string &out, int status, request_line const &request, std::string_view date, bool keep_alive)
{
    out.append(request.http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    append_number(out, static_cast<std::uint64_t>(status));
    out.push_back(' ');
    out.append(reason_phrase(status));
    out.append("\r\nDate: ");
    out.append(date);
    out.append("\r\nServer: forumgate\r\n");
    if (request.hsts_max_age > 0) {
        out.append("Strict-Transport-Security: max-age=");
        append_number(out, request.hsts_max_age);
        out.append("\r\n");
    }
    if (!keep_alive) {
        out.append("Connection: close\r\n");
    } else if (request.http10) {
        out.append("Connection: keep-alive\r\n");
    }
}

void append_body(std::string &out, std::string_view content_type, std::string_view body, request_line const &request)
{
    out.append("Content-Type: ");
    out.append(content_type);
    out.append("\r\nContent-Length: ");
    append_number(out, body.size());
    out.append("\r\n\r\n");
    if (!request.head) {
        out.append(body);
    }
}

} // namespace

std::string_view reason_phrase(int status) noexcept
{
    switch (status) {
    case 200:
        return "OK";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 421:
        return "Misdirected Request";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

std::string http_date(std::int64_t unix_seconds)
{
    static constexpr char const *DAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr char const *MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t const t = unix_seconds;
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::array<char, 40> buffer{};
    int const n = std::snprintf(buffer.data(), buffer.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT", DAYS[tm.tm_wday],
                                tm.tm_mday, MONTHS[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return std::string{buffer.data(), static_cast<std::size_t>(n)};
}

std::string_view current_http_date()
{
    thread_local std::time_t last = 0;
    thread_local std::string text;
    std::time_t const now = std::time(nullptr);
    if (now != last) {
        last = now;
        text = http_date(now);
    }
    return text;
}

void append_answer(std::string &out, mappings::decision const &decision, request_line const &request,
                   answer_policy const &policy, std::string_view date, std::string_view new_base,
                   std::string_view search_words)
{
    using mappings::outcome;
    if (decision.what == outcome::redirect || decision.what == outcome::pass_through) {
        int const status = policy.soft ? 302 : 301;
        append_head(out, status, request, date, request.keep_alive);
        // The resolver guarantees the Location is made of URL characters only.
        out.append("Location: ");
        out.append(decision.location);
        out.append("\r\nCache-Control: ");
        if (policy.soft) {
            out.append("max-age=");
            append_number(out, policy.soft_max_age);
        } else {
            out.append("public, max-age=");
            append_number(out, policy.permanent_max_age);
        }
        out.append("\r\n");
        // A tiny body for the clients that show it: the link, nothing else.
        static constexpr std::string_view BEFORE = "<a href=\"";
        static constexpr std::string_view AFTER = "\">Moved</a>\n";
        out.append("Content-Type: text/html\r\nContent-Length: ");
        append_number(out, BEFORE.size() + decision.location.size() + AFTER.size());
        out.append("\r\n\r\n");
        if (!request.head) {
            out.append(BEFORE);
            out.append(decision.location);
            out.append(AFTER);
        }
        return;
    }
    if (decision.what == outcome::bad_request) {
        append_error(out, decision.status, request, date);
        return;
    }
    // 404 and 410: a short page that points at the new forum and its search.
    append_head(out, decision.status, request, date, request.keep_alive);
    out.append("Cache-Control: public, max-age=");
    append_number(out, policy.miss_max_age);
    out.append("\r\n");
    std::string body;
    body.reserve(512);
    body.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    body.append(decision.status == 410 ? "Not moved to the new forum" : "Not found");
    body.append("</title></head>\n<body><h1>");
    body.append(decision.status == 410 ? "This was not moved to the new forum" : "This page was not found");
    body.append("</h1>\n<p>The forum has moved to <a href=\"");
    base::append_html_escaped(body, new_base);
    body.append("/\">");
    base::append_html_escaped(body, new_base);
    body.append("</a>.");
    if (!search_words.empty()) {
        std::string query;
        base::append_encoded_query_component(query, search_words);
        body.append(" <a href=\"");
        base::append_html_escaped(body, new_base);
        body.append("/search?q=");
        body.append(query); // percent-encoded: nothing left for HTML to read
        body.append("\">Search it for &ldquo;");
        base::append_html_escaped(body, search_words);
        body.append("&rdquo;</a>.");
    }
    body.append("</p></body></html>\n");
    append_body(out, "text/html; charset=utf-8", body, request);
}

void append_error(std::string &out, int status, request_line const &request, std::string_view date)
{
    bool const keep_alive = request.keep_alive && (status == 405 || status == 421);
    append_head(out, status, request, date, keep_alive);
    if (status == 405) {
        out.append("Allow: GET, HEAD\r\n");
    }
    std::string body{reason_phrase(status)};
    body.push_back('\n');
    append_body(out, "text/plain; charset=utf-8", body, request);
}

void append_ok(std::string &out, std::string_view content_type, std::string_view body, request_line const &request,
               std::string_view date)
{
    append_uncached(out, 200, content_type, body, request, date);
}

void append_uncached(std::string &out, int status, std::string_view content_type, std::string_view body,
                     request_line const &request, std::string_view date)
{
    append_head(out, status, request, date, request.keep_alive);
    out.append("Cache-Control: no-store\r\n");
    append_body(out, content_type, body, request);
}

} // namespace forumgate::redirector
