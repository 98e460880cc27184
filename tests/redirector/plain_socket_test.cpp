// Tests of redirector/plain_socket over real loopback sockets: its reads skip the recv() that
// would find the socket empty, and still see every byte that arrives, whenever it arrives.
//
// This program counts the recv() calls Asio makes: it defines recv() itself (Asio's reads call
// ::recv, and a definition in the program comes before the C library's), counts the calls on the
// descriptor under test and passes each to the kernel.

#include "redirector/plain_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace {

std::atomic<int> g_counted_fd{-1};
std::atomic<int> g_recv_calls{0};

} // namespace

extern "C" ssize_t recv(int fd, void *buffer, size_t size, int flags)
{
    if (fd == g_counted_fd.load()) {
        ++g_recv_calls;
    }
    return static_cast<ssize_t>(::syscall(SYS_recvfrom, fd, buffer, size, flags, nullptr, nullptr));
}

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using forumgate::redirector::plain_socket;
using namespace std::chrono_literals;

/// A loopback connection: `server` is the socket under test (Socket: plain_socket, or Asio's
/// own socket to show the difference), `client` a plain blocking socket writing to it.
template <typename Socket>
struct connection
{
    net::io_context io;
    tcp::socket client{io};
    std::optional<Socket> server;

    connection()
    {
        net::basic_socket_acceptor<tcp, net::io_context::executor_type> acceptor{
            io, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0}};
        client.connect(acceptor.local_endpoint());
        server.emplace(acceptor.accept());
        g_counted_fd = server->native_handle();
        g_recv_calls = 0;
    }
    ~connection() { g_counted_fd = -1; }

    void send(std::string const &bytes) { net::write(client, net::buffer(bytes)); }

    /// Starts a read of at most `room` bytes into `got`; `done` tells when it completed.
    void start_read(std::size_t room)
    {
        buffer.assign(room, '\0');
        done = false;
        server->async_read_some(net::buffer(buffer), [this](boost::system::error_code e, std::size_t n) {
            ec = e;
            got = buffer.substr(0, n);
            done = true;
        });
    }

    /// Runs the handlers ready now.
    void poll()
    {
        io.restart();
        io.poll();
    }

    /// Runs the io_context until the read completes, for at most two seconds.
    bool wait()
    {
        for (auto const until = std::chrono::steady_clock::now() + 2s;
             !done && std::chrono::steady_clock::now() < until;) {
            io.restart(); // an io_context that ran out of work stops
            io.run_one_for(50ms);
        }
        return done;
    }

    std::string buffer;
    std::string got;
    boost::system::error_code ec;
    bool done = false;
};

/// Read, answer, read again: the second read is started while the client, waiting for the
/// answer, has sent nothing; then its next request arrives.
template <typename Socket>
int recv_calls_for_two_requests()
{
    connection<Socket> c;
    c.send("GET /t/1 HTTP/1.1\r\n\r\n");
    c.start_read(2048);
    EXPECT_TRUE(c.wait());
    EXPECT_EQ(c.got, "GET /t/1 HTTP/1.1\r\n\r\n");
    c.start_read(2048);
    c.poll(); // nothing has arrived
    EXPECT_FALSE(c.done);
    c.send("GET /t/2 HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(c.wait());
    EXPECT_EQ(c.got, "GET /t/2 HTTP/1.1\r\n\r\n");
    return g_recv_calls.load();
}

TEST(PlainSocket, AReadAfterOneThatEmptiedTheSocketWaitsWithoutARecv)
{
    if (!plain_socket::SKIPS_EMPTY_READS) {
        GTEST_SKIP() << "this Boost version's reads are Asio's own";
    }
    // Asio's socket tries a recv() as soon as the second read starts, and it finds nothing:
    // three calls for two requests, the extra one a system call on every keep-alive request.
    EXPECT_EQ(recv_calls_for_two_requests<plain_socket::base>(), 3);
    EXPECT_EQ(recv_calls_for_two_requests<plain_socket>(), 2);
}

TEST(PlainSocket, AReadThatFilledItsRoomReadsOnAtOnce)
{
    // A read that filled all its room may have left bytes behind: the next read takes them
    // without waiting for an event, which an edge-triggered socket would not send again.
    connection<plain_socket> c;
    c.send("0123456789");
    c.start_read(4);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.got, "0123");
    for (std::string const expected : {"4567", "89"}) {
        c.start_read(4);
        c.poll();
        ASSERT_TRUE(c.done) << "the bytes left in the socket were not read at once";
        EXPECT_EQ(c.got, expected);
    }
    EXPECT_EQ(g_recv_calls.load(), 3);
}

TEST(PlainSocket, BytesThatArriveBeforeTheNextReadStartsAreRead)
{
    connection<plain_socket> c;
    c.send("first");
    c.start_read(64);
    ASSERT_TRUE(c.wait());
    // The next bytes arrive while no read is pending: once before the reactor has seen them,
    // once after it has.
    c.send("second");
    c.start_read(64);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.got, "second");
    c.send("third");
    c.poll();
    c.start_read(64);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.got, "third");
}

TEST(PlainSocket, TheEndOfTheStreamEndsAPendingRead)
{
    connection<plain_socket> c;
    c.send("last request");
    c.start_read(64);
    ASSERT_TRUE(c.wait());
    c.start_read(64);
    c.poll();
    c.client.shutdown(tcp::socket::shutdown_send);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.ec, net::error::eof);
}

TEST(PlainSocket, CancelAndCloseEndAPendingRead)
{
    for (bool const close : {false, true}) {
        connection<plain_socket> c;
        c.send("x");
        c.start_read(64);
        ASSERT_TRUE(c.wait());
        c.start_read(64);
        c.poll();
        boost::system::error_code ignored;
        if (close) {
            c.server->close(ignored);
        } else {
            c.server->cancel(ignored);
        }
        ASSERT_TRUE(c.wait());
        EXPECT_EQ(c.ec, net::error::operation_aborted) << (close ? "close" : "cancel");
    }
}

TEST(PlainSocket, ADestroyedContextFreesAPendingRead)
{
    // The handler of a read still pending when the io_context goes is destroyed, not called:
    // what it holds (a session, in the server) is freed.
    auto held = std::make_shared<int>(0);
    std::weak_ptr<int> const watch = held;
    bool called = false;
    {
        connection<plain_socket> c;
        std::array<char, 64> room{};
        c.server->async_read_some(net::buffer(room), [held = std::move(held), &called](boost::system::error_code,
                                                                                       std::size_t) { called = true; });
        c.poll();
        c.server.reset();
    }
    EXPECT_FALSE(called);
    EXPECT_TRUE(watch.expired());
}

} // namespace
