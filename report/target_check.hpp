#pragma once
// Checking where redirects lead (--check-targets): each distinct target is asked for on the new
// forum, with bounded concurrency and rate, and must answer 200; redirects it makes are
// followed, and chains and loops reported. Members-only targets are asked for as a member when
// an API key is given (never sent to any other host), and not at all otherwise.

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

/// Represents how members-only targets are asked for: as a user of the new forum, the way
/// Discourse's API takes it (Api-Key and Api-Username headers, as the importer sends them).
/// The key goes to the new forum's own origin only, never to a host a redirect leads to.
struct member_access
{
    std::string api_key;                 ///< empty: members-only targets are not asked for
    std::string api_username = "system"; ///< the user the key acts as (Discourse's convention)
    std::string origin;                  ///< the new forum's scheme, host and port: where the key may go

    [[nodiscard]] bool given() const noexcept { return !api_key.empty(); }
};

/// GETs each of `urls` (absolute URLs), following redirects; as `members` (may be null: anonymous)
/// on the new forum's origin. Never throws for one URL.
/// \return the results, in the order of `urls`.
[[nodiscard]] std::vector<target_result> check_targets(std::vector<std::string> const &urls,
                                                       http_check_options const &options, web::progress *progress,
                                                       member_access const *members = nullptr);

/// What check_verdict_targets() did.
struct target_check_totals
{
    std::size_t targets = 0;      ///< distinct targets asked for
    std::size_t members_only = 0; ///< distinct members-only targets, asked for or not
    std::size_t refused_key = 0;  ///< members-only targets that refused the API key (401, 403)
};

/// Checks the target of every verdict that redirects (redirected, passed through, restricted),
/// each distinct target once, and updates the verdicts: chain, target_broken, loop or error,
/// and target_status and hops. A restricted verdict's target is asked for with `members`' key
/// and stays restricted when it answers 200 (at once or after redirects: the map keeps no slug of
/// a members-only topic, so the new forum adds it); without a key it is not asked for, since
/// Discourse answers 404 to visitors whether or not it exists.
target_check_totals check_verdict_targets(std::vector<verdict> &verdicts, http_check_options const &options,
                                          member_access const &members, web::progress *progress);

} // namespace forumgate::report
