#include "redirector/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>

namespace forumgate::redirector {

// ---------------------------------------------------------------------------------------------
// connection_registry

bool connection_registry::add(closable *connection)
{
    std::lock_guard const lock{m_mutex};
    if (m_draining.load(std::memory_order_relaxed) || m_connections.size() >= m_max) {
        return false;
    }
    m_connections.insert(connection);
    return true;
}

void connection_registry::remove(closable *connection)
{
    std::lock_guard const lock{m_mutex};
    m_connections.erase(connection);
}

void connection_registry::drain()
{
    std::lock_guard const lock{m_mutex};
    m_draining.store(true, std::memory_order_relaxed);
    for (closable *connection : m_connections) {
        connection->close_when_idle();
    }
}

std::size_t connection_registry::size() const
{
    std::lock_guard const lock{m_mutex};
    return m_connections.size();
}

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

namespace {

/// Represents one connection. Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <typename Stream>
class session : public closable, public std::enable_shared_from_this<session<Stream>>
{
public:
    template <typename... Args>
    session(request_handler &handler, connection_registry &registry, connection_limits const &limits, bool tls,
            Args &&...stream_args)
        : m_stream{std::forward<Args>(stream_args)...}, m_request_timer{m_stream.get_executor()},
          m_idle_timer{m_stream.get_executor()}, m_handler{handler},
          m_registry{registry}, m_limits{limits}, m_state{handler.new_state()}
    {
        m_peer.tls = tls;
        beast::error_code ec;
        auto const endpoint = beast::get_lowest_layer(m_stream).socket().remote_endpoint(ec);
        if (!ec) {
            m_peer.address = endpoint.address();
        }
        m_out.reserve(1024);
    }

    ~session() override
    {
        if (m_registered) {
            m_registry.remove(this);
        }
    }

    session(session const &) = delete;
    session &operator=(session const &) = delete;

    /// Registers and starts reading; refuses with 503 when the server is full or draining.
    void run(bool handshake)
    {
        if (!m_registry.add(this)) {
            refuse();
            return;
        }
        m_registered = true;
        if (handshake) {
            if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
                beast::get_lowest_layer(m_stream).expires_after(m_limits.request_timeout);
                m_stream.async_handshake(net::ssl::stream_base::server,
                                         beast::bind_front_handler(&session::on_handshake, this->shared_from_this()));
                return;
            }
        }
        net::dispatch(m_stream.get_executor(), beast::bind_front_handler(&session::do_read, this->shared_from_this()));
    }

    void close_when_idle() override
    {
        // Runs on any thread: hop onto the connection's strand. A connection being destroyed
        // has no owner left and needs nothing.
        if (auto self = this->weak_from_this().lock()) {
            net::post(m_stream.get_executor(), [self] {
                self->m_draining = true;
                if (self->m_reading && self->m_buffer.size() == 0 && !self->m_parser) {
                    beast::get_lowest_layer(self->m_stream).cancel();
                }
            });
        }
    }

private:
    void refuse()
    {
        // Best effort, without blocking: a full server says so and hangs up.
        static constexpr std::string_view BUSY =
            "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n";
        auto &socket = beast::get_lowest_layer(m_stream).socket();
        beast::error_code ec;
        socket.non_blocking(true, ec);
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            socket.write_some(net::buffer(BUSY.data(), BUSY.size()), ec);
        }
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
    }

    void on_handshake(beast::error_code ec)
    {
        if (ec) {
            return; // a failed handshake is the client's business: nothing to answer
        }
        do_read();
    }

