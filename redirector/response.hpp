#pragma once
// What the redirector sends back: the bytes of one HTTP response, built from a resolver
// decision with no I/O. Pure functions, so every header can be tested without a socket.

#include "mappings/resolver.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace forumgate::redirector {

/// How redirects are cached. A wrong 301 sticks in browsers and CDNs for months, so the first
/// days after a switch use `soft` mode: 302 with a short lifetime, promoted to 301 by a reload.
struct answer_policy
{
    bool soft = false;
    std::uint32_t permanent_max_age = 30U * 24U * 3600U; ///< seconds a 301 may be cached
    std::uint32_t soft_max_age = 300;                    ///< seconds a soft 302 may be cached
    std::uint32_t miss_max_age = 60;                     ///< seconds a 404/410 may be cached
    std::uint32_t hsts_max_age = 0;                      ///< Strict-Transport-Security on HTTPS (0: none)
};

/// The parts of a request the answer depends on.
struct request_line
{
    bool head = false;              ///< HEAD: headers only
    bool keep_alive = true;         ///< the connection stays open afterwards
    bool http10 = false;            ///< answer as HTTP/1.0 (Connection: keep-alive spelled out)
    std::uint32_t hsts_max_age = 0; ///< over HTTPS with hsts-max-age set: Strict-Transport-Security
};

/// Appends the response for `decision` to `out`. `date` is an IMF-fixdate (cached per second).
/// `new_base` is linked from the 404 page; `search_words` (may be empty) become its search link.
void append_answer(std::string &out, mappings::decision const &decision, request_line const &request,
                   answer_policy const &policy, std::string_view date, std::string_view new_base,
                   std::string_view search_words);

/// Appends a response that is not about the map: 400, 405 (with Allow), 408, 413, 414, 431,
/// 421 (a Host this server does not answer for), 503. Such answers close the connection,
/// except 405 and 421.
void append_error(std::string &out, int status, request_line const &request, std::string_view date);

/// Appends a 200 response with `content_type` and `body` that no cache keeps (admin endpoints).
void append_ok(std::string &out, std::string_view content_type, std::string_view body, request_line const &request,
               std::string_view date);

/// Appends a `status` response with `content_type` and `body` that no cache keeps
/// (`Cache-Control: no-store`: ACME challenges); the connection stays open if the request asked.
void append_uncached(std::string &out, int status, std::string_view content_type, std::string_view body,
                     request_line const &request, std::string_view date);

/// \return the IMF-fixdate (RFC 9110) for `unix_seconds`, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
[[nodiscard]] std::string http_date(std::int64_t unix_seconds);

/// \return the IMF-fixdate of now, formatted once a second per thread (every answer has a
/// Date header). Valid until this thread's next call.
[[nodiscard]] std::string_view current_http_date();

/// \return the reason phrase of a status code this server sends.
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

} // namespace forumgate::redirector
