#pragma once
// Checking where redirects lead (--check-targets): each distinct target is asked for on the new
// forum, with bounded concurrency and rate, and must answer 200; redirects it makes are
// followed, and chains and loops reported.

#include "report/classify.hpp"
#include "report/web_fetcher.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace forumgate::web {
class progress;
}

namespace forumgate::report {

/// What became of one target.
struct target_result
{
    enum class state : std::uint8_t
    {
        ok,     ///< answered 200 at once
        chain,  ///< answered 200 after one or more redirects
        broken, ///< answered another status (after any redirects)
        loop,   ///< redirected back to a URL of its own chain, or more than max_redirects times
        error,  ///< no answer (connection refused, timeout, TLS…)
    };
    state result = state::error;
    int status = 0;     ///< the last answer's status (0: none)
    int hops = 0;       ///< redirects followed
    std::string detail; ///< the chain, or what failed
};

/// GETs each of `urls` (absolute URLs), following redirects. Never throws for one URL.
/// \return the results, in the order of `urls`.
[[nodiscard]] std::vector<target_result> check_targets(std::vector<std::string> const &urls,
                                                       http_check_options const &options, web::progress *progress);

/// Checks the target of every verdict that redirects (redirected, passed through), each
/// distinct target once, and updates the verdicts: chain, target_broken, loop or error, and
/// target_status and hops. \return how many distinct targets were checked.
std::size_t check_verdict_targets(std::vector<verdict> &verdicts, http_check_options const &options,
                                  web::progress *progress);

} // namespace forumgate::report
