#pragma once
// What the report reads from the store besides the map itself: every old URL the map knows
// (--from-map), the redirector's miss log (--from-misses), and what tells why a URL misses
// (restricted topics and categories, from the map and from the archive of the old forum).

#include "mappings/resolver.hpp"
#include "report/outcome.hpp"
#include "report/report.hpp"
#include "report/url_tally.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

namespace forumgate::store {
class database;
}

namespace forumgate::report {

/// Adds to `tally` every old URL the map knows, in the shapes old links take most: each topic
/// as `/t/{slug}/{id}`, each public post as `/p/{id}` and (after the first) as
/// `/t/{slug}/{topic_id}/{n}`, each category as `/c/{slug path}/{id}`, each user as `/u/{name}`,
/// each tag as `/tag/{name}` and each upload by its old path. Hidden posts (deleted, whispers)
/// are left out: no public link to them exists.
/// \return how many URLs were added. \throws database_error.
std::uint64_t add_map_urls(store::database &store, url_tally &tally);

/// Adds to `tally` every target in the redirector's miss log, with its hits. With `probes` (not
/// null), a target in a probe's shape (probe_of_target(): no method or agent is logged) adds its
/// hits to `probes->probes` and is left out of the tally unless `probes->probes_counted`.
/// \return how many rows the log held. \throws database_error.
std::uint64_t add_miss_log(store::database &store, url_tally &tally, input_summary *probes = nullptr);

/// Represents what the store knows about why an old URL that got no redirect missed.
class miss_explainer
{
public:
    /// Knows only what the resolver says (no store).
    miss_explainer() = default;

    /// Reads restricted topics' old slugs from the map, and the topics, posts and categories the
    /// archive of the old forum (forumgate fetch) found private. \throws database_error.
    [[nodiscard]] static miss_explainer load(store::database &store);

    /// \return the likely reason `d`, the resolver's answer for `target`, is a miss; none if
    /// it is a redirect.
    [[nodiscard]] miss_reason explain(mappings::decision const &d, std::string_view target) const;

private:
    std::unordered_set<std::string> m_restricted_slugs; ///< lower-case old slugs of restricted topics
    std::unordered_set<std::uint64_t> m_restricted_topics;
    std::unordered_set<std::uint64_t> m_restricted_posts;
    std::unordered_set<std::uint64_t> m_restricted_categories;
};

} // namespace forumgate::report
