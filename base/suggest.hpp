#pragma once
// "Did you mean …?": the known word nearest to a mistyped one (a subcommand, a flag, a config
// key), by edit distance.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::base {

/// \return the number of single-character insertions, deletions, substitutions and swaps of
/// two neighbours that turn `a` into `b` (optimal string alignment distance): "fecth" and
/// "fetch" are 1 apart.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// \return the candidate nearest to `word`, if it is near enough to be a likely typo (at most
/// one edit per three characters, at least 2 allowed) or `word` is the start of it. Of equally
/// near ones, the one with the longest common start, then the first.
[[nodiscard]] std::optional<std::string> nearest(std::string_view word, std::vector<std::string> const &candidates);

} // namespace forumgate::base
