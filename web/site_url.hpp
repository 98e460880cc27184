#pragma once
// A forum's base URL (`https://forum.example.org[:port][/prefix]`), split into what a client
// needs to connect and to build request targets.

#include <cstdint>
#include <string>
#include <string_view>

namespace forumgate::web {

/// Represents the base URL of a forum: scheme, host, port and an optional path prefix for a
/// forum served from a subfolder.
struct site_url
{
    bool tls = true;
    std::string host; ///< lowercase; an IPv6 address without brackets
    std::uint16_t port = 443;
    std::string prefix; ///< "" or "/forum" (no trailing slash)

    /// Parses `http[s]://HOST[:PORT][/PREFIX][/]`. \throws argument_error naming `what` (the
    /// option, e.g. "--source") and saying what is wrong: another scheme, a query, userinfo, a
    /// bad port.
    [[nodiscard]] static site_url parse(std::string_view text, std::string_view what);

    /// \return `scheme://host[:port]` (the port only when not the scheme's default).
    [[nodiscard]] std::string origin() const;
    /// \return the Host header value: host, with `:port` when not the default.
    [[nodiscard]] std::string host_header() const;
    /// \return prefix + target, for a target starting with '/'.
    [[nodiscard]] std::string target(std::string_view path_and_query) const;
    /// \return origin() + target(path_and_query): a full URL, for messages and records.
    [[nodiscard]] std::string url(std::string_view path_and_query) const;
};

} // namespace forumgate::web
