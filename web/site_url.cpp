#include "web/site_url.hpp"

#include "base/error.hpp"
#include "base/url_codec.hpp"

#include <string>

namespace forumgate::web {

site_url site_url::parse(std::string_view text, std::string_view what)
{
    auto fail = [&](std::string_view why) {
        return argument_error{std::string{what} + " " + std::string{text} + ": " + std::string{why}};
    };
    site_url site;
    std::string_view rest = text;
    if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        site.tls = false;
        site.port = 80;
        rest.remove_prefix(7);
    } else {
        throw fail("expected a base URL starting with https:// or http://");
    }
    if (rest.find_first_of("?#") != std::string_view::npos) {
        throw fail("a base URL has no query or fragment");
    }
    auto const slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    if (authority.find('@') != std::string_view::npos) {
        throw fail("user names and passwords do not belong in the URL (use --api-key-file)");
    }
    std::string_view port_text;
    if (authority.starts_with('[')) {
        auto const close = authority.find(']');
        if (close == std::string_view::npos) {
            throw fail("unclosed '[' in the IPv6 address");
        }
        site.host = std::string{authority.substr(1, close - 1)};
        auto const after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                throw fail("expected ':PORT' after the IPv6 address");
            }
            port_text = after.substr(1);
        }
    } else {
        auto const colon = authority.rfind(':');
        site.host = std::string{authority.substr(0, colon)};
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
        }
    }
    if (site.host.empty()) {
        throw fail("the host is missing");
    }
    for (char const c : site.host) {
        bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '.' || c == ':';
        if (!ok) {
            throw fail("the host may hold only letters, digits, '-', '.' (and ':' in an IPv6 address)");
        }
    }
    site.host = base::ascii_lower(site.host);
    if (!port_text.empty() || authority.ends_with(':')) {
        auto const port = base::parse_uint(port_text);
        if (!port || *port == 0 || *port > 65535) {
            throw fail("the port must be a number from 1 to 65535");
        }
        site.port = static_cast<std::uint16_t>(*port);
    }
    while (path.ends_with('/')) {
        path.remove_suffix(1);
    }
    if (base::has_control_bytes(path) || path.find(' ') != std::string_view::npos) {
        throw fail("the path holds spaces or control characters");
    }
    site.prefix = std::string{path};
    return site;
}

std::string site_url::host_header() const
{
    std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != (tls ? 443 : 80)) {
        out += ":" + std::to_string(port);
    }
    return out;
}

std::string site_url::origin() const
{
    return (tls ? "https://" : "http://") + host_header();
}

std::string site_url::target(std::string_view path_and_query) const
{
    return prefix + std::string{path_and_query};
}

std::string site_url::url(std::string_view path_and_query) const
{
    return origin() + target(path_and_query);
}

} // namespace forumgate::web
