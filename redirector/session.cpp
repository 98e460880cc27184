#include "redirector/session.hpp"

namespace forumgate::redirector {

int status_for_parse_error(beast::error_code const &ec) noexcept
{
    namespace http = beast::http;
    if (ec == http::error::header_limit) {
        return 431;
    }
    if (ec == http::error::body_limit) {
        return 413;
    }
    return 400;
}

template class session<beast::tcp_stream>;
template class session<beast::ssl_stream<beast::tcp_stream>>;

void start_plain_session(tcp::socket socket, request_handler &handler, connection_registry &registry,
                         connection_limits const &limits)
{
    auto s = std::make_shared<session<beast::tcp_stream>>(handler, registry, limits, false, std::move(socket));
    s->run();
}

void start_tls_session(tcp::socket socket, net::ssl::context &tls, request_handler &handler,
                       connection_registry &registry, connection_limits const &limits)
{
    auto s = std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(handler, registry, limits, true,
                                                                             std::move(socket), tls);
    s->run();
}

} // namespace forumgate::redirector
