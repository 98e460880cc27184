#pragma once
// GETs of absolute URLs on any host, for sitemaps and for checking targets on the new forum:
// one kept-alive client per origin, paced and retried like every other request forumgate
// makes (importer/polite.hpp).

#include "web/http_client.hpp"
#include "web/polite.hpp"
#include "web/site_url.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace forumgate::report {

/// How the report's HTTP work is done (asking a redirector, checking targets).
struct http_check_options
{
    unsigned concurrency = 4;                                    ///< requests in flight at once
    double rate = 0.0;                                           ///< requests per second in all; 0: no cap
    std::chrono::milliseconds timeout{std::chrono::seconds{15}}; ///< for one exchange
    std::string ca_file{};                                       ///< PEM file of certificate authorities to trust (TLS)
    int attempts = 3; ///< per request, the first included (transport failures, 5xx, 429)
    int max_redirects =
        10; ///< followed from a target before it counts as a loop (browsers stop at 20, crawlers sooner)

    [[nodiscard]] web::http_client::options client_options() const;
    [[nodiscard]] web::retry_policy retry() const;
};

/// An absolute http(s) URL split into the site to connect to and the target to ask for.
struct split_url_parts
{
    web::site_url site; ///< scheme, host and port (no prefix)
    std::string target; ///< path and query, starting with '/'
};

/// \return the parts of an absolute http(s) URL (a fragment dropped), or nullopt if it is not one.
[[nodiscard]] std::optional<split_url_parts> split_url(std::string_view url);

/// \return the absolute URL a `Location` header leads to from `base` (an absolute URL):
/// absolute, scheme-relative (`//host/…`), absolute-path and relative references.
[[nodiscard]] std::string resolve_reference(std::string_view base, std::string_view location);

/// Represents a worker's connections to every host it has asked something. Not thread-safe:
/// one per thread; the pacer is shared.
class web_fetcher
{
public:
    web_fetcher(web::http_client::options options, web::request_pacer &pacer, web::retry_policy policy);
    ~web_fetcher();
    web_fetcher(web_fetcher const &) = delete;
    web_fetcher &operator=(web_fetcher const &) = delete;

    /// GETs `url` without following a redirect, retrying 5xx, 429 and transport failures as the
    /// policy says; `headers` are sent besides the usual ones (Api-Key, Api-Username). \return
    /// the answer: 2xx and 3xx with headers and body, other statuses with the status alone.
    /// \throws web::fetch_error (status 0) if no answer came; argument_error if `url` is
    /// not an absolute http(s) URL.
    [[nodiscard]] web::http_response get(std::string const &url,
                                         std::vector<std::pair<std::string, std::string>> const &headers = {});

    /// GETs `url`, following up to `max_redirects` redirects. \return the last answer and the
    /// URL it came from. \throws as get(); input_error naming the URL if there are more redirects.
    [[nodiscard]] std::pair<web::http_response, std::string> get_following(std::string const &url, int max_redirects);

private:
    web::http_client::options m_options;
    web::request_pacer &m_pacer;
    web::retry_policy m_policy;
    std::map<std::string, std::unique_ptr<web::http_client>> m_clients; ///< by origin
};

} // namespace forumgate::report
