#include "base/suggest.hpp"

#include <algorithm>
#include <numeric>

namespace forumgate::base {

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    // Three rows of the dynamic programme: two back (for a swap), one back, this one.
    std::vector<std::size_t> before(b.size() + 1);
    std::vector<std::size_t> previous(b.size() + 1);
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(previous.begin(), previous.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t const cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                row[j] = std::min(row[j], before[j - 2] + 1);
            }
        }
        std::swap(before, previous);
        std::swap(previous, row);
    }
    return previous[b.size()];
}

std::optional<std::string> nearest(std::string_view word, std::vector<std::string> const &candidates)
{
    std::size_t const allowed = std::max<std::size_t>(2, word.size() / 3);
    std::optional<std::string> best;
    std::size_t best_distance = allowed + 1;
    std::size_t best_prefix = 0;
    for (auto const &candidate : candidates) {
        std::size_t const distance = edit_distance(word, candidate);
        // Of equally near ones, the one that starts like `word`: "sorce" is "source", not "force".
        auto const prefix = static_cast<std::size_t>(
            std::mismatch(word.begin(), word.end(), candidate.begin(), candidate.end()).first - word.begin());
        if (distance < best_distance || (distance == best_distance && prefix > best_prefix)) {
            best = candidate;
            best_distance = distance;
            best_prefix = prefix;
        }
    }
    if (best || word.size() < 3) {
        return best;
    }
    for (auto const &candidate : candidates) {
        if (candidate.starts_with(word)) {
            return candidate;
        }
    }
    return std::nullopt;
}

} // namespace forumgate::base
