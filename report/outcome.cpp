#include "report/outcome.hpp"

namespace forumgate::report {

std::string_view to_string(url_outcome value) noexcept
{
    switch (value) {
    case url_outcome::redirected:
        return "redirected";
    case url_outcome::passed_through:
        return "passed_through";
    case url_outcome::chain:
        return "chain";
    case url_outcome::not_found:
        return "not_found";
    case url_outcome::gone:
        return "gone";
    case url_outcome::target_broken:
        return "target_broken";
    case url_outcome::loop:
        return "loop";
    case url_outcome::off_site:
        return "off_site";
    case url_outcome::error:
        return "error";
    }
    return "error";
}

std::string_view label(url_outcome value) noexcept
{
    switch (value) {
    case url_outcome::redirected:
        return "redirected";
    case url_outcome::passed_through:
        return "passed through";
    case url_outcome::chain:
        return "redirect chain";
    case url_outcome::not_found:
        return "not found";
    case url_outcome::gone:
        return "gone (not migrated)";
    case url_outcome::target_broken:
        return "target broken";
    case url_outcome::loop:
        return "redirect loop";
    case url_outcome::off_site:
        return "off-site";
    case url_outcome::error:
        return "error";
    }
    return "error";
}

std::string_view to_string(miss_reason value) noexcept
{
    switch (value) {
    case miss_reason::none:
        return "none";
    case miss_reason::never_imported:
        return "never_imported";
    case miss_reason::restricted:
        return "restricted";
    case miss_reason::not_migrated:
        return "not_migrated";
    case miss_reason::unknown_shape:
        return "unknown_shape";
    case miss_reason::unmappable:
        return "unmappable";
    case miss_reason::unknown_host:
        return "unknown_host";
    case miss_reason::malformed:
        return "malformed";
    case miss_reason::map_differs:
        return "map_differs";
    case miss_reason::unknown:
        return "unknown";
    }
    return "unknown";
}

std::string_view label(miss_reason value) noexcept
{
    switch (value) {
    case miss_reason::none:
        return "";
    case miss_reason::never_imported:
        return "id never imported";
    case miss_reason::restricted:
        return "restricted on the old forum";
    case miss_reason::not_migrated:
        return "deliberately not migrated";
    case miss_reason::unknown_shape:
        return "unknown shape";
    case miss_reason::unmappable:
        return "route with no meaning on the new forum";
    case miss_reason::unknown_host:
        return "not an old host";
    case miss_reason::malformed:
        return "malformed URL";
    case miss_reason::map_differs:
        return "redirector's map differs from the store's";
    case miss_reason::unknown:
        return "unknown (no map given)";
    }
    return "";
}

} // namespace forumgate::report
