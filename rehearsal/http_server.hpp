#pragma once
// The rehearsal forum's HTTP side: a small Beast server that hands each request to an API
// handler, with the faults a reliability test needs (latency, errors, timeouts, dropped
// connections). Loopback by default; many connections at once.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace forumgate::rehearsal {

/// A request as the API sees it: the parts of the HTTP request Discourse's routing and
/// authentication look at.
struct api_request
{
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string path;         ///< percent-encoded, without the query
    std::string query;        ///< without the '?'
    std::string api_key;      ///< Api-Key header
    std::string api_username; ///< Api-Username header
    std::string content_type;
    std::string body;
    std::string client; ///< the peer's address, for per-IP limits
    std::string host;   ///< Host header, else the address and port the request came in on
};

/// The answer.
struct api_response
{
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; ///< e.g. Retry-After, Location
};

/// Answers requests; called on the I/O threads, so it must be thread-safe and not block long.
using api_handler = std::function<api_response(api_request const &)>;

/// Faults injected into answers, each drawn per request from a generator seeded with `seed`.
struct fault_plan
{
    std::chrono::milliseconds latency{0}; ///< added before every answer
    double error_share = 0.0;             ///< answered 500 or 502 (alternately) instead
    double timeout_share = 0.0;           ///< never answered: the connection is held until `hang`
    double drop_share = 0.0;              ///< the connection is closed without an answer
    std::chrono::milliseconds hang{30'000};
    std::uint64_t seed = 1;

    [[nodiscard]] bool any() const noexcept
    {
        return latency.count() > 0 || error_share > 0 || timeout_share > 0 || drop_share > 0;
    }
};

/// Represents the listening server. Runs on the io_context it is given.
class http_server
{
public:
    /// Largest request body accepted (uploads); larger ones get 413.
    static constexpr std::uint64_t BODY_LIMIT = 64ULL << 20U;

    /// Opens the port. \throws std::runtime_error naming the address if it cannot listen.
    http_server(boost::asio::io_context &io, boost::asio::ip::tcp::endpoint const &endpoint, api_handler handler,
                fault_plan faults);
    ~http_server();
    http_server(http_server const &) = delete;
    http_server &operator=(http_server const &) = delete;

    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    /// Stops accepting; open connections finish their current request.
    void stop();

    /// Requests answered so far (for the benchmark and the stats line).
    [[nodiscard]] std::uint64_t requests() const noexcept;

    /// What the listener and its connections share (defined in http_server.cpp).
    struct state;

private:
    std::shared_ptr<state> m_state;
};

} // namespace forumgate::rehearsal
