#pragma once
// Politeness and persistence for requests to a forum: a request-rate cap and a pause shared by
// every worker (a 429 of a site-wide budget stops them all until Retry-After; a per-user limit
// only the request that met it), and retries with exponential backoff
// and jitter for what may pass (5xx, 429, timeouts, dropped connections), each retry logged
// with its reason and wait. 401/403/404 and other 4xx are final at once, and so is a failure to
// connect that retrying cannot mend (unknown host, nothing listening, TLS to a plain HTTP port,
// an untrusted certificate): its message says what to do.

#include "web/http_client.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>

namespace forumgate::web {

using clock_type = std::chrono::steady_clock;

/// How hard to try.
struct retry_policy
{
    int max_attempts = 8; ///< in all, the first one included
    std::chrono::milliseconds backoff_base{250};
    std::chrono::milliseconds backoff_cap{std::chrono::seconds{30}};
    /// A Retry-After longer than this is not waited out: the request fails (and is retried on
    /// the next run) rather than the run stalling for an hour.
    std::chrono::seconds longest_retry_after{std::chrono::minutes{15}};
    /// Writes want Discourse's refusal (a 422 and its messages) as an answer, not an error:
    /// then 4xx other than 408 and 429 are returned instead of thrown.
    bool answer_client_errors = false;
};

/// Represents what every worker talking to one forum shares: the rate cap and the pause after
/// a 429. Thread-safe.
class request_pacer
{
public:
    /// `per_second` <= 0: no cap.
    explicit request_pacer(double per_second = 0.0);

    /// Blocks until this request may go: after any pause, and spaced by the rate cap.
    void admit();
    /// Nobody sends before `until` (a 429's Retry-After applies to the whole site budget).
    void pause_until(clock_type::time_point until);

    /// Requests sent, retries made, 429s met (for the summary).
    [[nodiscard]] std::uint64_t sent() const noexcept { return m_sent.load(); }
    [[nodiscard]] std::uint64_t retries() const noexcept { return m_retries.load(); }
    [[nodiscard]] std::uint64_t rate_limited() const noexcept { return m_rate_limited.load(); }
    void count_retry(bool rate_limit) noexcept;

private:
    std::mutex m_mutex;
    clock_type::duration m_interval{};
    clock_type::time_point m_next{};
    clock_type::time_point m_paused_until{};
    std::atomic<std::uint64_t> m_sent{0};
    std::atomic<std::uint64_t> m_retries{0};
    std::atomic<std::uint64_t> m_rate_limited{0};
};

/// A request that did not succeed, after the retries the policy allows. status is the last
/// HTTP status (0: transport failure); permanent says retrying soon will not help (4xx other
/// than 408/429). The message names the URL and the reason.
/// \return what to check when a site refuses the credentials (401, 403): "; check
/// --api-key-file …", to append to the error; empty for any other status.
[[nodiscard]] std::string_view credentials_hint(int status) noexcept;

class fetch_error : public std::runtime_error
{
public:
    fetch_error(std::string message, std::string url, int status, bool permanent)
        : std::runtime_error(std::move(message)), m_url(std::move(url)), m_status(status), m_permanent(permanent)
    {}
    [[nodiscard]] std::string const &url() const noexcept { return m_url; }
    [[nodiscard]] int status() const noexcept { return m_status; }
    [[nodiscard]] bool permanent() const noexcept { return m_permanent; }

private:
    std::string m_url;
    int m_status;
    bool m_permanent;
};

/// \return the wait a Retry-After value asks for (delta-seconds, or an HTTP date), or nullopt
/// when absent or unreadable.
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                                    std::chrono::system_clock::time_point now);

/// Sends `request` through `client`, paced by `pacer`, retrying as `policy` says.
/// \return a response with status 2xx or 3xx (or a 4xx refusal with policy.answer_client_errors).
/// \throws fetch_error when it does not get one.
[[nodiscard]] http_response polite_send(http_client &client, request_pacer &pacer, http_request const &request,
                                        retry_policy const &policy);

} // namespace forumgate::web
