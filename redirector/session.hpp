#pragma once
// Represents an established HTTP connection, plain or TLS (Beast's async session loop:
// do_read → on_read → do_write → on_write).

#include "redirector/connection.hpp"
#include "redirector/connection_registry.hpp"

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace forumgate::redirector {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

/// TLS over a plain_socket (connection.hpp).
using tls_socket = beast::ssl_stream<plain_socket>;

/// What a session does to its stream besides reading and writing: one specialisation per kind
/// of stream (plain TCP and TLS here; the tests add Beast's test stream).
template <typename Stream>
struct stream_control;

/// Plain HTTP over TCP.
template <>
struct stream_control<plain_socket>
{
    static constexpr bool HANDSHAKE = false;

    /// Waits until bytes can be read, without a buffer: a connection that has sent nothing holds
    /// no read buffer.
    template <typename Handler>
    static void wait_readable(plain_socket &socket, Handler &&handler)
    {
        socket.async_wait(tcp::socket::wait_read, std::forward<Handler>(handler));
    }
    /// Sends what the socket takes now, without waiting. \return the bytes sent; `ec` set on
    /// an error other than a full socket.
    static std::size_t send_at_once(plain_socket &socket, std::string_view bytes, beast::error_code &ec)
    {
        ssize_t const sent = ::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent >= 0) {
            return static_cast<std::size_t>(sent);
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            ec.assign(errno, beast::system_category());
        }
        return 0;
    }
    static net::ip::address remote_address(plain_socket &socket)
    {
        beast::error_code ec;
        auto const endpoint = socket.remote_endpoint(ec);
        return ec ? net::ip::address{} : endpoint.address();
    }
    /// Makes the pending operation end with an error, leaving the connection open for an answer.
    static void cancel(plain_socket &socket)
    {
        beast::error_code ec;
        socket.cancel(ec);
    }
    static void close(plain_socket &socket)
    {
        beast::error_code ec;
        socket.shutdown(tcp::socket::shutdown_send, ec);
        socket.close(ec);
    }
    /// Best effort, without blocking: a full server says so and hangs up.
    static void refuse(plain_socket &socket, std::string_view busy)
    {
        beast::error_code ec;
        socket.non_blocking(true, ec);
        socket.write_some(net::buffer(busy.data(), busy.size()), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
    }
};

/// HTTPS: TLS over TCP.
template <>
struct stream_control<tls_socket>
{
    static constexpr bool HANDSHAKE = true;

    static net::ip::address remote_address(tls_socket &s)
    {
        return stream_control<plain_socket>::remote_address(s.next_layer());
    }
    static void cancel(tls_socket &s) { stream_control<plain_socket>::cancel(s.next_layer()); }
    /// Skips the TLS close_notify round trip: the connection is done either way.
    static void close(tls_socket &s) { stream_control<plain_socket>::close(s.next_layer()); }
    /// No 503 in clear text on a TLS port: only the hang-up.
    static void refuse(tls_socket &s, std::string_view)
    {
        auto &socket = s.next_layer();
        beast::error_code ec;
        socket.non_blocking(true, ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
    }
};

/// True if stream_control<Stream> can wait for bytes to read without a buffer (plain TCP).
template <typename Control, typename Stream>
concept waits_readable = requires(Stream &stream)
{
    Control::wait_readable(stream, [](beast::error_code) {});
};

/// True if stream_control<Control, Stream> can send bytes at once, without an operation (plain TCP).
template <typename Control, typename Stream>
concept sends_at_once = requires(Stream &stream, beast::error_code &ec)
{
    {
        Control::send_at_once(stream, std::string_view{}, ec)
        } -> std::same_as<std::size_t>;
};

/// Represents one connection. Stream is plain_socket or tls_socket (or, in the tests,
/// beast::test::stream), with a stream_control<Stream>.
template <typename Stream>
class session : public closable, public std::enable_shared_from_this<session<Stream>>
{
public:
    /// Where the connection is in its read → answer → write loop.
    enum class phase : std::uint8_t
    {
        opening,   ///< accepted: the TLS handshake, or the first read not yet begun
        refused,   ///< the server was full or draining: never registered, closed at once
        reading,   ///< a read is pending
        answering, ///< parsing what was read and appending the answers
        writing,   ///< answers being sent; more requests may follow on the connection
        finishing, ///< the last answers being sent; the connection closes after them
        closed,    ///< the socket is closed
    };

    /// Where the deadline of a request begun stands (m_request_timer).
    enum class deadline : std::uint8_t
    {
        off,    ///< no request begun, or the timer cancelled
        armed,  ///< the timer waits for the current request's deadline
        passed, ///< the deadline passed during a read, which was cancelled: answer 408
    };

    template <typename... Args>
    session(request_handler &handler, connection_registry &registry, connection_limits const &limits, bool tls,
            Args &&...stream_args)
        : m_stream{std::forward<Args>(stream_args)...}, m_request_timer{m_stream.get_executor()},
          m_idle_timer{m_stream.get_executor()}, m_handler{handler},
          m_registry{registry}, m_limits{limits}, m_state{handler.new_state()}
    {
        m_peer.tls = tls;
        m_peer.address = control::remote_address(m_stream);
    }

    ~session() override
    {
        if (m_phase != phase::refused) {
            m_registry.remove(this);
        }
    }

    session(session const &) = delete;
    session &operator=(session const &) = delete;

    /// Registers and starts reading (after the TLS handshake); refuses with 503 when the server
    /// is full or draining.
    void run()
    {
        this->mark_idle(coarse_now()); // may be closed to make room until it speaks
        if (!m_registry.add(this)) {
            m_phase = phase::refused;
            control::refuse(m_stream, BUSY);
            return;
        }
        if constexpr (control::HANDSHAKE) {
            // The handshake has the time of a request (on_idle_timeout cancels it).
            watch_idle(coarse_now(), m_limits.request_timeout);
            m_stream.async_handshake(net::ssl::stream_base::server,
                                     beast::bind_front_handler(&session::on_handshake, this->shared_from_this()));
        } else {
            net::dispatch(m_stream.get_executor(),
                          beast::bind_front_handler(&session::do_read, this->shared_from_this()));
        }
    }

    void close_when_idle() override
    {
        // Used by a drain, and to make room in a full server.
        on_own_thread([](session &self) {
            self.m_draining = true;
            if (self.idle_reading() || self.m_phase == phase::opening) { // waiting, or in the handshake
                control::cancel(self.m_stream);
            }
        });
    }

    void forget_map() override
    {
        // The handler's state is used only within handle(), never across an operation, so it can
        // drop its map between any two handlers.
        on_own_thread([](session &self) {
            if (self.m_state) {
                self.m_state->forget_map();
            }
        });
    }

private:
    using control = stream_control<Stream>;

    /// Runs `work(*this)` on the connection's own thread; called from any thread (the registry's,
    /// under its lock). A connection being destroyed has no owner left and needs nothing. The
    /// reference is moved into the handler, never dropped here: if the connection's thread had
    /// already run the handler and let go, dropping the last reference here would destroy the
    /// connection, whose destructor takes the registry's lock (a drain hung so with one
    /// io_context per thread).
    template <typename Work>
    void on_own_thread(Work work)
    {
        if (auto self = this->weak_from_this().lock()) {
            auto const executor = m_stream.get_executor();
            net::post(executor, [self = std::move(self), work = std::move(work)] { work(*self); });
        }
    }

    static constexpr std::string_view BUSY =
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n";

    /// Bytes asked of the socket per read while a request is incomplete.
    static constexpr std::size_t READ_SIZE = 16 * 1024;
    /// Bytes asked of the socket for a new request: a typical request head fits. Between requests
    /// a buffer grown past IDLE_BUFFER_LIMIT goes back to the heap, and so does an answer buffer
    /// past OUT_BUFFER_LIMIT: an idle connection holds a few KiB, whatever it sent before.
    static constexpr std::size_t FIRST_READ_SIZE = 2 * 1024;
    static constexpr std::size_t IDLE_BUFFER_LIMIT = 4 * 1024;
    static constexpr std::size_t OUT_BUFFER_LIMIT = 16 * 1024;

    /// \return true if a request has begun: some of it is buffered or parsed.
    [[nodiscard]] bool request_begun() const noexcept { return m_buffer.size() > 0 || m_parser.has_value(); }
    /// \return true if waiting between requests.
    [[nodiscard]] bool idle_reading() const noexcept { return m_phase == phase::reading && !request_begun(); }

    void on_handshake(beast::error_code ec)
    {
        if (ec) {
            do_close(); // a failed handshake is the client's business: nothing to answer
            return;
        }
        do_read();
    }

    void do_read()
    {
        // Draining: a request already begun is finished; an idle connection is closed.
        if (m_draining && !request_begun()) {
            do_close();
            return;
        }
        // A request that has started must be complete by its deadline; between requests the
        // keep-alive timeout applies. The request deadline is kept by a timer that cancels the
        // read and leaves the socket open for the 408.
        if (request_begun()) {
            if (m_deadline != deadline::armed) {
                m_deadline = deadline::armed;
                m_request_timer.expires_at(m_request_deadline);
                m_request_timer.async_wait(
                    beast::bind_front_handler(&session::on_request_timeout, this->shared_from_this()));
            }
        } else {
            // Waiting for a request: the first one must begin within the first-byte timeout.
            auto const now = coarse_now();
            watch_idle(now, m_heard ? m_limits.keepalive_timeout : m_limits.first_byte_timeout);
            this->mark_idle(now);
            if (m_buffer.capacity() > IDLE_BUFFER_LIMIT) {
                m_buffer.shrink_to_fit(); // empty: frees it
            }
        }
        m_phase = phase::reading;
        if constexpr (waits_readable<control, Stream>) {
            if (m_buffer.capacity() == 0) {
                control::wait_readable(m_stream,
                                       beast::bind_front_handler(&session::on_readable, this->shared_from_this()));
                return;
            }
        }
        start_read();
    }

    void on_readable(beast::error_code ec)
    {
        if (ec) {
            on_read(ec, 0);
            return;
        }
        start_read();
    }

    void start_read()
    {
        // Into all the room the buffer has, and at least enough for a request's head.
        std::size_t const room = m_buffer.capacity() - m_buffer.size();
        m_stream.async_read_some(m_buffer.prepare(std::max(room, request_begun() ? READ_SIZE : FIRST_READ_SIZE)),
                                 beast::bind_front_handler(&session::on_read, this->shared_from_this()));
    }

    void on_request_timeout(beast::error_code ec)
    {
        if (ec || m_deadline != deadline::armed) {
            return; // cancelled: the request was complete in time, or the connection closed
        }
        if (m_phase == phase::reading) {
            m_deadline = deadline::passed;
            control::cancel(m_stream);
        } else {
            m_deadline = deadline::off; // the next do_read() arms the timer again, already expired
        }
    }

    void disarm_request_timer()
    {
        if (m_deadline == deadline::armed) {
            m_deadline = deadline::off;
            m_request_timer.cancel();
        }
    }

    // The keep-alive and write deadlines, kept lazily: each read or write only moves
    // m_idle_deadline; the timer is armed once and, when it fires early, re-armed at the moved
    // deadline. A timer operation per read and per write (what the stream's own expiry does)
    // cost a measurable share of the CPU per request. Only a deadline earlier than the timer's
    // (the keep-alive after the longer first-byte or write deadline) re-arms it at once.
    void watch_idle(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration timeout)
    {
        m_idle_deadline = now + timeout;
        if (!m_idle_armed || m_idle_deadline < m_idle_timer.expiry()) {
            arm_idle_timer(); // replaces the wait pending, if any
        }
    }

    void arm_idle_timer()
    {
        m_idle_armed = true;
        m_idle_timer.expires_at(m_idle_deadline);
        m_idle_timer.async_wait(beast::bind_front_handler(&session::on_idle_timeout, this->shared_from_this()));
    }

    void on_idle_timeout(beast::error_code ec)
    {
        if (ec == net::error::operation_aborted) {
            return; // replaced by an earlier deadline, or the connection closed
        }
        m_idle_armed = false;
        if (ec || m_phase == phase::closed) {
            return;
        }
        if (std::chrono::steady_clock::now() < m_idle_deadline) {
            arm_idle_timer();
            return;
        }
        // Idle between requests, stuck writing, or in a handshake that takes too long: close. (A
        // request begun has its own timer.)
        if (idle_reading() || m_phase == phase::opening || m_phase == phase::writing || m_phase == phase::finishing) {
            control::cancel(m_stream);
        }
    }

    void on_read(beast::error_code ec, std::size_t bytes)
    {
        this->mark_busy();
        m_phase = phase::answering;
        bool const timed_out = m_deadline == deadline::passed;
        if (timed_out) {
            m_deadline = deadline::off;
        }
        // A slow client mid-request, or one whose deadline passed as this read brought more:
        // the deadline holds whatever arrives (a read that completes with data must not win
        // over the timer and re-arm it).
        bool const late = request_begun() &&
                          (timed_out || ec == beast::error::timeout || (!ec && coarse_now() >= m_request_deadline));
        if (late) {
            m_handler.reject(408, m_fields, m_peer, m_out);
            do_write(true);
            return;
        }
        if (ec) {
            do_close(); // end of stream, reset, idle timeout, cancelled for shutdown
            return;
        }
        if (!request_begun()) {
            m_request_deadline = coarse_now() + m_limits.request_timeout;
        }
        m_heard = true;
        m_buffer.commit(bytes);
        process();
    }

    /// Parses the request begun from the buffer. \return false if more bytes are needed, else
    /// true with `ec` set if the request is malformed.
    bool parse(beast::error_code &ec)
    {
        if (!m_parser) {
            m_parser.emplace(m_fields, m_limits.header_limit);
            m_request_bytes = 0;
            m_request_deadline = coarse_now() + m_limits.request_timeout;
        }
        while (!m_parser->is_done() && m_buffer.size() > 0) {
            bool const in_head = !m_parser->is_header_done();
            std::size_t const used = m_parser->put(m_buffer.data(), ec);
            m_buffer.consume(used);
            m_request_bytes += used;
            // Beast applies the head's limit to what one put() sees; the request line and the
            // fields it consumed in earlier reads count too (a head over the limit in pieces).
            if (in_head && (ec == beast::http::error::need_more || !ec) &&
                m_request_bytes + (m_parser->is_header_done() ? 0 : m_buffer.size()) > m_limits.header_limit) {
                ec = beast::http::error::header_limit;
            }
            if (ec) {
                break;
            }
        }
        return !(ec == beast::http::error::need_more || (!ec && !m_parser->is_done()));
    }

    /// \return the status that refuses a request the parser failed on with `ec`.
    int status_for(beast::error_code const &ec) const
    {
        if (ec == beast::http::error::header_limit && m_parser->got_some() && m_fields.target.empty() &&
            m_buffer.size() > 0 && m_fields.method == beast::http::verb::unknown) {
            return 414; // the request line alone was too long
        }
        return status_for_parse_error(ec);
    }

    // Parses every complete request in the buffer and answers each, then writes the batch.
    void process()
    {
        bool last = false; // no request is read after this answer
        std::size_t answered = 0;
        if (m_out.capacity() < 1024) {
            m_out.reserve(1024); // once per connection (and after a burst): no growing for each answer
        }
        while (!last && answered < m_limits.pipeline_limit && m_buffer.size() > 0) {
            beast::error_code ec;
            if (!parse(ec)) {
                // Wait for the rest of this request, unless it is already too large: what is
                // parsed and what waits unparsed (a line that never ends) together.
                if (m_request_bytes + m_buffer.size() > m_limits.request_byte_limit()) {
                    m_handler.reject(413, m_fields, m_peer, m_out);
                    last = true;
                }
                break;
            }
            if (ec) {
                m_handler.reject(status_for(ec), m_fields, m_peer, m_out);
                last = true;
                break;
            }
            if (m_fields.target.size() > m_limits.target_limit) {
                m_handler.reject(414, m_fields, m_peer, m_out);
                last = true;
                break;
            }
            bool const keep_alive = m_parser->keep_alive() && !m_draining && !m_registry.draining();
            m_fields.keep_alive = keep_alive;
            m_parser.reset();
            disarm_request_timer();
            if (!m_handler.handle(m_fields, m_peer, m_state.get(), m_out) || !keep_alive) {
                last = true;
            }
            ++answered;
        }
        if (!m_out.empty()) {
            do_write(last);
        } else if (last) {
            do_close();
        } else {
            do_read();
        }
    }

    /// Sends the answers in m_out; `last`: then closes the connection.
    void do_write(bool last)
    {
        m_phase = last ? phase::finishing : phase::writing;
        if constexpr (sends_at_once<control, Stream>) {
            // Answers almost always fit the socket's send buffer: sent here, with no write
            // operation and no trip through the scheduler. Not while pipelined requests wait in
            // the buffer: on_write() answers them, and would call this again from below.
            if (m_buffer.size() == 0) {
                beast::error_code ec;
                std::size_t const sent = control::send_at_once(m_stream, m_out, ec);
                if (ec || sent == m_out.size()) {
                    on_write(ec, sent);
                    return;
                }
                m_out.erase(0, sent); // the socket is full: the rest waits for room
            }
        }
        watch_idle(coarse_now(), m_limits.request_timeout); // a client that reads no answers is cut off
        net::async_write(m_stream, net::buffer(m_out),
                         beast::bind_front_handler(&session::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        bool const last = m_phase == phase::finishing;
        m_phase = phase::answering;
        m_out.clear();
        if (m_out.capacity() > OUT_BUFFER_LIMIT) {
            m_out.shrink_to_fit(); // a burst's answers (or /metrics) back to the heap
        }
        if (ec || last) {
            do_close();
            return;
        }
        process(); // more pipelined requests may be waiting in the buffer
    }

    void do_close()
    {
        disarm_request_timer();
        m_phase = phase::closed;
        if (m_idle_armed) {
            m_idle_timer.cancel();
        }
        control::close(m_stream);
    }

    /// A timer on the stream's own executor (the io_context's, not a type-erased one).
    using timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>,
                                            typename Stream::executor_type>;

    Stream m_stream;
    timer m_request_timer; ///< the deadline of a request begun (408)
    timer m_idle_timer;    ///< keep-alive, write and handshake deadlines, see watch_idle()
    std::chrono::steady_clock::time_point m_idle_deadline{};
    std::chrono::steady_clock::time_point m_request_deadline{};
    beast::flat_buffer m_buffer;
    request_fields m_fields;
    std::optional<request_head> m_parser;
    std::size_t m_request_bytes = 0; ///< of the request being parsed, consumed by its parser
    std::string m_out;
    request_handler &m_handler;
    connection_registry &m_registry;
    connection_limits const &m_limits;
    std::unique_ptr<handler_state> m_state;
    peer m_peer;
    phase m_phase = phase::opening;
    deadline m_deadline = deadline::off;
    bool m_draining = false;   ///< stopping, or closed to make room: finish the request begun, then close
    bool m_heard = false;      ///< the client has sent a byte: the keep-alive timeout applies, not the first-byte one
    bool m_idle_armed = false; ///< m_idle_timer waits (the timer runs apart from the phase)
};

extern template class session<plain_socket>;
extern template class session<tls_socket>;

/// Starts serving an accepted socket: plain HTTP.
void start_plain_session(plain_socket socket, request_handler &handler, connection_registry &registry,
                         connection_limits const &limits);

/// Starts serving an accepted socket: TLS handshake first.
void start_tls_session(plain_socket socket, net::ssl::context &tls, request_handler &handler,
                       connection_registry &registry, connection_limits const &limits);

} // namespace forumgate::redirector
