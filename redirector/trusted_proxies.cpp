#include "redirector/trusted_proxies.hpp"

#include "base/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace forumgate::redirector {

namespace net = boost::asio;

namespace {

std::array<unsigned char, 16> bytes_of(net::ip::address const &address)
{
    std::array<unsigned char, 16> out{};
    if (address.is_v4()) {
        auto const b = address.to_v4().to_bytes();
        std::copy(b.begin(), b.end(), out.begin());
    } else {
        auto const b = address.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), out.begin());
    }
    return out;
}

} // namespace

bool network::contains(net::ip::address const &a) const
{
    if (a.is_v4() != address.is_v4()) {
        return a.is_v6() && a.to_v6().is_v4_mapped() && address.is_v4() &&
               network{address, prefix}.contains(net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()));
    }
    auto const x = bytes_of(a);
    auto const y = bytes_of(address);
    for (unsigned bit = 0; bit < prefix; ++bit) {
        unsigned const byte = bit / 8;
        unsigned const mask = 0x80U >> (bit % 8);
        if ((x[byte] & mask) != (y[byte] & mask)) {
            return false;
        }
    }
    return true;
}

std::vector<network> parse_networks(std::vector<std::string> const &texts)
{
    std::vector<network> out;
    for (auto const &text : texts) {
        auto const slash = text.find('/');
        boost::system::error_code ec;
        network n;
        n.address = net::ip::make_address(text.substr(0, slash), ec);
        unsigned const max = n.address.is_v4() ? 32 : 128;
        n.prefix = max;
        if (slash != std::string::npos) {
            auto const p = text.substr(slash + 1);
            auto const parsed = std::from_chars(p.data(), p.data() + p.size(), n.prefix);
            if (parsed.ec != std::errc{} || n.prefix > max) {
                ec = make_error_code(boost::system::errc::invalid_argument);
            }
        }
        if (ec) {
            throw argument_error{fmt::format("--trusted-proxy {}: not an address or CIDR block", text)};
        }
        out.push_back(n);
    }
    return out;
}

std::string client_address(std::string_view forwarded_for, net::ip::address const &from,
                           std::vector<network> const &trusted_proxies)
{
    // X-Forwarded-For is believed only from a configured proxy: its last hop is the client.
    bool const trusted =
        std::any_of(trusted_proxies.begin(), trusted_proxies.end(), [&](network const &n) { return n.contains(from); });
    if (trusted && !forwarded_for.empty()) {
        auto const comma = forwarded_for.rfind(',');
        std::string_view last = comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
        while (!last.empty() && last.front() == ' ') {
            last.remove_prefix(1);
        }
        boost::system::error_code ec;
        auto const address = net::ip::make_address(std::string{last}, ec);
        if (!ec) {
            return address.to_string();
        }
    }
    return from.to_string();
}

} // namespace forumgate::redirector
