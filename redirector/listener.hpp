#pragma once
// Who accepts: one open port (plain, TLS or admin) that starts a session for each connection.

#include "redirector/connection.hpp"
#include "redirector/connection_registry.hpp"

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace forumgate::redirector {

/// Parses `ADDR:PORT` (`[IPv6]:PORT`; `*` for every IPv4 address) as `--{setting}` gives it
/// (also `forumgate rehearsal-forum --listen`).
/// \throws argument_error naming the option and the text.
[[nodiscard]] boost::asio::ip::tcp::endpoint parse_endpoint(std::string const &text, std::string_view setting);

/// \return `endpoint` as `ADDR:PORT`, or `[IPv6]:PORT`.
[[nodiscard]] std::string endpoint_text(boost::asio::ip::tcp::endpoint const &endpoint);

/// Represents an open port: accepts connections and starts a session for each.
class listener : public std::enable_shared_from_this<listener>
{
public:
    /// Opens, binds and listens; its connections run on `io`, which one thread runs. `tls` (may
    /// be null: plain HTTP) points at the TLS context in use, which a reload may replace.
    /// `shared_port`: listeners of other threads take the same port (SO_REUSEPORT).
    /// \throws argument_error "cannot listen on ADDR:PORT: …".
    listener(boost::asio::io_context &io, boost::asio::ip::tcp::endpoint const &endpoint, request_handler &handler,
             connection_registry &registry, connection_limits const &limits,
             std::shared_ptr<boost::asio::ssl::context> const *tls, bool shared_port = false);

    /// Starts accepting.
    void run();
    /// Closes the port (on its thread); connections already accepted go on.
    void stop();

    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const { return m_acceptor.local_endpoint(); }

private:
    void do_accept();
    /// Bound to the io_context's own executor, as the sockets it accepts are (plain_socket).
    using acceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

    void on_accept(boost::beast::error_code ec, plain_socket::base accepted);

    acceptor m_acceptor;
    request_handler &m_handler;
    connection_registry &m_registry;
    connection_limits const &m_limits;
    std::shared_ptr<boost::asio::ssl::context> const *m_tls;
};

} // namespace forumgate::redirector
