#pragma once
// The proxies whose X-Forwarded-For the access log believes: addresses and CIDR blocks
// (`--trusted-proxy`), and the client address a request is logged under.

#include <boost/asio/ip/address.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace forumgate::redirector {

/// Represents an address or CIDR block of a trusted proxy.
struct network
{
    boost::asio::ip::address address;
    unsigned prefix = 0;

    /// \return true if `a` lies in the block (an IPv4-mapped IPv6 address counts as IPv4).
    [[nodiscard]] bool contains(boost::asio::ip::address const &a) const;
};

/// Parses `--trusted-proxy` values: `ADDR` or `ADDR/PREFIX`, IPv4 or IPv6.
/// \throws argument_error naming the value that is neither.
[[nodiscard]] std::vector<network> parse_networks(std::vector<std::string> const &texts);

/// \return the address a request is logged under: the last hop of `forwarded_for` when
/// `from` is a trusted proxy and that hop is an IP address, else `from` itself.
[[nodiscard]] std::string client_address(std::string_view forwarded_for, boost::asio::ip::address const &from,
                                         std::vector<network> const &trusted_proxies);

} // namespace forumgate::redirector
