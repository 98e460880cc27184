#pragma once
// The rehearsal forum's HTTP server on a free loopback port, run by threads of its own: what the
// tests of the web client, fetch and import talk to. Header only: a test using it links
// forumgate_rehearsal_http.

#include "rehearsal/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace forumgate::testing {

/// Represents a rehearsal HTTP server listening on a loopback address (127.0.0.1 unless told),
/// answering with `handler` on `threads` threads until it is destroyed.
class loopback_server
{
public:
    explicit loopback_server(rehearsal::api_handler handler, rehearsal::fault_plan faults = {}, int threads = 1,
                             std::string const &address = "127.0.0.1")
        : m_server{m_io, {boost::asio::ip::make_address(address), 0}, std::move(handler), faults}
    {
        for (int i = 0; i < threads; ++i) {
            m_threads.emplace_back([this] { m_io.run(); });
        }
    }
    ~loopback_server()
    {
        m_io.stop();
        for (auto &thread : m_threads) {
            thread.join();
        }
    }
    loopback_server(loopback_server const &) = delete;
    loopback_server &operator=(loopback_server const &) = delete;

    [[nodiscard]] std::uint16_t port() const { return m_server.local_endpoint().port(); }
    /// `http://HOST:PORT`; `host` must reach the listening address (localhost reaches 127.0.0.1).
    [[nodiscard]] std::string url(std::string const &host = "127.0.0.1") const
    {
        return "http://" + host + ":" + std::to_string(port());
    }
    [[nodiscard]] std::uint64_t requests() const { return m_server.requests(); }

private:
    boost::asio::io_context m_io;
    rehearsal::http_server m_server;
    std::vector<std::thread> m_threads;
};

} // namespace forumgate::testing
