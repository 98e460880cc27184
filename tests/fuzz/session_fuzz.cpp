// Fuzz target: one connection of the redirect server (redirector/session.hpp) with the real
// redirect handler and the resolver tests' map, driven through Beast's test stream: no socket,
// no database. The first byte chooses how the rest arrives: in pieces of 1 to 64 bytes, or whole.
//
// Invariants on what the server writes back: a sequence of whole responses, each a status line
// `HTTP/1.x NNN`, header lines `Name: value` of visible ASCII ended by CRLF, Content-Length once
// and a body of that length (none for HEAD); nothing after a `Connection: close` answer; every
// Location on the new base or an upload host, without CR, LF, NUL or `//`, and never naming a
// restricted topic or category the request did not name.

#include "redirector/metrics.hpp"
#include "redirector/miss_log.hpp"
#include "redirector/redirect_handler.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/mappings/resolver_map.hpp"
#include "tests/redirector/test_stream.hpp"

#include <boost/asio/io_context.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace forumgate;
using namespace forumgate::redirector;

/// Slugs of the map's restricted topic (775) and category (9).
constexpr std::array<std::string_view, 2> SECRETS{"board-secrets", "staff-room"};

/// Represents the server's side that outlives one input: the map, the counters, the handler.
struct server_side
{
    map_holder maps{forumgate::testing::resolver_map::build_map()};
    metrics counters;
    miss_log misses{"", 0};
    redirect_handler handler{maps, counters, misses, std::make_shared<live_settings>()};
    connection_limits limits;
};

server_side &server()
{
    static server_side instance;
    return instance;
}

/// \return the end of the head line starting at `at`, checked to be `Name: value` in visible ASCII.
std::size_t check_header_line(std::string_view out, std::size_t at)
{
    std::size_t const end = out.find("\r\n", at);
    fuzz::check(end != std::string_view::npos, "every header line ends with CRLF", out.substr(at, 200));
    std::string_view const line = out.substr(at, end - at);
    std::size_t const colon = line.find(": ");
    fuzz::check(colon != std::string_view::npos && colon > 0, "a header line is 'Name: value'", line);
    for (char const c : line) {
        auto const byte = static_cast<unsigned char>(c);
        fuzz::check(byte >= 0x20 && byte < 0x7F, "a header line is visible ASCII", line);
    }
    return end;
}

/// Checks one response at `at` of `out`. \return where the next one starts.
std::size_t check_response(std::string_view out, std::size_t at, std::string_view input, bool &closed)
{
    std::string_view const rest = out.substr(at);
    fuzz::check(!closed, "nothing is sent after a Connection: close answer", rest.substr(0, 200));
    fuzz::check((rest.starts_with("HTTP/1.1 ") || rest.starts_with("HTTP/1.0 ")) && rest.size() > 12,
                "a response starts with its status line", rest.substr(0, 200));
    std::size_t const head_end = rest.find("\r\n\r\n");
    fuzz::check(head_end != std::string_view::npos, "a response head ends with CRLF CRLF", rest.substr(0, 200));
    std::size_t content_length = SIZE_MAX;
    for (std::size_t line = rest.find("\r\n") + 2; line < head_end + 2;) {
        std::size_t const end = check_header_line(rest, line);
        std::string_view const header = rest.substr(line, end - line);
        if (header.starts_with("Content-Length: ")) {
            fuzz::check(content_length == SIZE_MAX, "Content-Length is sent once", rest.substr(0, head_end));
            content_length = std::stoul(std::string{header.substr(16)});
        } else if (header.starts_with("Location: ")) {
            auto const &map = *server().maps.current();
            fuzz::check_location(header.substr(10), map, input);
            fuzz::check_no_secret(header.substr(10), input, SECRETS);
        } else if (header == "Connection: close") {
            closed = true;
        }
        line = end + 2;
    }
    fuzz::check(content_length != SIZE_MAX, "every response has a Content-Length", rest.substr(0, head_end));
    std::size_t const body = at + head_end + 4;
    // A HEAD answer has no body: the next response (or the end) follows the head at once.
    std::size_t const with_body = body + content_length;
    if (with_body <= out.size() && (with_body == out.size() || out.substr(with_body).starts_with("HTTP/1."))) {
        return with_body;
    }
    fuzz::check(body == out.size() || out.substr(body).starts_with("HTTP/1."),
                "a body is as long as its Content-Length says", rest.substr(0, head_end));
    return body;
}

/// Sends `input` in pieces of `piece` bytes, running the session after each, then hangs up.
/// \return what the server sent back.
std::string converse(net::io_context &io, beast::test::stream &client, std::string_view input, std::size_t piece)
{
    auto const settle = [&io] {
        io.restart();
        while (io.poll() > 0) {
        }
    };
    settle();
    while (!input.empty()) {
        std::size_t const n = std::min(piece, input.size());
        beast::error_code ec;
        client.write_some(net::buffer(input.data(), n), ec);
        if (ec) {
            break; // the server closed the connection
        }
        input.remove_prefix(n);
        settle();
    }
    std::string out{client.str()};
    client.close(); // the client hangs up; the session finishes and lets go of itself
    settle();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    std::size_t const piece = data[0] < 192 ? data[0] % 64U + 1 : SIZE_MAX;
    std::string_view const input = fuzz::text_of(data + 1, size - 1);
    auto &side = server();
    {
        net::io_context io;
        beast::test::stream client{io};
        connection_registry registry{4};
        beast::test::stream server_end{io};
        server_end.connect(client);
        std::make_shared<session<beast::test::stream>>(side.handler, registry, side.limits, false,
                                                       std::move(server_end))
            ->run();
        std::string const out = converse(io, client, input, piece);
        fuzz::check(registry.size() == 0, "the session is gone once the client hung up");
        bool closed = false;
        for (std::size_t at = 0; at < out.size();) {
            at = check_response(out, at, input, closed);
        }
    }
    return 0;
}
