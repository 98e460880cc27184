#pragma once
// The ID map as nginx configuration: a `map` from old URLs to their answers, for admins who
// keep nginx in front of the old host name. nginx answers the shapes it can express exactly
// (docs/nginx-export.md); every other request goes to a fallback (404, or forumgate serve).

#include "mappings/snapshot.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace forumgate::mappings {

/// How the exported configuration answers.
struct nginx_export_options
{
    /// Where requests nginx cannot answer from the map go: empty for `404`, or the http:// URL
    /// of a `forumgate serve` to pass them to (`proxy_pass`).
    std::string fallback;
    std::uint32_t permanent_max_age = 30U * 24U * 3600U; ///< Cache-Control of a 301, as serve's
    std::uint32_t miss_max_age = 60;                     ///< Cache-Control of a 410, as serve's
};

/// What the export holds: entries by URL shape.
struct nginx_export_counts
{
    std::size_t topics = 0;       ///< /t/{slug}/{id}, /t/{id}
    std::size_t post_numbers = 0; ///< /t/{slug}/{id}/{n}, /t/{id}/{n}, …/last
    std::size_t post_links = 0;   ///< /p/{id}
    std::size_t categories = 0;   ///< /c/{slugs}/{id}, /c/{id}
    std::size_t uploads = 0;      ///< /uploads/… by exact path
    std::size_t gone = 0;         ///< of all these, answered 410

    [[nodiscard]] std::size_t total() const noexcept
    {
        return topics + post_numbers + post_links + categories + uploads;
    }
};

/// The name of the file for nginx's http context (the maps) and of the one for the old host's
/// server block (the locations), as `map export --format nginx` writes them.
inline constexpr char const *NGINX_MAP_FILE = "forumgate-map.conf";
inline constexpr char const *NGINX_LOCATIONS_FILE = "forumgate-locations.conf";

/// Checks a fallback URL: empty, or `http://host:port` with an optional path prefix.
/// \throws input_error saying what is wrong.
void check_nginx_fallback(std::string const &fallback);

/// Writes the map file (http context) to `map_out` and the locations file (server context) to
/// `locations_out`. Every answer in the map is the resolver's own answer for that URL.
/// \return what was written.
nginx_export_counts write_nginx_export(snapshot const &map, nginx_export_options const &options, std::ostream &map_out,
                                       std::ostream &locations_out);

} // namespace forumgate::mappings