    void do_read()
    {
        // Draining: a request already begun is finished; an idle connection is closed.
        if (m_close || (m_draining && m_buffer.size() == 0 && !m_parser)) {
            do_close();
            return;
        }
        // A request that has started must be complete by its deadline; between requests the
        // keep-alive timeout applies. The request deadline is kept by a timer of our own that
        // cancels the read: the stream's own expiry closes the socket, and then no 408 can be sent.
        auto &layer = beast::get_lowest_layer(m_stream);
        if (m_buffer.size() > 0 || m_parser) {
            layer.expires_never();
            if (!m_timer_armed) {
                m_timer_armed = true;
                m_request_timer.expires_at(m_request_deadline);
                m_request_timer.async_wait(
                    beast::bind_front_handler(&session::on_request_timeout, this->shared_from_this()));
            }
        } else {
            layer.expires_never();
            watch_idle(m_limits.keepalive_timeout);
        }
        m_reading = true;
        m_stream.async_read_some(m_buffer.prepare(READ_SIZE),
                                 beast::bind_front_handler(&session::on_read, this->shared_from_this()));
    }

    void on_request_timeout(beast::error_code ec)
    {
        if (ec || !m_timer_armed) {
            return; // cancelled: the request was complete in time, or the connection closed
        }
        m_timer_armed = false;
        if (m_reading) {
            m_timed_out = true;
            beast::get_lowest_layer(m_stream).cancel();
        } // else the next do_read() arms the timer again, already expired
    }

    void disarm_request_timer()
    {
        if (m_timer_armed) {
            m_timer_armed = false;
            m_request_timer.cancel();
        }
    }

    // The keep-alive and write deadlines, kept lazily: each read or write only moves
    // m_idle_deadline; the timer is armed once and, when it fires early, re-armed at the moved
    // deadline. A timer operation per read and per write (what the stream's own expiry does)
    // cost a measurable share of the CPU per request.
    void watch_idle(std::chrono::steady_clock::duration timeout)
    {
        m_idle_deadline = std::chrono::steady_clock::now() + timeout;
        if (!m_idle_armed) {
            m_idle_armed = true;
            m_idle_timer.expires_at(m_idle_deadline);
            m_idle_timer.async_wait(beast::bind_front_handler(&session::on_idle_timeout, this->shared_from_this()));
        }
    }

    void on_idle_timeout(beast::error_code ec)
    {
        m_idle_armed = false;
        if (ec || m_closed) {
            return; // cancelled: the connection closed
        }
        if (std::chrono::steady_clock::now() < m_idle_deadline) {
            m_idle_armed = true;
            m_idle_timer.expires_at(m_idle_deadline);
            m_idle_timer.async_wait(beast::bind_front_handler(&session::on_idle_timeout, this->shared_from_this()));
            return;
        }
        // Idle between requests, or stuck writing: close. (A request begun has its own timer.)
        bool const idle = m_reading && m_buffer.size() == 0 && !m_parser;
        if (idle || m_writing) {
            beast::get_lowest_layer(m_stream).cancel();
        }
    }

    void on_read(beast::error_code ec, std::size_t bytes)
    {
        m_reading = false;
        bool const timed_out = std::exchange(m_timed_out, false);
        if (ec) {
            if ((timed_out || ec == beast::error::timeout) && (m_buffer.size() > 0 || m_parser)) {
                m_handler.reject(408, m_fields, m_out); // a slow client mid-request
                m_close = true;
                do_write();
                return;
            }
            do_close(); // end of stream, reset, idle timeout, cancelled for shutdown
            return;
        }
        if (m_buffer.size() == 0 && !m_parser) {
            m_request_deadline = std::chrono::steady_clock::now() + m_limits.request_timeout;
        }
        m_buffer.commit(bytes);
        process();
    }

