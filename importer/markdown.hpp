#pragma once
// Where markdown is code: the one rule fetch (mentions) and import's rewrite (links, quotes,
// mentions) both use, so they agree on what in a post is live.

#include <string>
#include <string_view>
#include <vector>

namespace forumgate::importer {

/// Marks the bytes of `raw` inside code: fenced blocks (from ``` to the next ```, or the end),
/// then inline spans in the text outside them (from ` to the next ` on the same line of that
/// text). \return one flag per byte of `raw`.
[[nodiscard]] std::vector<bool> code_mask(std::string_view raw);

/// \return `raw` with every byte inside code (code_mask) replaced by a space.
[[nodiscard]] std::string without_code(std::string_view raw);

} // namespace forumgate::importer
