#include "web/polite.hpp"

#include "base/url_codec.hpp"
#include "web/progress.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <random>
#include <thread>

namespace forumgate::web {

request_pacer::request_pacer(double per_second)
{
    if (per_second > 0) {
        m_interval = std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>{1.0 / per_second});
    }
}

void request_pacer::admit()
{
    clock_type::time_point go;
    {
        std::lock_guard const lock{m_mutex};
        auto const now = clock_type::now();
        go = std::max({now, m_next, m_paused_until});
        m_next = go + m_interval;
    }
    std::optional<progress::wait_scope> shown; // a 429's pause, or a slow --rate, on the progress line
    if (auto const left = go - clock_type::now(); left > std::chrono::seconds{1}) {
        shown.emplace("the forum's rate limit", left);
    }
    std::this_thread::sleep_until(go);
    m_sent.fetch_add(1, std::memory_order_relaxed);
}

void request_pacer::pause_until(clock_type::time_point until)
{
    std::lock_guard const lock{m_mutex};
    m_paused_until = std::max(m_paused_until, until);
}

void request_pacer::count_retry(bool rate_limit) noexcept
{
    m_retries.fetch_add(1, std::memory_order_relaxed);
    if (rate_limit) {
        m_rate_limited.fetch_add(1, std::memory_order_relaxed);
    }
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now)
{
    while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    while (!value.empty() && value.back() == ' ') {
        value.remove_suffix(1);
    }
    if (auto const seconds = base::parse_uint(value)) {
        return std::chrono::seconds{static_cast<std::int64_t>(std::min<std::uint64_t>(*seconds, 1U << 30U))};
    }
    // An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT".
    std::tm when{};
    std::string const text{value};
    char const *end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &when);
    if (end == nullptr || *end != '\0') {
        return std::nullopt;
    }
    auto const at = std::chrono::system_clock::from_time_t(::timegm(&when));
    return std::max(std::chrono::seconds{0}, std::chrono::duration_cast<std::chrono::seconds>(at - now));
}

namespace {

/// Full jitter (a random wait up to the exponential bound), so that workers that failed together
/// do not come back together.
std::chrono::milliseconds backoff(retry_policy const &policy, int attempt)
{
    thread_local std::mt19937_64 random{std::random_device{}()};
    auto const bound =
        std::min<std::int64_t>(policy.backoff_cap.count(), policy.backoff_base.count() << std::min(attempt, 20));
    std::uniform_int_distribution<std::int64_t> pick{bound / 2, std::max<std::int64_t>(bound / 2, bound)};
    return std::chrono::milliseconds{pick(random)};
}

std::string first_error_message(std::string_view body)
{
    // Discourse's JSON errors: {"errors":["…"], …}. A cheap look, without parsing: the first
    // string after "errors":[, for the message; the body's start otherwise.
    auto const at = body.find("\"errors\":[\"");
    if (at != std::string_view::npos) {
        auto const start = at + 11;
        auto const end = body.find('"', start);
        if (end != std::string_view::npos) {
            return std::string{body.substr(start, std::min<std::size_t>(end - start, 200))};
        }
    }
    std::string out{body.substr(0, 120)};
    std::ranges::replace_if(
        out, [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return out;
}

} // namespace

std::string_view credentials_hint(int status) noexcept
{
    if (status != 401 && status != 403) {
        return {};
    }
    return "; check --api-key-file and --api-username, or whether this needs an admin key";
}

http_response polite_send(http_client &client, request_pacer &pacer, http_request const &request,
                          retry_policy const &policy)
{
    std::string const url = client.site().url(request.target);
    std::string last_reason;
    int last_status = 0;
    for (int attempt = 1;; ++attempt) {
        pacer.admit();
        std::optional<std::chrono::milliseconds> wait;
        bool rate_limited = false;
        std::string limit_name;
        try {
            auto answer = client.send(request);
            if (answer.status < 400) {
                return answer;
            }
            last_status = answer.status;
            last_reason = "HTTP " + std::to_string(answer.status);
            if (auto const message = first_error_message(answer.body); !message.empty()) {
                last_reason += " (" + message + ")";
            }
            if (answer.status == 429) {
                rate_limited = true;
                auto const retry_after = answer.header("Retry-After");
                auto const seconds =
                    retry_after ? parse_retry_after(*retry_after, std::chrono::system_clock::now()) : std::nullopt;
                if (seconds && *seconds > policy.longest_retry_after) {
                    throw fetch_error{url + ": rate limited, Retry-After " + std::to_string(seconds->count()) +
                                          " s is longer than " + std::to_string(policy.longest_retry_after.count()) +
                                          " s; run again later",
                                      url, 429, false};
                }
                wait = seconds ? std::chrono::milliseconds{*seconds} + std::chrono::milliseconds{100}
                               : backoff(policy, attempt);
                // A site-wide budget (the admin API's, or the per-IP limit answered as plain
                // text) holds every worker back; a per-user limiter (a JSON 429 naming another
                // or no limiter) only the request that met it.
                auto const code = answer.header("Discourse-Rate-Limit-Error-Code").value_or("");
                limit_name =
                    code.empty() ? std::string{"the forum's rate limit"} : "the forum's rate limit (" + code + ")";
                bool const site_wide = code == "admin_api_key_rate_limit" || code.starts_with("ip_") ||
                                       answer.header("Content-Type").value_or("").starts_with("text/plain");
                if (site_wide) {
                    pacer.pause_until(clock_type::now() + *wait);
                }
            } else if (answer.status < 500 && answer.status != 408 && policy.answer_client_errors) {
                return answer;
            } else if (answer.status < 500 && answer.status != 408) {
                std::string message = url;
                message.append(": ").append(last_reason).append(credentials_hint(answer.status));
                throw fetch_error{message, url, answer.status, true};
            }
        } catch (transport_error const &problem) {
            if (!problem.retryable()) {
                throw fetch_error{problem.what(), url, 0, true};
            }
            last_status = 0;
            last_reason = problem.what();
        }
        if (attempt >= policy.max_attempts) {
            std::string message = url;
            message.append(": gave up after ")
                .append(std::to_string(attempt))
                .append(" attempts; last: ")
                .append(last_reason);
            throw fetch_error{message, url, last_status, false};
        }
        pacer.count_retry(rate_limited);
        auto const pause = wait.value_or(backoff(policy, attempt));
        // Say why and for how long, in the log and on the progress line: a run that waits in
        // silence (on a per-user limit, say) looks hung. A transport error already names the URL.
        std::string_view reason = last_reason;
        if (reason.starts_with(url) && reason.substr(url.size()).starts_with(": ")) {
            reason.remove_prefix(url.size() + 2);
        }
        spdlog::log(rate_limited ? spdlog::level::info : spdlog::level::warn, "{}: {}; retry {} of {} in {:.1f} s", url,
                    reason, attempt, policy.max_attempts - 1, std::chrono::duration<double>(pause).count());
        progress::wait_scope const shown{
            rate_limited ? limit_name : "retrying after " + std::string{reason.substr(0, 40)}, pause};
        std::this_thread::sleep_for(pause);
    }
}

} // namespace forumgate::web
