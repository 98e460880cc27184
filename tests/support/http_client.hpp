#pragma once
// A raw HTTP/1.1 client for tests over loopback: sends exactly the bytes it is given, reads
// responses by Content-Length, checks every header line, and tells when the server hung up.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::testing {

/// Represents one response as received.
struct http_response
{
    std::string version; ///< "HTTP/1.1" or "HTTP/1.0"
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string head; ///< status line and headers, byte for byte, up to the blank line

    /// Empty if the head is well formed: CRLF line ends only, every header line `Name: value`
    /// with a token name and a value of visible ASCII and spaces. Otherwise what is wrong.
    std::string problem;

    /// \return the value of the first header `name` (any case), or nullopt.
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
    /// \return how many headers are named `name` (any case).
    [[nodiscard]] std::size_t count(std::string_view name) const;
};

/// Represents a TCP connection to 127.0.0.1:port. Every wait is bounded by `timeout`.
class http_client
{
public:
    /// Connects. \throws std::runtime_error if it cannot.
    explicit http_client(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds{5});
    ~http_client();
    http_client(http_client const &) = delete;
    http_client &operator=(http_client const &) = delete;

    /// \return true if a connection to 127.0.0.1:port is accepted by the kernel (closes it again).
    [[nodiscard]] static bool can_connect(std::uint16_t port);

    /// Sends all of `bytes`. \return false if the connection failed (reset, closed).
    bool send(std::string_view bytes);

    /// Reads one response. `to_head` says it answers a HEAD request (no body, whatever
    /// Content-Length says). \return nullopt if the connection closed or the timeout passed
    /// before a whole response arrived (see received() for what did).
    [[nodiscard]] std::optional<http_response> read_response(bool to_head = false);

    /// \return true if the server closes the connection (end of stream or reset) within
    /// `wait`, with no more bytes before that (bytes are kept in received()).
    [[nodiscard]] bool closed_by_peer(std::chrono::milliseconds wait);

    /// \return true if bytes are waiting to be read (or the connection ended) within `wait`.
    [[nodiscard]] bool readable(std::chrono::milliseconds wait) const;

    /// Bytes received and not yet taken by read_response().
    [[nodiscard]] std::string const &received() const noexcept { return m_buffer; }

    /// Half-closes: sends end of stream, keeps reading.
    void shutdown_send();

    [[nodiscard]] int fd() const noexcept { return m_fd; }

private:
    /// Reads more into m_buffer. \return false at end of stream, error or timeout.
    bool fill(std::chrono::steady_clock::time_point deadline);

    int m_fd = -1;
    std::chrono::milliseconds m_timeout;
    std::string m_buffer;
    bool m_eof = false;
};

/// \return a port of 127.0.0.1 that nothing listens on: chosen by the kernel, bound and closed
/// again (free until something else takes it). \throws std::runtime_error if none can be had.
[[nodiscard]] std::uint16_t unused_loopback_port();

/// Sends one `GET target` (or HEAD, or any `method`) with `Host: host` on a new connection and
/// reads the answer. \return nullopt if no whole answer came.
[[nodiscard]] std::optional<http_response> http_request(std::uint16_t port, std::string_view target,
                                                        std::string_view host, std::string_view method = "GET");

} // namespace forumgate::testing
