#pragma once
// Opening a listening TCP socket: the steps the redirector's listener and the rehearsal forum's
// HTTP server both take before they accept connections.

#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>
#include <sys/socket.h>

namespace forumgate::base {

/// Opens `acceptor` for `endpoint`'s protocol, allows address reuse, binds it to `endpoint` and
/// listens with the system's largest backlog, stopping at the first step that fails. With
/// `shared_port`, other sockets of this user may listen on the same port (SO_REUSEPORT): the
/// kernel then spreads new connections over them, one socket per thread.
/// \return that step's error, or success.
template <typename Acceptor>
[[nodiscard]] boost::system::error_code
open_listening(Acceptor &acceptor, typename Acceptor::endpoint_type const &endpoint, bool shared_port = false)
{
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
    }
    if (!ec && shared_port) {
        acceptor.set_option(boost::asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
    }
    if (!ec) {
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
    }
    return ec;
}

} // namespace forumgate::base
