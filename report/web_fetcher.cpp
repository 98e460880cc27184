#include "report/web_fetcher.hpp"

#include "base/error.hpp"
#include "base/url_codec.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace forumgate::report {

web::http_client::options http_check_options::client_options() const
{
    web::http_client::options options;
    options.timeout = timeout;
    options.connect_timeout = std::min(timeout, std::chrono::milliseconds{std::chrono::seconds{10}});
    options.ca_file = ca_file;
    options.user_agent = "forumgate-coverage";
    return options;
}

web::retry_policy http_check_options::retry() const
{
    web::retry_policy policy;
    policy.max_attempts = std::max(attempts, 1);
    policy.backoff_base = std::chrono::milliseconds{200};
    policy.backoff_cap = std::chrono::seconds{5};
    policy.longest_retry_after = std::chrono::seconds{60};
    return policy;
}

std::optional<split_url_parts> split_url(std::string_view url)
{
    std::size_t scheme_end = 0;
    if (url.size() >= 8 && base::iequals(url.substr(0, 8), "https://")) {
        scheme_end = 8;
    } else if (url.size() >= 7 && base::iequals(url.substr(0, 7), "http://")) {
        scheme_end = 7;
    } else {
        return std::nullopt;
    }
    if (auto const hash = url.find('#'); hash != std::string_view::npos) {
        url = url.substr(0, hash);
    }
    auto const path_start = url.find_first_of("/?", scheme_end);
    std::string_view const origin = url.substr(0, path_start);
    std::string target = path_start == std::string_view::npos ? "/" : std::string{url.substr(path_start)};
    if (target.starts_with('?')) {
        target.insert(0, "/");
    }
    try {
        return split_url_parts{web::site_url::parse(origin, "URL"), std::move(target)};
    } catch (argument_error const &) {
        return std::nullopt;
    }
}

std::string resolve_reference(std::string_view base, std::string_view location)
{
    if (location.find("://") != std::string_view::npos && location.find("://") < location.find_first_of("/?#")) {
        return std::string{location};
    }
    auto const scheme_end = base.find("://");
    std::string_view const scheme = base.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end);
    if (location.starts_with("//")) {
        return std::string{scheme} + ":" + std::string{location};
    }
    std::size_t const authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    auto const path_start = base.find_first_of("/?#", authority_start);
    std::string_view const origin = base.substr(0, path_start);
    if (location.starts_with('/')) {
        return std::string{origin} + std::string{location};
    }
    // A relative reference: beside the last segment of the base's path.
    std::string_view path = path_start == std::string_view::npos ? "/" : base.substr(path_start);
    path = path.substr(0, path.find_first_of("?#"));
    if (location.starts_with('?')) {
        return std::string{origin} + std::string{path} + std::string{location};
    }
    auto const last_slash = path.rfind('/');
    return std::string{origin} +
           std::string{path.substr(0, last_slash == std::string_view::npos ? 0 : last_slash + 1)} +
           std::string{location};
}

web_fetcher::web_fetcher(web::http_client::options options, web::request_pacer &pacer, web::retry_policy policy)
    : m_options{std::move(options)}, m_pacer{pacer}, m_policy{policy}
{}

web_fetcher::~web_fetcher() = default;

web::http_response web_fetcher::get(std::string const &url,
                                    std::vector<std::pair<std::string, std::string>> const &headers)
{
    auto parts = split_url(url);
    if (!parts) {
        throw argument_error{fmt::format("{}: not an http or https URL", url)};
    }
    std::string const origin = parts->site.origin();
    auto &client = m_clients[origin];
    if (!client) {
        client = std::make_unique<web::http_client>(parts->site, m_options);
    }
    web::http_request request{.target = parts->target,
                              .headers = {{"Accept", "text/html,application/xml;q=0.9,*/*;q=0.8"}}};
    request.headers.insert(request.headers.end(), headers.begin(), headers.end());
    try {
        return web::polite_send(*client, m_pacer, request, m_policy);
    } catch (web::fetch_error const &e) {
        if (e.status() == 0) {
            throw;
        }
        web::http_response answer;
        answer.status = e.status();
        return answer;
    }
}

std::pair<web::http_response, std::string> web_fetcher::get_following(std::string const &url, int max_redirects)
{
    std::string current = url;
    for (int hop = 0;; ++hop) {
        auto answer = get(current);
        auto const location = answer.header("Location");
        if (answer.status < 300 || answer.status >= 400 || !location) {
            return {std::move(answer), current};
        }
        if (hop == max_redirects) {
            throw input_error{fmt::format("{}: more than {} redirects", url, max_redirects)};
        }
        current = resolve_reference(current, *location);
    }
}

} // namespace forumgate::report
