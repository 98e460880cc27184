#pragma once
// Where each old URL lands: resolved in-process by the resolver the redirector uses, or by
// asking a running redirector over HTTP (--via), then, optionally, with each target checked on
// the new forum (--check-targets).

#include "mappings/resolver.hpp"
#include "mappings/snapshot.hpp"
#include "report/outcome.hpp"
#include "report/url_tally.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::report {

class miss_explainer;

/// What the report found for one distinct URL.
struct verdict
{
    url_outcome outcome = url_outcome::not_found;
    miss_reason why = miss_reason::none;
    mappings::url_kind kind = mappings::url_kind::other;
    std::uint16_t status = 0;        ///< the redirector's answer (0: none came)
    std::string location;            ///< where it sent the URL (redirects only)
    std::uint16_t target_status = 0; ///< the target's last answer, when targets were checked
    std::uint8_t hops = 0;           ///< redirects the target made before its last answer
    std::string detail;              ///< what went wrong, for errors, loops, broken targets and off-site redirects
};

/// Represents the hosts a redirect may lead to: the new forum's and its upload hosts.
class site_check
{
public:
    explicit site_check(mappings::site_settings const &site);

    /// \return an empty string if `location` is an absolute http(s) URL on the new forum's host
    /// (and port) or on an upload host, else why it is off-site.
    [[nodiscard]] std::string off_site_problem(std::string_view location) const;

private:
    std::string m_host;
    std::uint16_t m_port = 0;
    std::vector<std::string> m_upload_hosts;
};

/// Resolves every URL in `tally` with `map`, as the redirector would answer it.
[[nodiscard]] std::vector<verdict> classify_in_process(url_tally const &tally, mappings::snapshot const &map,
                                                       miss_explainer const &explainer);

/// A running redirector's answer to one URL (--via).
struct probe_answer
{
    int status = 0; ///< 0: no answer (see problem)
    std::string location;
    std::string problem; ///< why there was no answer
};

/// Turns the redirector's answers into verdicts (`answers[i]` is the answer to `tally[i]`). With a map (`map` not null) the kind and the
/// reason of a miss come from resolving the URL in-process too; without, the kind comes from
/// the URL's shape and a miss's reason from the status alone.
[[nodiscard]] std::vector<verdict> classify_answers(url_tally const &tally, std::vector<probe_answer> const &answers,
                                                    mappings::site_settings const &site, mappings::snapshot const *map,
                                                    miss_explainer const &explainer);

} // namespace forumgate::report