    // Parses every complete request in the buffer and answers each, then writes the batch.
    void process()
    {
        std::size_t answered = 0;
        while (!m_close && answered < m_limits.pipeline_limit && m_buffer.size() > 0) {
            if (!m_parser) {
                m_parser.emplace(m_fields, m_limits.header_limit);
                m_request_deadline = std::chrono::steady_clock::now() + m_limits.request_timeout;
            }
            beast::error_code ec;
            while (!m_parser->is_done() && m_buffer.size() > 0) {
                std::size_t const used = m_parser->put(m_buffer.data(), ec);
                m_buffer.consume(used);
                if (ec) {
                    break;
                }
            }
            if (ec == beast::http::error::need_more || (!ec && !m_parser->is_done())) {
                break; // wait for the rest of this request
            }
            if (ec) {
                int status = status_for_parse_error(ec);
                if (ec == beast::http::error::header_limit && m_parser->got_some() && m_fields.target.empty() &&
                    m_buffer.size() > 0 && m_fields.method == beast::http::verb::unknown) {
                    status = 414; // the request line alone was too long
                }
                m_handler.reject(status, m_fields, m_out);
                m_close = true;
                break;
            }
            if (m_fields.target.size() > m_limits.target_limit) {
                m_handler.reject(414, m_fields, m_out);
                m_close = true;
                break;
            }
            bool const keep_alive = m_parser->keep_alive() && !m_draining && !m_registry.draining();
            m_fields.keep_alive = keep_alive;
            m_parser.reset();
            disarm_request_timer();
            if (!m_handler.handle(m_fields, m_peer, m_state.get(), m_out) || !keep_alive) {
                m_close = true;
            }
            ++answered;
        }
        if (!m_out.empty()) {
            do_write();
        } else {
            do_read();
        }
    }

    void do_write()
    {
        beast::get_lowest_layer(m_stream).expires_never();
        watch_idle(m_limits.request_timeout); // a client that reads no answers is cut off
        m_writing = true;
        net::async_write(m_stream, net::buffer(m_out),
                         beast::bind_front_handler(&session::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        m_writing = false;
        m_out.clear();
        if (ec) {
            do_close();
            return;
        }
        if (m_close) {
            do_close();
            return;
        }
        process(); // more pipelined requests may be waiting in the buffer
    }

    void do_close()
    {
        disarm_request_timer();
        m_closed = true;
        if (m_idle_armed) {
            m_idle_timer.cancel();
        }
        auto &layer = beast::get_lowest_layer(m_stream);
        beast::error_code ec;
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            layer.socket().shutdown(tcp::socket::shutdown_send, ec);
        } else {
            // Skip the TLS close_notify round trip: the connection is done either way.
            layer.socket().shutdown(tcp::socket::shutdown_send, ec);
        }
        layer.close();
    }

    /// Bytes asked of the socket per read: a typical request head fits many times over.
    static constexpr std::size_t READ_SIZE = 16 * 1024;

    Stream m_stream;
    net::steady_timer m_request_timer; ///< the deadline of a request begun (408)
    net::steady_timer m_idle_timer;    ///< keep-alive and write deadlines, see watch_idle()
    std::chrono::steady_clock::time_point m_idle_deadline{};
    beast::flat_buffer m_buffer;
    request_fields m_fields;
    std::optional<request_head> m_parser;
    std::string m_out;
    request_handler &m_handler;
    connection_registry &m_registry;
    connection_limits const &m_limits;
    std::unique_ptr<handler_state> m_state;
    peer m_peer;
    std::chrono::steady_clock::time_point m_request_deadline{};
    bool m_close = false;    ///< close once the answers written so far are sent
    bool m_draining = false; ///< the server is stopping: finish the request begun, then close
    bool m_reading = false;
    bool m_registered = false;
    bool m_timer_armed = false; ///< m_request_timer waits for the current request's deadline
    bool m_timed_out = false;   ///< the read was cancelled because the deadline passed
    bool m_idle_armed = false;  ///< m_idle_timer waits
    bool m_writing = false;
    bool m_closed = false;
};

} // namespace

void start_plain_session(tcp::socket socket, request_handler &handler, connection_registry &registry,
                         connection_limits const &limits)
{
    auto s = std::make_shared<session<beast::tcp_stream>>(handler, registry, limits, false, std::move(socket));
    s->run(false);
}

void start_tls_session(tcp::socket socket, net::ssl::context &tls, request_handler &handler,
                       connection_registry &registry, connection_limits const &limits)
{
    auto s = std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(handler, registry, limits, true,
                                                                             std::move(socket), tls);
    s->run(true);
}

} // namespace forumgate::redirector
