#pragma once
// Rules for misses that share a shape: old URLs no built-in shape knows (another forum
// software's links, a custom path) that differ only in their numbers or slugs. For each group
// a rewrite rule (rules.csv, docs/map-files.md) is sought that the map can answer, and
// proposed with the URLs and hits it would win back.

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
    std::vector<std::pair<std::string, std::string>> examples; ///< (old target, where it would go), up to 3
};

/// Proposes rules for `misses` (URLs that matched no shape and no rule: reason unknown_shape,
/// on an old host). Groups need at least two distinct URLs; a proposal is made only when the
/// rule redirects at least one of them to a mapped place (a topic, post, category, user or tag
/// the map knows). \return the proposals, the most hits won first.
[[nodiscard]] std::vector<rule_proposal> propose_rules(std::span<unmatched_url const> misses,
                                                       mappings::snapshot const &map);

/// \return `proposals` as a rules.csv file: the header row, then one row each (RFC 4180 quoting).
[[nodiscard]] std::string rules_csv(std::span<rule_proposal const> proposals);

} // namespace forumgate::report
