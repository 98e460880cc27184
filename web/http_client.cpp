// Blocking HTTP/1.1 over Asio's asynchronous operations: each step starts one operation and
// runs the client's own io_context until it completes, with the stream's deadline set, so a
// silent server costs at most the timeout.

#include "web/http_client.hpp"

#include "base/enum_names.hpp"
#include "base/url_codec.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <optional>

namespace forumgate::web {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::optional<std::string> http_response::header(std::string_view name) const
{
    for (auto const &[key, value] : headers) {
        if (base::iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

namespace {

std::string describe(beast::error_code const &ec)
{
    if (ec == beast::error::timeout) {
        return "timed out";
    }
    return ec.message();
}

/// The steps of opening a connection, as a failure names them.
enum class connect_step : std::uint8_t
{
    resolving,
    connecting,
    handshake,
};

constexpr std::array<std::string_view, 3> CONNECT_STEP_NAMES{"resolving", "connecting", "TLS handshake"};

/// \return what to do about a failure of `step` that retrying cannot mend; nullopt when a retry
/// may pass. A refused connection is lasting only while the forum never answered this client:
/// later it is a restart, which a retry outlasts.
std::optional<std::string> lasting_failure(site_url const &site, connect_step step, beast::error_code const &ec,
                                           bool answered_before)
{
    std::string const where = site.host + ":" + std::to_string(site.port);
    if (step == connect_step::resolving && ec == net::error::host_not_found) {
        return "no such host name: check the address";
    }
    if (step == connect_step::connecting && ec == net::error::connection_refused && !answered_before) {
        return "nothing listens on " + where + ": check the address and port, and that the forum is running";
    }
    if (step == connect_step::handshake && ec.category() == net::error::get_ssl_category()) {
        auto const reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
        if (reason == SSL_R_WRONG_VERSION_NUMBER) {
            return "the server on " + where + " does not speak TLS: if it serves plain HTTP, use http://" + where +
                   site.prefix;
        }
        if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
            return "the certificate of " + site.host +
                   " is not trusted here: give the authority that signed it with --ca-file FILE (a private CA), "
                   "or fix the server's certificate chain";
        }
    }
    return std::nullopt;
}

/// The request as sent: the site's host and prefix, our user agent, the caller's headers.
http::request<http::string_body> build_message(site_url const &site, std::string const &user_agent,
                                               http_request const &request)
{
    http::request<http::string_body> message{request.method, site.target(request.target), 11};
    message.set(http::field::host, site.host_header());
    message.set(http::field::user_agent, user_agent);
    message.set(http::field::accept, "application/json, */*;q=0.5");
    for (auto const &[name, value] : request.headers) {
        message.set(name, value);
    }
    if (!request.content_type.empty()) {
        message.set(http::field::content_type, request.content_type);
    }
    if (!request.body.empty() || request.method == http::verb::post || request.method == http::verb::put) {
        message.body() = request.body;
        message.prepare_payload();
    }
    return message;
}

} // namespace

/// Represents the kept-alive connection to the forum (plain or TLS) and its read buffer.
struct http_client::connection
{
    net::io_context io;
    std::optional<net::ssl::context> tls_context;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    bool open = false;
    bool answered_before = false; ///< a connection was ever made: a refusal now is a restart

    beast::tcp_stream &lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

    /// Runs the io_context until the operation started before the call completes.
    beast::error_code wait(beast::error_code const &result)
    {
        io.restart();
        io.run();
        return result;
    }

    void close()
    {
        if (open) {
            beast::error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
            lowest().close();
        }
        plain.reset();
        secure.reset();
        buffer.clear();
        open = false;
    }

    /// Closes the connection. \return the error to throw for `step` of the exchange with `url`.
    transport_error failure(std::string const &url, std::string const &step, beast::error_code const &ec)
    {
        close();
        return transport_error{url + ": " + step + ": " + describe(ec)};
    }

    /// As failure(), for a step of connecting (`detail` follows its name): not retryable, with
    /// what to do, when a retry cannot mend it.
    transport_error connect_failure(site_url const &site, std::string const &url, connect_step step,
                                    beast::error_code const &ec, std::string_view detail = {})
    {
        close();
        std::string message = url + ": ";
        message.append(base::enum_name(CONNECT_STEP_NAMES, step, "connecting"))
            .append(detail)
            .append(": ")
            .append(describe(ec));
        auto const lasting = lasting_failure(site, step, ec, answered_before);
        if (lasting) {
            message.append("; ").append(*lasting);
        }
        return transport_error{message, !lasting};
    }

    /// Resolves and connects (and shakes hands) within `connect_timeout`. \throws transport_error.
    void connect(site_url const &site, std::chrono::milliseconds connect_timeout, std::string const &url)
    {
        beast::error_code ec;
        tcp::resolver resolver{io};
        tcp::resolver::results_type endpoints;
        resolver.async_resolve(site.host, std::to_string(site.port),
                               [&](beast::error_code const &e, tcp::resolver::results_type found) {
                                   ec = e;
                                   endpoints = std::move(found);
                               });
        if (wait(ec); ec) {
            throw connect_failure(site, url, connect_step::resolving, ec, " " + site.host);
        }
        if (site.tls) {
            secure.emplace(io, *tls_context);
            if (SSL_set_tlsext_host_name(secure->native_handle(), site.host.c_str()) != 1) {
                throw failure(url, "setting the TLS server name",
                              beast::error_code{static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()});
            }
            secure->set_verify_callback(net::ssl::host_name_verification{site.host});
        } else {
            plain.emplace(io);
        }
        lowest().expires_after(connect_timeout);
        lowest().async_connect(endpoints, [&](beast::error_code const &e, tcp::endpoint const &) { ec = e; });
        if (wait(ec); ec) {
            throw connect_failure(site, url, connect_step::connecting, ec);
        }
        if (site.tls) {
            secure->async_handshake(net::ssl::stream_base::client, [&](beast::error_code const &e) { ec = e; });
            if (wait(ec); ec) {
                long const verified = SSL_get_verify_result(secure->native_handle());
                throw connect_failure(site, url, connect_step::handshake, ec,
                                      verified == X509_V_OK
                                          ? std::string{}
                                          : std::string{" ("} + X509_verify_cert_error_string(verified) + ")");
            }
        }
        open = true;
        answered_before = true;
    }

    /// Writes `message` and reads the answer into `parser`, both within `timeout`.
    /// \return the first error, if any.
    beast::error_code exchange(http::request<http::string_body> &message,
                               http::response_parser<http::string_body> &parser, std::chrono::milliseconds timeout)
    {
        beast::error_code ec;
        lowest().expires_after(timeout);
        auto on_write = [&](beast::error_code const &e, std::size_t) { ec = e; };
        if (secure) {
            http::async_write(*secure, message, on_write);
        } else {
            http::async_write(*plain, message, on_write);
        }
        wait(ec);
        if (!ec) {
            auto on_read = [&](beast::error_code const &e, std::size_t) { ec = e; };
            if (secure) {
                http::async_read(*secure, buffer, parser, on_read);
            } else {
                http::async_read(*plain, buffer, parser, on_read);
            }
            wait(ec);
        }
        return ec;
    }
};

http_client::http_client(site_url site, options settings)
    : m_site(std::move(site)), m_options(std::move(settings)), m_connection(std::make_unique<connection>())
{
    if (m_site.tls) {
        auto &context = m_connection->tls_context.emplace(net::ssl::context::tls_client);
        context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                            net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
        beast::error_code ec;
        if (m_options.ca_file.empty()) {
            context.set_default_verify_paths(ec);
        } else {
            context.load_verify_file(m_options.ca_file, ec);
        }
        if (ec) {
            throw transport_error{"loading certificate authorities" +
                                  (m_options.ca_file.empty() ? std::string{} : " from " + m_options.ca_file) + ": " +
                                  ec.message()};
        }
        context.set_verify_mode(net::ssl::verify_peer);
    }
}

http_client::~http_client()
{
    m_connection->close();
}

http_response http_client::send(http_request const &request)
{
    auto &c = *m_connection;
    std::string const url = m_site.url(request.target);
    auto message = build_message(m_site, m_options.user_agent, request);
    for (int attempt = 0;; ++attempt) {
        bool const reused = c.open;
        if (!c.open) {
            c.connect(m_site, m_options.connect_timeout, url);
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(m_options.body_limit);
        if (auto const ec = c.exchange(message, parser, m_options.timeout); ec) {
            // A reused connection the server had closed while idle: nothing of the answer
            // arrived, so the request was not handled. Open a new one and send it again.
            bool const stale = reused && attempt == 0 && !parser.got_some() &&
                               (ec == http::error::end_of_stream || ec == net::error::connection_reset ||
                                ec == net::error::broken_pipe || ec == net::error::eof);
            if (stale) {
                c.close();
                continue;
            }
            throw c.failure(url, parser.got_some() ? "reading the answer" : "sending the request", ec);
        }
        auto &answer = parser.get();
        http_response out;
        out.status = static_cast<int>(answer.result_int());
        for (auto const &field : answer) {
            out.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
        }
        out.body = std::move(answer.body());
        if (!answer.keep_alive()) {
            c.close();
        }
        return out;
    }
}

} // namespace forumgate::web
