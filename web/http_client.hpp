#pragma once
// An HTTP/1.1 client for one forum: one kept-alive connection (plain or TLS), every step
// bounded by a timeout. Blocking calls over Asio's asynchronous operations, so that timeouts
// hold (Beast's synchronous calls have none). One client per worker thread; not thread-safe.

#include "web/site_url.hpp"

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::web {

/// A request to the forum. `target` is the path and query from the forum's root (the client
/// adds the site's prefix).
struct http_request
{
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target;
    std::string body{};
    std::string content_type{};
    std::vector<std::pair<std::string, std::string>> headers{}; ///< e.g. Api-Key, Api-Username
};

/// The answer, whatever its status.
struct http_response
{
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    /// \return the first header `name` (any case), or nullopt.
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// The exchange failed below HTTP: no connection, a timeout, a connection dropped before the
/// whole answer arrived, a TLS failure, an answer that is not HTTP. The message names the URL.
/// Not retryable when trying again cannot mend it (a host name that does not exist, nothing
/// listening where the forum never answered, TLS spoken to a plain HTTP port, a certificate not
/// trusted here); then the message ends with what to do.
class transport_error : public std::runtime_error
{
public:
    explicit transport_error(std::string const &message, bool retryable = true)
        : std::runtime_error(message), m_retryable(retryable)
    {}
    [[nodiscard]] bool retryable() const noexcept { return m_retryable; }

private:
    bool m_retryable;
};

/// Represents a connection to one forum, opened on first use and reopened when the server
/// closes it.
class http_client
{
public:
    struct options
    {
        std::chrono::milliseconds connect_timeout{std::chrono::seconds{10}};
        /// For one whole exchange (write the request, read the whole answer).
        std::chrono::milliseconds timeout{std::chrono::seconds{60}};
        /// PEM file of certificate authorities to trust instead of the system's (TLS only).
        std::string ca_file{};
        std::string user_agent = "forumgate";
        /// Largest body accepted; uploads can be large, JSON pages are small.
        std::uint64_t body_limit = 256ULL << 20U;
    };

    explicit http_client(site_url site, options settings);
    ~http_client();
    http_client(http_client const &) = delete;
    http_client &operator=(http_client const &) = delete;

    /// Sends `request` and reads the answer. A kept-alive connection that the server closed
    /// while idle is reopened and the request sent again once.
    /// \throws transport_error naming the URL and what failed.
    [[nodiscard]] http_response send(http_request const &request);

    [[nodiscard]] site_url const &site() const noexcept { return m_site; }

    struct connection;

private:
    site_url m_site;
    options m_options;
    std::unique_ptr<connection> m_connection;
};

} // namespace forumgate::web
