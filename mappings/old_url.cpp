#include "mappings/old_url.hpp"

#include "base/url_codec.hpp"

namespace forumgate::mappings {

std::optional<request> request_from_url(std::string_view url, std::string_view default_host) noexcept
{
    if (url.starts_with("/") && !url.starts_with("//")) {
        return request{default_host, url};
    }
    std::size_t scheme_end = 0;
    if (url.size() > 8 && base::iequals(url.substr(0, 8), "https://")) {
        scheme_end = 8;
    } else if (url.size() > 7 && base::iequals(url.substr(0, 7), "http://")) {
        scheme_end = 7;
    } else {
        return std::nullopt;
    }
    std::string_view const rest = url.substr(scheme_end);
    auto const path_start = rest.find_first_of("/?#");
    std::string_view const host = rest.substr(0, path_start);
    if (host.empty() || host.find('@') != std::string_view::npos) {
        return std::nullopt;
    }
    if (path_start == std::string_view::npos) {
        return request{host, "/"};
    }
    if (rest[path_start] != '/') {
        return std::nullopt; // "https://host?x": a query with no path; no forum link looks so
    }
    return request{host, rest.substr(path_start)};
}

} // namespace forumgate::mappings
