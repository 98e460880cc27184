#pragma once
// The resolver: a pure function from an old URL to what to answer. No I/O, no locks.

#include "mappings/snapshot.hpp"
#include "mappings/url_shape.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace forumgate::mappings {

/// What to answer.
enum class outcome : std::uint8_t
{
    redirect,     ///< 301 to the mapped place on the new forum
    pass_through, ///< 301 to the same path on the new forum (site pages, unmapped names)
    not_found,    ///< 404
    gone,         ///< 410: the map knows it, and it was deliberately not migrated
    bad_request,  ///< 400 (414 for an overlong target)
};

/// Why, in more detail: for logs, the miss log and the coverage report.
enum class reason : std::uint8_t
{
    mapped,        ///< found in the ID map
    nearest_post,  ///< the post was not migrated; landed on the nearest one that was
    site_page,     ///< a page that exists under the same path on the new forum
    not_in_map,    ///< a user or tag the map does not rename: same name on the new forum
    rule,          ///< a custom rule
    unknown_host,  ///< the Host is none of the old host names
    unknown_shape, ///< no built-in shape and no rule matched
    unknown_id,    ///< the shape is known but its id or name is not in the map
    unmappable,    ///< a real Discourse route whose ids mean nothing on the new forum
    not_migrated,  ///< in the map, deliberately not migrated
    malformed,     ///< bad escape, control byte, invalid UTF-8, not a path
    too_long,      ///< longer than parsed_url::MAX_TARGET_LENGTH
};

[[nodiscard]] std::string_view to_string(outcome value) noexcept;
[[nodiscard]] std::string_view to_string(reason value) noexcept;

/// The request as the resolver needs it.
struct request
{
    std::string_view host;   ///< Host header (a port is ignored); empty: the main old host
    std::string_view target; ///< origin-form request target: path and optional query
};

/// The answer.
struct decision
{
    int status = 404; ///< 301, 400, 404, 410 or 414
    outcome what = outcome::not_found;
    reason why = reason::unknown_shape;
    url_kind kind = url_kind::other;
    /// A redirect to a members-only place: a topic (or its post) or a category the map marks
    /// restricted. Visitors who are not signed in get Discourse's 404 there.
    bool restricted = false;
    std::string location; ///< absolute URL for 301s; empty otherwise
};

/// \return true if `host` (a Host header; a port and a final dot are ignored, and empty means the
/// main old host) is one of the map's old host names: the hosts resolve() answers for.
[[nodiscard]] bool answers_for_host(std::string_view host, snapshot const &map) noexcept;

/// Resolves an old URL against a snapshot.
/// \return the decision; its location is always on the new base or an allowed upload host, and
/// is made only of URL characters (never CR, LF, space, backslash or a leading `//` path).
[[nodiscard]] decision resolve(request const &req, snapshot const &map);

/// Like resolve(), reusing `scratch` between calls to avoid allocations on a hot path.
[[nodiscard]] decision resolve(request const &req, snapshot const &map, parsed_url &scratch);

/// What a request will look up, guessed from its raw target before any parsing: for read-ahead
/// only, so a wrong guess costs a wasted read and nothing else.
struct lookup_hint
{
    enum class kind : std::uint8_t
    {
        none,
        topic, ///< /t/{slug}/{id}..., /t/{id}...
        post,  ///< /p/{id}
    };
    kind what = kind::none;
    std::uint64_t id = 0;
};

[[nodiscard]] lookup_hint lookup_hint_of(std::string_view target) noexcept;

/// Read-ahead step `step` (0, 1, ...) of the lookups `hint` names; see snapshot::prefetch_topic.
void prefetch(lookup_hint const &hint, snapshot const &map, int step) noexcept;

/// When resolve_each reads ahead.
enum class read_ahead : std::uint8_t
{
    for_large_maps, ///< when the map holds more than READ_AHEAD_FROM_POSTS posts
    always,
    never,
};

/// Below this many posts (about 8 MiB of map) the map mostly stays in the CPU caches, and
/// reading ahead costs more than it saves (measured by scripts/bench/resolver).
inline constexpr std::uint64_t READ_AHEAD_FROM_POSTS = 250'000;

/// Resolves `count` requests in order: `request_at(i)` gives the i-th, `on_decision(i, d)` takes
/// its decision, the same as resolve() gives. On a map larger than the CPU caches, most of a lone
/// resolution's time is spent waiting for memory, a few dependent reads in a row. Here each
/// request's reads are started a few requests ahead, one step of the chain at a time, so that
/// their waits overlap the work on the requests in between.
template <typename RequestAt, typename OnDecision>
void resolve_each(std::size_t count, snapshot const &map, RequestAt &&request_at, OnDecision &&on_decision,
                  read_ahead when = read_ahead::for_large_maps)
{
    parsed_url scratch;
    if (when == read_ahead::never || (when == read_ahead::for_large_maps && map.size().posts < READ_AHEAD_FROM_POSTS)) {
        for (std::size_t i = 0; i < count; ++i) {
            on_decision(i, resolve(request_at(i), map, scratch));
        }
        return;
    }
    // Requests between one step of a lookup's chain and the next; the steps a chain has at most
    // (a post: its id's slot, the post, its topic, the topic's slug).
    constexpr std::size_t DISTANCE = 2;
    constexpr std::size_t STEPS = 4;
    constexpr std::size_t RING = 16; // > STEPS * DISTANCE: the hints still in flight
    static_assert(RING > STEPS * DISTANCE && (RING & (RING - 1)) == 0);
    std::array<lookup_hint, RING> hints{};
    for (std::size_t next = 0; next < count + STEPS * DISTANCE; ++next) {
        if (next < count) {
            hints[next % RING] = lookup_hint_of(request_at(next).target);
        }
        for (std::size_t step = 0; step < STEPS; ++step) {
            std::size_t const lag = step * DISTANCE;
            if (next >= lag && next - lag < count) {
                prefetch(hints[(next - lag) % RING], map, static_cast<int>(step));
            }
        }
        if (next >= STEPS * DISTANCE) {
            std::size_t const i = next - STEPS * DISTANCE;
            on_decision(i, resolve(request_at(i), map, scratch));
        }
    }
}

/// Pages of the crawler (no-JS) topic view hold this many posts (Discourse TopicView.chunk_size).
inline constexpr std::uint32_t POSTS_PER_PAGE = 20;

} // namespace forumgate::mappings
