#pragma once
// Rewriting a copied post's raw markdown for the new forum (discourse.md §4): links to the old
// forum (absolute on an old host, and relative ones in link positions), quotes
// `[quote="name, post:N, topic:T"]`, `upload://` short URLs, `@mentions` of renamed users and
// `#category` hashtags. Every target is looked up in the ID map snapshot through the same
// resolver the redirector uses, so a rewritten link lands exactly where its redirect would.
// Code (fenced blocks and inline spans) is left as written.

#include "mappings/snapshot.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace forumgate::importer {

/// The outcome of rewriting one post.
struct rewrite_result
{
    std::string raw;                   ///< the rewritten markdown
    int changes = 0;                   ///< references rewritten
    std::vector<std::string> problems; ///< references that could not be (each names it and why)
};

/// Rewrites `raw` against `map`. A reference the map cannot place yet (a topic imported later)
/// is left as written and listed in problems; run it again once the map holds it.
[[nodiscard]] rewrite_result rewrite_post(std::string_view raw, mappings::snapshot const &map);

/// \return the new short URL (`upload://{base62}.{ext}`) for an upload whose new URL is
/// `new_url`, or "" when the URL does not end in `{sha1}.{ext}`.
[[nodiscard]] std::string short_url_of(std::string_view new_url);

} // namespace forumgate::importer
