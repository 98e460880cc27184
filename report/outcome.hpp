#pragma once
// What became of an old URL, and why a URL that goes nowhere does: the report's vocabulary
// (docs/coverage.md lists each value).

#include <array>
#include <cstdint>
#include <string_view>

namespace forumgate::report {

/// Where an old URL lands.
enum class url_outcome : std::uint8_t
{
    redirected,     ///< 301 to the mapped place on the new forum (which answers 200, if checked)
    passed_through, ///< 301 to the same path on the new forum (site pages, users and tags the map does not rename)
    chain,          ///< redirected, but the target redirects again before it answers 200 (checked targets only)
    restricted,     ///< redirected to a members-only place (the map marks it restricted): works for members
    not_found,      ///< no redirect: 404, or 400/414/421 for a URL the redirector refuses
    gone,           ///< 410: the map says it was deliberately not migrated
    target_broken,  ///< redirected to a target that answers an error (checked targets only)
    loop,           ///< redirected into a redirect loop, or more redirects than a browser follows
    off_site,       ///< a redirect off the new forum: must never happen
    error,          ///< the redirector or the target could not be asked (connection, timeout, 5xx)
};
inline constexpr std::size_t OUTCOME_COUNT = 10;
inline constexpr std::array<url_outcome, OUTCOME_COUNT> ALL_OUTCOMES = {
    url_outcome::redirected, url_outcome::passed_through, url_outcome::chain,         url_outcome::restricted,
    url_outcome::not_found,  url_outcome::gone,           url_outcome::target_broken, url_outcome::loop,
    url_outcome::off_site,   url_outcome::error};

/// \return the name used in the JSON report ("passed_through").
[[nodiscard]] std::string_view to_string(url_outcome value) noexcept;
/// \return the words used in the HTML and terminal reports ("passed through").
[[nodiscard]] std::string_view label(url_outcome value) noexcept;

/// \return true if an old link with this outcome takes the reader to a working page (for a
/// restricted one: a member, signed in).
[[nodiscard]] constexpr bool is_covered(url_outcome value) noexcept
{
    return value == url_outcome::redirected || value == url_outcome::passed_through || value == url_outcome::chain ||
           value == url_outcome::restricted;
}

/// The likely reason a URL got no redirect (not_found and gone only).
enum class miss_reason : std::uint8_t
{
    none,           ///< not a miss
    never_imported, ///< a known shape whose id or name the map does not have
    restricted,     ///< not public on the old forum (a private category or message), so not in the map
    not_migrated,   ///< in the map, deliberately not migrated (410)
    unknown_shape,  ///< no URL shape of Discourse's and no custom rule matches: a rule may help
    unmappable,     ///< a Discourse route whose ids mean nothing on the new forum
    unknown_host,   ///< a host name that is none of the old forum's
    malformed,      ///< a target the redirector refuses as malformed or too long
    map_differs,    ///< the redirector asked (--via) missed where the store's map redirects: another map loaded?
    unknown,        ///< asked through --via with no map to tell why
};
inline constexpr std::size_t MISS_REASON_COUNT = 10;

[[nodiscard]] std::string_view to_string(miss_reason value) noexcept;
[[nodiscard]] std::string_view label(miss_reason value) noexcept;

} // namespace forumgate::report
