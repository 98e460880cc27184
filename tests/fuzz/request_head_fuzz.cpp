// Fuzz target: the redirector's request parser (redirector/request_head), fed the input in pieces
// the way reads deliver it. The first byte chooses the piece size.
//
// Invariants: the parser never takes more bytes than it was given; a request it accepts has a
// target and a version of 1.0 or 1.1, and what it kept of the head is no longer than
// the head.

#include "redirector/request_head.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace {

using namespace forumgate;
using redirector::request_fields;
using redirector::request_head;

constexpr std::uint32_t HEADER_LIMIT = 1024;

void check_accepted(request_fields const &fields, std::size_t head_bytes)
{
    fuzz::check(fields.version == 10 || fields.version == 11, "an accepted request is HTTP/1.0 or 1.1");
    fuzz::check(!fields.target.empty(), "an accepted request has a target");
    fuzz::check(fields.target.size() + fields.host.size() <= head_bytes, "the fields kept are no longer than the head");
    fuzz::check(fields.user_agent.size() <= 512 && fields.referer.size() <= 1024, "long headers are cut");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const *data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    std::size_t const piece = data[0] % 32U + 1;
    std::string_view input = fuzz::text_of(data + 1, size - 1);

    request_fields fields;
    request_head parser{fields, HEADER_LIMIT};
    std::string buffer; // what a connection has read and the parser has not yet taken
    std::size_t taken = 0;
    boost::beast::error_code ec;
    while (!parser.is_done() && !input.empty()) {
        std::size_t const n = std::min(piece, input.size());
        buffer.append(input.substr(0, n));
        input.remove_prefix(n);
        ec = {};
        std::size_t const used = parser.put(boost::asio::buffer(buffer), ec);
        fuzz::check(used <= buffer.size(), "the parser takes no more than it is given");
        buffer.erase(0, used);
        taken += used;
        if (ec && ec != boost::beast::http::error::need_more) {
            return 0; // refused (the connection answers 400, 413 or 431 and closes)
        }
    }
    if (parser.is_done()) {
        check_accepted(fields, taken);
    }
    return 0;
}
