#include "report/target_check.hpp"

#include "base/parallel.hpp"
#include "web/progress.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace forumgate::report {
namespace {

target_result check_one(web_fetcher &fetcher, std::string const &url, int max_redirects)
{
    target_result out;
    std::unordered_set<std::string> seen{url};
    std::string current = url;
    std::string chain = url;
    for (;;) {
        web::http_response answer;
        try {
            answer = fetcher.get(current);
        } catch (std::exception const &e) {
            out.result = target_result::state::error;
            out.detail = out.hops == 0 ? e.what() : fmt::format("{} (after {})", e.what(), chain);
            return out;
        }
        out.status = answer.status;
        auto const location = answer.header("Location");
        if (answer.status >= 300 && answer.status < 400 && location && !location->empty()) {
            std::string next = resolve_reference(current, *location);
            chain += " → " + next;
            ++out.hops;
            if (!seen.insert(next).second) {
                out.result = target_result::state::loop;
                out.detail = chain;
                return out;
            }
            if (out.hops > max_redirects) {
                out.result = target_result::state::loop;
                out.detail = fmt::format("more than {} redirects: {}", max_redirects, chain);
                return out;
            }
            current = std::move(next);
            continue;
        }
        if (answer.status == 200) {
            out.result = out.hops == 0 ? target_result::state::ok : target_result::state::chain;
            out.detail = out.hops == 0 ? std::string{} : chain;
            return out;
        }
        out.result = target_result::state::broken;
        out.detail = answer.status >= 300 && answer.status < 400
                         ? fmt::format("{} answered {} without a Location", current, answer.status)
                         : fmt::format("{} answered {}", current, answer.status);
        if (out.hops > 0) {
            out.detail += " (after " + chain + ")";
        }
        return out;
    }
}

/// The outcome of a redirect once its target was checked: its own (redirected or passed
/// through) when the target answered 200 at once, else what the check found.
url_outcome outcome_after_check(url_outcome redirect, target_result::state target) noexcept
{
    // In target_result::state's order, from chain on.
    static constexpr std::array<url_outcome, 4> FOUND = {url_outcome::chain, url_outcome::target_broken,
                                                         url_outcome::loop, url_outcome::error};
    static_assert(static_cast<std::size_t>(target_result::state::error) == FOUND.size());
    if (target == target_result::state::ok) {
        return redirect;
    }
    return FOUND[static_cast<std::size_t>(target) - 1];
}

} // namespace

std::vector<target_result> check_targets(std::vector<std::string> const &urls, http_check_options const &options,
                                         web::progress *progress)
{
    std::vector<target_result> results(urls.size());
    web::request_pacer pacer{options.rate};
    base::run_parallel(
        urls.size(), options.concurrency,
        [&] { return std::make_unique<web_fetcher>(options.client_options(), pacer, options.retry()); },
        [&](std::size_t i, std::unique_ptr<web_fetcher> &fetcher) {
            results[i] = check_one(*fetcher, urls[i], options.max_redirects);
            if (progress != nullptr) {
                progress->add();
                if (results[i].result != target_result::state::ok) {
                    progress->add_failure();
                }
            }
        });
    return results;
}

std::size_t check_verdict_targets(std::vector<verdict> &verdicts, http_check_options const &options,
                                  web::progress *progress)
{
    std::vector<std::string> targets;
    std::unordered_map<std::string_view, std::uint32_t> index;
    std::vector<std::uint32_t> target_of(verdicts.size(), UINT32_MAX);
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        auto const &v = verdicts[i];
        if (v.outcome != url_outcome::redirected && v.outcome != url_outcome::passed_through) {
            continue;
        }
        auto const [found, added] = index.try_emplace(v.location, static_cast<std::uint32_t>(targets.size()));
        if (added) {
            targets.push_back(v.location);
        }
        target_of[i] = found->second;
    }
    if (progress != nullptr) {
        progress->set_total(targets.size());
    }
    auto const results = check_targets(targets, options, progress);
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        if (target_of[i] == UINT32_MAX) {
            continue;
        }
        auto const &result = results[target_of[i]];
        verdict &v = verdicts[i];
        v.target_status = static_cast<std::uint16_t>(result.status);
        v.hops = static_cast<std::uint8_t>(std::min(result.hops, 255));
        v.detail = result.detail;
        v.outcome = outcome_after_check(v.outcome, result.result);
    }
    return targets.size();
}

} // namespace forumgate::report
