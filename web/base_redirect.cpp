#include "web/base_redirect.hpp"

#include "base/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace forumgate::web {
namespace {

constexpr int MAX_BASE_REDIRECTS = 5;

std::string_view without_www(std::string_view host) noexcept
{
    return host.starts_with("www.") ? host.substr(4) : host;
}

/// \return `location` made absolute against `site` (a Location may be a path only).
std::string absolute(site_url const &site, std::string const &location)
{
    if (location.starts_with("/") && !location.starts_with("//")) {
        return site.origin() + location;
    }
    return location;
}

} // namespace

bool same_site(site_url const &from, site_url const &to)
{
    return without_www(from.host) == without_www(to.host) && from.prefix == to.prefix;
}

site_url follow_base_redirects(site_url site, http_client::options const &options, request_pacer &pacer,
                               retry_policy const &policy, std::string_view probe, std::string_view what)
{
    std::string const given = site.origin() + site.prefix;
    for (int hop = 0; hop < MAX_BASE_REDIRECTS; ++hop) {
        http_client client{site, options};
        auto const answer = polite_send(client, pacer, http_request{.target = std::string{probe}}, policy);
        auto const location = answer.header("Location");
        if (answer.status < 300 || answer.status >= 400 || !location) {
            if (hop > 0) {
                spdlog::warn("{} {} redirects to {}: using that (give it as {} to skip this notice)", what, given,
                             site.origin() + site.prefix, what);
            }
            return site;
        }
        std::string const target = absolute(site, *location);
        std::string_view base = target;
        base = base.substr(0, base.find_first_of("?#"));
        auto const refuse = [&](std::string_view why) {
            return argument_error{
                fmt::format("{} {}: {} redirects to {}; {}", what, given, site.url(std::string{probe}), target, why)};
        };
        if (!base.ends_with(probe)) {
            throw refuse("that is not the same page of a forum: check the address");
        }
        base.remove_suffix(probe.size());
        site_url next;
        try {
            next = site_url::parse(base, what);
        } catch (argument_error const &) {
            throw refuse("that is not an http(s) address forumgate can use");
        }
        if (!same_site(site, next)) {
            throw refuse(fmt::format("forumgate follows a redirect only to the same site (http to https, www.); if "
                                     "that is the forum, give {} as {}",
                                     next.origin() + next.prefix, what));
        }
        site = next;
    }
    throw argument_error{fmt::format("{} {}: more than {} redirects", what, given, MAX_BASE_REDIRECTS)};
}

} // namespace forumgate::web
