#pragma once
// What a session does to Beast's in-memory test stream (boost/beast/_experimental/test/stream),
// so that a session can be driven without a socket: by redirector_session_test and by the
// session fuzz target (tests/fuzz/session_fuzz.cpp).

#include "redirector/session.hpp"

#include <boost/beast/_experimental/test/stream.hpp>

#include <string_view>

namespace forumgate::redirector {

/// Beast's in-memory test stream: no timers of its own; a cancelled read ends as the end of
/// the stream, which the session treats as it treats an aborted read.
template <>
struct stream_control<beast::test::stream>
{
    static constexpr bool HANDSHAKE = false;

    static net::ip::address remote_address(beast::test::stream &) { return net::ip::make_address("127.0.0.1"); }
    static void cancel(beast::test::stream &stream) { stream.close_remote(); }
    static void close(beast::test::stream &stream) { stream.close(); }
    static void refuse(beast::test::stream &stream, std::string_view busy)
    {
        beast::error_code ec;
        stream.write_some(net::buffer(busy.data(), busy.size()), ec);
        stream.close();
    }
};

} // namespace forumgate::redirector
