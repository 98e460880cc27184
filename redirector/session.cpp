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

template class session<plain_socket>;
template class session<tls_socket>;

void start_plain_session(plain_socket socket, request_handler &handler, connection_registry &registry,
                         connection_limits const &limits)
{
    auto s = std::make_shared<session<plain_socket>>(handler, registry, limits, false, std::move(socket));
    s->run();
}

void start_tls_session(plain_socket socket, net::ssl::context &tls, request_handler &handler,
                       connection_registry &registry, connection_limits const &limits)
{
    auto s = std::make_shared<session<tls_socket>>(handler, registry, limits, true, std::move(socket), tls);
    s->run();
}

} // namespace forumgate::redirector
