#include "report/classify.hpp"

#include "base/url_codec.hpp"
#include "report/store_inputs.hpp"
#include "report/web_fetcher.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace forumgate::report {
namespace {

url_outcome outcome_of(mappings::decision const &d) noexcept
{
    switch (d.what) {
    case mappings::outcome::redirect:
        return d.restricted ? url_outcome::restricted : url_outcome::redirected;
    case mappings::outcome::pass_through:
        return url_outcome::passed_through;
    case mappings::outcome::gone:
        return url_outcome::gone;
    case mappings::outcome::not_found:
    case mappings::outcome::bad_request:
        return url_outcome::not_found;
    }
    return url_outcome::not_found;
}

/// The request a tallied URL makes: on its own host, or on the main old host.
mappings::request request_of(url_tally const &tally, std::size_t i)
{
    auto const &url = tally[i];
    return mappings::request{url.host.empty() ? std::string_view{tally.main_host()} : std::string_view{url.host},
                             url.target};
}

/// The path of an absolute URL, without its query.
std::string_view path_of_url(std::string_view url)
{
    auto const scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        return {};
    }
    auto const path = url.find('/', scheme + 3);
    if (path == std::string_view::npos) {
        return "/";
    }
    return url.substr(path, url.find_first_of("?#", path) - path);
}

/// The kind of URL a target is, from its shape alone (no map needed).
mappings::url_kind kind_of_target(std::string_view target)
{
    mappings::parsed_url url;
    if (url.parse(target) != mappings::parsed_url::status::ok) {
        return mappings::url_kind::other;
    }
    return mappings::kind_of(mappings::parse_shape(url).id);
}

} // namespace

site_check::site_check(mappings::site_settings const &site)
{
    if (auto const base = split_url(site.new_base)) {
        m_host = base->site.host;
        m_port = base->site.port;
    }
    for (auto const &host : site.upload_hosts) {
        m_upload_hosts.push_back(normal_host(host));
    }
}

std::string site_check::off_site_problem(std::string_view location) const
{
    if (location.starts_with('/') && !location.starts_with("//")) {
        return "a relative Location: the browser stays on the old host";
    }
    auto const parts = split_url(location);
    if (!parts) {
        return "the Location is no http(s) URL";
    }
    if (parts->site.host == m_host && parts->site.port == m_port) {
        return {};
    }
    if (std::find(m_upload_hosts.begin(), m_upload_hosts.end(), parts->site.host) != m_upload_hosts.end()) {
        return {};
    }
    return fmt::format("redirects to {}, which is neither the new forum nor an upload host", parts->site.origin());
}

std::vector<verdict> classify_in_process(url_tally const &tally, mappings::snapshot const &map,
                                         miss_explainer const &explainer)
{
    site_check const site{map.settings()};
    std::vector<verdict> out(tally.size());
    mappings::resolve_each(
        tally.size(), map, [&tally](std::size_t i) { return request_of(tally, i); },
        [&](std::size_t i, mappings::decision &&d) {
            verdict &v = out[i];
            v.outcome = outcome_of(d);
            v.kind = d.kind;
            v.status = static_cast<std::uint16_t>(d.status);
            if (d.status == 301) {
                v.detail = site.off_site_problem(d.location);
                if (!v.detail.empty()) {
                    v.outcome = url_outcome::off_site;
                }
                v.location = std::move(d.location);
            } else {
                v.why = explainer.explain(d, request_of(tally, i).target);
            }
        });
    return out;
}

std::vector<verdict> classify_answers(url_tally const &tally, std::vector<probe_answer> const &answers,
                                      mappings::site_settings const &site, mappings::snapshot const *map,
                                      miss_explainer const &explainer)
{
    site_check const check{site};
    std::vector<verdict> out(tally.size());
    mappings::parsed_url scratch;
    for (std::size_t i = 0; i < tally.size(); ++i) {
        auto const &answer = answers[i];
        auto const request = request_of(tally, i);
        verdict &v = out[i];
        v.status = static_cast<std::uint16_t>(answer.status);
        std::optional<mappings::decision> local;
        if (map != nullptr) {
            local = mappings::resolve(request, *map, scratch);
            v.kind = local->kind;
        } else {
            v.kind = kind_of_target(request.target);
        }
        int const status = answer.status;
        if ((status == 301 || status == 302 || status == 307 || status == 308) && !answer.location.empty()) {
            v.location = answer.location;
            v.detail = check.off_site_problem(answer.location);
            if (!v.detail.empty()) {
                v.outcome = url_outcome::off_site;
            } else if (local && local->status == 301) {
                v.outcome = outcome_of(*local);
            } else {
                // No map to ask: the same path on the new forum is a pass-through.
                bool const same_path =
                    path_of_url(answer.location) == request.target.substr(0, request.target.find_first_of("?#"));
                v.outcome = same_path ? url_outcome::passed_through : url_outcome::redirected;
            }
            continue;
        }
        if (status == 0 || status >= 500 || (status >= 200 && status < 300) || (status >= 300 && status < 400)) {
            v.outcome = url_outcome::error;
            v.detail = status == 0 ? answer.problem
                                   : fmt::format("the redirector answered {}{}", status,
                                                 status >= 300 && status < 400 ? " without a usable Location" : "");
            continue;
        }
        v.outcome = status == 410 ? url_outcome::gone : url_outcome::not_found;
        if (local && local->status != 301) {
            v.why = explainer.explain(*local, request.target);
        } else if (local) {
            v.why = miss_reason::map_differs;
        } else if (status == 410) {
            v.why = miss_reason::not_migrated;
        } else if (status == 400 || status == 414) {
            v.why = miss_reason::malformed;
        } else if (status == 421) {
            v.why = miss_reason::unknown_host;
        } else {
            v.why = miss_reason::unknown;
        }
    }
    return out;
}

} // namespace forumgate::report
