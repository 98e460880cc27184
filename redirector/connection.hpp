#pragma once
// What one HTTP connection does: read requests (pipelined ones too), ask a handler for each
// answer, write the answers in batches, and enforce every limit and timeout on the way.

#include "redirector/plain_socket.hpp"
#include "redirector/request_head.hpp"

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <time.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace forumgate::redirector {

/// The time connection deadlines are kept in: steady_clock's clock (CLOCK_MONOTONIC) as of the
/// kernel's last tick, read without the clock source (4 ns against 27 ns here, several reads a
/// request). A deadline of seconds does not mind the few milliseconds it may lag.
inline std::chrono::steady_clock::time_point coarse_now() noexcept
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return std::chrono::steady_clock::time_point{std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::seconds{now.tv_sec} + std::chrono::nanoseconds{now.tv_nsec})};
}

/// Limits and timeouts of a connection (settings; see docs/serve.md).
struct connection_limits
{
    std::uint32_t header_limit = 8 * 1024;               ///< request line and headers (431 beyond)
    std::size_t target_limit = 4096;                     ///< request target (414 beyond)
    std::chrono::milliseconds request_timeout{10'000};   ///< to receive one whole request, body included
    std::chrono::milliseconds keepalive_timeout{60'000}; ///< idle between requests
    std::chrono::milliseconds first_byte_timeout{5'000}; ///< open without a byte sent yet
    std::size_t pipeline_limit = 16;                     ///< answers batched before writing

    /// Bytes of one request at most, head and body together: the head's limit, the largest body
    /// read and thrown away (request_head::BODY_LIMIT) and room for chunk framing. Past it (an
    /// endless chunk extension or trailer, a body in countless tiny chunks) the answer is 413
    /// and the connection closes: what a connection holds never grows with what a client sends.
    [[nodiscard]] std::size_t request_byte_limit() const noexcept
    {
        return header_limit + request_head::BODY_LIMIT + 16 * 1024;
    }
};

/// What a handler knows of the connection a request came on.
struct peer
{
    boost::asio::ip::address address;
    bool tls = false;
};

/// Per-connection state a handler may keep between requests (e.g. the map it used last).
struct handler_state
{
    virtual ~handler_state() = default;
    /// Drops the map kept from the last request (the next request takes the current one), so
    /// that a replaced map is given back without waiting for the connection's next request.
    virtual void forget_map() {}
};

/// Answers requests. Implementations must not block: they run on the I/O threads.
class request_handler
{
public:
    virtual ~request_handler() = default;

    /// Fresh state for a new connection (may return nullptr).
    [[nodiscard]] virtual std::unique_ptr<handler_state> new_state() = 0;

    /// Appends the answer to `request` to `out`. \return false to close the connection after it.
    virtual bool handle(request_fields const &request, peer const &from, handler_state *state, std::string &out) = 0;

    /// Appends the answer for a request that could not be parsed (status 400, 408, 413, 414,
    /// 431), with no body if the request was a HEAD; the connection closes afterwards. Counts it.
    virtual void reject(int status, request_fields const &request, peer const &from, std::string &out) = 0;
};

/// \return the status that answers a parse error from Beast.
[[nodiscard]] int status_for_parse_error(boost::beast::error_code const &ec) noexcept;

} // namespace forumgate::redirector
