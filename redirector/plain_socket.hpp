#pragma once
// A TCP socket whose reads skip the system call that would find nothing: see plain_socket.

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/detail/buffer_sequence_adapter.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/memory.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>

#include <cstddef>
#include <utility>

namespace forumgate::redirector {

namespace detail {

namespace asio_detail = boost::asio::detail;

/// The read operation of plain_socket: Asio's reactive_socket_recv_op (Boost 1.74, one buffer),
/// except that a read which leaves the socket empty says so to the reactor.
///
/// Asio's epoll reactor registers each socket edge-triggered and, before waiting for an event,
/// tries a read at once ("speculative"). Between two requests of a keep-alive client nothing
/// has arrived yet, so that try is a recv() that fails with EAGAIN: one system call of the four
/// a request cost (about 1.2 µs on a virtual machine). A read operation that returns
/// `done_and_exhausted` turns the try off until the socket's next event, which the
/// edge-triggered registration guarantees for any byte that arrives later. Asio does so for a
/// read that meets the end of the stream; a read of fewer bytes than there was room for has
/// emptied the socket just the same (what nginx calls `ready = 0`).
template <typename MutableBuffers, typename Handler, typename IoExecutor>
class draining_recv_op : public asio_detail::reactor_op
{
    using adapter = asio_detail::buffer_sequence_adapter<boost::asio::mutable_buffer, MutableBuffers>;

public:
    BOOST_ASIO_DEFINE_HANDLER_PTR(draining_recv_op);

    draining_recv_op(asio_detail::socket_type socket, MutableBuffers const &buffers, Handler &handler,
                     IoExecutor const &io_ex)
        : reactor_op(boost::system::error_code{}, &draining_recv_op::do_perform, &draining_recv_op::do_complete),
          m_socket{socket}, m_buffer{adapter::first(buffers)}, m_handler{std::move(handler)}, m_work{m_handler, io_ex}
    {}

private:
    static status do_perform(reactor_op *base)
    {
        auto *o = static_cast<draining_recv_op *>(base);
        if (!asio_detail::socket_ops::non_blocking_recv1(o->m_socket, o->m_buffer.data(), o->m_buffer.size(), 0, true,
                                                         o->ec_, o->bytes_transferred_)) {
            return not_done; // EAGAIN: wait for the socket's event
        }
        // Less than there was room for (or the end of the stream, or an error): the socket is
        // empty, and only its next event can bring more.
        return (o->ec_ || o->bytes_transferred_ < o->m_buffer.size()) ? done_and_exhausted : done;
    }

    static void do_complete(void *owner, asio_detail::operation *base, boost::system::error_code const &, std::size_t)
    {
        // As reactive_socket_recv_op::do_complete: take the handler and the work out, free the
        // operation's memory, then make the upcall (none when the io_context is being destroyed).
        auto *o = static_cast<draining_recv_op *>(base);
        ptr p = {boost::asio::detail::addressof(o->m_handler), o, o};
        asio_detail::handler_work<Handler, IoExecutor> w(std::move(o->m_work));
        asio_detail::binder2<Handler, boost::system::error_code, std::size_t> handler(o->m_handler, o->ec_,
                                                                                      o->bytes_transferred_);
        p.h = boost::asio::detail::addressof(handler.handler_);
        p.reset();
        if (owner) {
            asio_detail::fenced_block b(asio_detail::fenced_block::half);
            w.complete(handler, handler.handler_);
        }
    }

    asio_detail::socket_type m_socket;
    boost::asio::mutable_buffer m_buffer;
    Handler m_handler;
    asio_detail::handler_work<Handler, IoExecutor> m_work;
};

} // namespace detail

/// A connection's socket, bound to the io_context of the I/O thread that accepted it (not
/// Beast's tcp_stream: its expiry timer bookkeeping and its type-erased executor were on the way
/// of every read and write; a session keeps its deadlines with timers of its own).
///
/// Its async_read_some() (which the TLS stream over it uses too) skips the read that would find
/// the socket empty: see detail::draining_recv_op. A keep-alive request then costs a recv(), a
/// send() and a share of an epoll_wait(), as in nginx, instead of a recv() more. The operation
/// is Asio's own with one line changed; it relies on Asio's epoll reactor as in Boost 1.74
/// (Debian 12), so another reactor or Boost version takes Asio's plain read
/// (SKIPS_EMPTY_READS says which).
class plain_socket
    : public boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>
{
public:
    /// True where reads skip the recv() that would find nothing (Boost 1.74's epoll reactor).
#if defined(BOOST_ASIO_HAS_EPOLL) && BOOST_VERSION / 100 == 1074
    static constexpr bool SKIPS_EMPTY_READS = true;
#else
    static constexpr bool SKIPS_EMPTY_READS = false;
#endif

    /// The socket type an acceptor bound to an io_context's executor accepts.
    using base = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

    /// Takes over a socket an acceptor bound to an io_context's executor accepted.
    explicit plain_socket(base &&accepted) : base{std::move(accepted)}, m_reactor{reactor_of(get_executor().context())}
    {}

    /// Reads some bytes, as basic_stream_socket::async_read_some.
    template <typename MutableBuffers, typename ReadToken>
    auto async_read_some(MutableBuffers const &buffers, ReadToken &&token)
    {
        return boost::asio::async_initiate<ReadToken, void(boost::system::error_code, std::size_t)>(
            [this](auto &&handler, MutableBuffers const &into) { start_read(into, handler); }, token, buffers);
    }

private:
    using reactor = boost::asio::detail::reactor;

    static reactor *reactor_of(boost::asio::io_context &context)
    {
        if constexpr (SKIPS_EMPTY_READS) {
            return &boost::asio::use_service<reactor>(context);
        }
        return nullptr;
    }

    template <typename MutableBuffers, typename Handler>
    void start_read(MutableBuffers const &buffers, Handler &handler)
    {
        namespace asio_detail = boost::asio::detail;
        using adapter = asio_detail::buffer_sequence_adapter<boost::asio::mutable_buffer, MutableBuffers>;
        auto &impl = impl_.get_implementation();
        boost::system::error_code ec;
        // Asio's own path where this one does not apply: no epoll reactor, several buffers, no
        // room to read into, or a socket not yet non-blocking that cannot be made so.
        if (!SKIPS_EMPTY_READS || m_reactor == nullptr || !adapter::is_single_buffer ||
            adapter::first(buffers).size() == 0 ||
            (!(impl.state_ & asio_detail::socket_ops::non_blocking) &&
             !asio_detail::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, ec))) {
            base::async_read_some(buffers, std::move(handler));
            return;
        }
        using op = detail::draining_recv_op<MutableBuffers, std::decay_t<Handler>, executor_type>;
        bool const continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
        typename op::ptr p = {boost::asio::detail::addressof(handler), op::ptr::allocate(handler), nullptr};
        p.p = new (p.v) op(impl.socket_, buffers, handler, impl_.get_executor());
        m_reactor->start_op(reactor::read_op, impl.socket_, impl.reactor_data_, p.p, continuation, true);
        p.v = p.p = nullptr;
    }

    reactor *m_reactor;
};

} // namespace forumgate::redirector
