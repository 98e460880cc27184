#include "redirector/listener.hpp"

#include "base/error.hpp"
#include "base/listen.hpp"
#include "redirector/session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>

namespace forumgate::redirector {

tcp::endpoint parse_endpoint(std::string const &text, std::string_view setting)
{
    std::string host;
    std::string port;
    if (text.starts_with("[")) {
        auto const close = text.find("]:");
        if (close == std::string::npos) {
            throw argument_error{fmt::format("--{} {}: expected [IPv6]:PORT", setting, text)};
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto const colon = text.rfind(':');
        if (colon == std::string::npos) {
            throw argument_error{fmt::format("--{} {}: expected ADDR:PORT", setting, text)};
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    boost::system::error_code ec;
    auto const address = net::ip::make_address(host == "*" ? "0.0.0.0" : host, ec);
    unsigned short number = 0;
    auto const parsed = std::from_chars(port.data(), port.data() + port.size(), number);
    if (parsed.ec != std::errc{} || parsed.ptr != port.data() + port.size()) {
        throw argument_error{fmt::format("--{} {}: the port is not a number from 0 to 65535", setting, text)};
    }
    if (ec) {
        throw argument_error{fmt::format(
            "--{} {}: needs an IP address, not a host name: 127.0.0.1:{} (this machine only), 0.0.0.0:{} (every "
            "IPv4 interface) or [::]:{} (every interface)",
            setting, text, port, port, port)};
    }
    return {address, number};
}

std::string endpoint_text(tcp::endpoint const &endpoint)
{
    return endpoint.address().is_v6() ? fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port())
                                      : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

listener::listener(net::io_context &io, tcp::endpoint const &endpoint, request_handler &handler,
                   connection_registry &registry, connection_limits const &limits,
                   std::shared_ptr<net::ssl::context> const *tls, bool shared_port)
    : m_acceptor{io.get_executor()}, m_handler{handler}, m_registry{registry}, m_limits{limits}, m_tls{tls}
{
    if (auto const ec = base::open_listening(m_acceptor, endpoint, shared_port)) {
        throw argument_error{fmt::format("cannot listen on {}: {}", endpoint_text(endpoint), ec.message())};
    }
}

void listener::run()
{
    do_accept();
}

void listener::stop()
{
    net::post(m_acceptor.get_executor(), [self = shared_from_this()] {
        beast::error_code ec;
        self->m_acceptor.close(ec);
    });
}

void listener::do_accept()
{
    // One thread runs this listener's io_context: its connections need no strand.
    m_acceptor.async_accept(beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, plain_socket::base accepted)
{
    if (ec == net::error::operation_aborted || !m_acceptor.is_open()) {
        return; // stopped
    }
    if (!ec) {
        accepted.set_option(tcp::no_delay(true), ec);
        if (m_tls != nullptr) {
            std::shared_ptr<net::ssl::context> const tls = std::atomic_load(m_tls);
            start_tls_session(plain_socket{std::move(accepted)}, *tls, m_handler, m_registry, m_limits);
        } else {
            start_plain_session(plain_socket{std::move(accepted)}, m_handler, m_registry, m_limits);
        }
    } else if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {
        // Out of file descriptors: wait a little rather than spin.
        spdlog::warn("accept: {}", ec.message());
        auto timer = std::make_shared<net::steady_timer>(m_acceptor.get_executor(), std::chrono::milliseconds{100});
        timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->do_accept(); });
        return;
    }
    do_accept();
}

} // namespace forumgate::redirector
