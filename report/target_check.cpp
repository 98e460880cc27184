#include "report/target_check.hpp"

#include "base/parallel.hpp"
#include "web/polite.hpp"
#include "web/progress.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace forumgate::report {
namespace {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// The origin (scheme, host, port) of an absolute URL, as web::site_url writes it; empty if none.
std::string origin_of(std::string_view url)
{
    auto const parts = split_url(url);
    return parts ? parts->site.origin() : std::string{};
}

target_result check_one(web_fetcher &fetcher, std::string const &url, int max_redirects, member_access const *members)
{
    target_result out;
    std::unordered_set<std::string> seen{url};
    std::string current = url;
    std::string chain = url;
    header_list const member_headers =
        members != nullptr && members->given()
            ? header_list{{"Api-Key", members->api_key}, {"Api-Username", members->api_username}}
            : header_list{};
    for (;;) {
        web::http_response answer;
        try {
            // The key goes to the new forum alone, whatever host a redirect leads to.
            bool const keyed = !member_headers.empty() && origin_of(current) == members->origin;
            answer = fetcher.get(current, keyed ? member_headers : header_list{});
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
                                         web::progress *progress, member_access const *members)
{
    std::vector<target_result> results(urls.size());
    web::request_pacer pacer{options.rate};
    base::run_parallel(
        urls.size(), options.concurrency,
        [&] { return std::make_unique<web_fetcher>(options.client_options(), pacer, options.retry()); },
        [&](std::size_t i, std::unique_ptr<web_fetcher> &fetcher) {
            results[i] = check_one(*fetcher, urls[i], options.max_redirects, members);
            if (progress != nullptr) {
                progress->add();
                if (results[i].result != target_result::state::ok) {
                    progress->add_failure();
                }
            }
        });
    return results;
}

target_check_totals check_verdict_targets(std::vector<verdict> &verdicts, http_check_options const &options,
                                          member_access const &members, web::progress *progress)
{
    // Distinct targets, public and members-only apart: the same URL may answer a member and a
    // visitor differently.
    struct target_list
    {
        std::vector<std::string> urls;
        std::unordered_map<std::string_view, std::uint32_t> index;

        std::uint32_t add(std::string const &url)
        {
            auto const [found, added] = index.try_emplace(url, static_cast<std::uint32_t>(urls.size()));
            if (added) {
                urls.push_back(url);
            }
            return found->second;
        }
    };
    target_list open;
    target_list members_only;
    std::vector<std::uint32_t> target_of(verdicts.size(), UINT32_MAX);
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        auto const &v = verdicts[i];
        if (v.outcome == url_outcome::redirected || v.outcome == url_outcome::passed_through) {
            target_of[i] = open.add(v.location);
        } else if (v.outcome == url_outcome::restricted) {
            target_of[i] = members_only.add(v.location);
        }
    }
    target_check_totals totals;
    totals.members_only = members_only.urls.size();
    if (!members.given()) {
        members_only.urls.clear(); // not asked for: an anonymous 404 tells nothing
    }
    totals.targets = open.urls.size() + members_only.urls.size();
    if (progress != nullptr) {
        progress->set_total(totals.targets);
    }
    auto const open_results = check_targets(open.urls, options, progress);
    auto const member_results = check_targets(members_only.urls, options, progress, &members);
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        verdict &v = verdicts[i];
        if (target_of[i] == UINT32_MAX || (v.outcome == url_outcome::restricted && !members.given())) {
            continue;
        }
        bool const restricted = v.outcome == url_outcome::restricted;
        auto const &result = restricted ? member_results[target_of[i]] : open_results[target_of[i]];
        v.target_status = static_cast<std::uint16_t>(result.status);
        v.hops = static_cast<std::uint8_t>(std::min(result.hops, 255));
        v.detail = result.detail;
        if (!restricted) {
            v.outcome = outcome_after_check(v.outcome, result.result);
            continue;
        }
        using state = target_result::state;
        if (result.result == state::ok || result.result == state::chain) {
            continue; // works for members; a slug added by the new forum is no fault of the map's
        }
        if (result.result == state::broken && (result.status == 401 || result.status == 403)) {
            // Not known to be broken: the key was refused.
            v.outcome = url_outcome::error;
            v.detail = fmt::format("{} (asked as {}){}", result.detail, members.api_username,
                                   web::credentials_hint(result.status));
            continue;
        }
        v.outcome = outcome_after_check(url_outcome::redirected, result.result);
    }
    for (std::size_t i = 0; i < members_only.urls.size(); ++i) {
        auto const &result = member_results[i];
        if (result.result == target_result::state::broken && (result.status == 401 || result.status == 403)) {
            ++totals.refused_key;
        }
    }
    return totals;
}

} // namespace forumgate::report
