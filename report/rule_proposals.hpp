#pragma once
// Rules for misses that share a shape: old URLs no built-in shape knows (another forum
// software's links, a custom path) that differ only in their numbers or slugs. For each group
// a rewrite rule (rules.csv, docs/map-files.md) is sought that the map can answer, and
// proposed with the URLs and hits it would win back and what it assumes the numbers or names
// are; never when the map shows that assumption false for a URL it would cover.

#include "mappings/snapshot.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::report {

/// A miss the rules could address: its target as received, and how often it was asked for.
struct unmatched_url
{
    std::string_view target;
    std::uint64_t hits = 0;
};

/// A proposed rule, ready for rules.csv.
struct rule_proposal
{
    std::string pattern;     ///< RE2, anchored, matched against the path and query as received
    std::string replacement; ///< a path on the old forum with \1…\9, resolved again by the built-in shapes
    std::string kind = "rewrite";
    std::uint64_t matched_urls = 0; ///< misses the pattern matches
    std::uint64_t matched_hits = 0;
    std::uint64_t won_urls = 0; ///< of those, the ones the rule would redirect to a mapped place
    std::uint64_t won_hits = 0;
    std::uint64_t known_urls = 0; ///< matched URLs whose id or name the map knows (won, or deliberately not migrated)
    /// What the rule takes its captures for: "old_ids" (the old forum's ids, through the map),
    /// "same_ids" (the old forum's ids, which the map keeps on the new forum), "old_names" (slugs,
    /// usernames, tags, through the map).
    std::string assumes = "old_ids";
    std::string assumption;                                    ///< the same in words
    std::vector<std::pair<std::string, std::string>> examples; ///< (old target, where it would go), up to 3
};

/// Proposes rules for `misses` (URLs that matched no shape and no rule: reason unknown_shape,
/// on an old host). Groups need at least two distinct URLs; a proposal is made only when the
/// rule redirects at least one of them to a mapped place (a topic, post, category, user or tag
/// the map knows), and the map contradicts its assumption for none of the URLs it matches: a
/// number it takes for an old id lies in the range of the map's old ids of that kind (an
/// unknown one inside it may be a topic deleted before the move; one outside it shows the
/// numbers are another software's), a name it takes for an old slug is one the map knows.
/// \return the proposals, the most hits won first.
[[nodiscard]] std::vector<rule_proposal> propose_rules(std::span<unmatched_url const> misses,
                                                       mappings::snapshot const &map);

/// \return `proposals` as a rules.csv file: the header row, then one row each (RFC 4180 quoting).
[[nodiscard]] std::string rules_csv(std::span<rule_proposal const> proposals);

} // namespace forumgate::report
