#pragma once
// The answers to old forum URLs on the public listeners: parse, resolve against the current
// map, answer 301/302/404/410/400/405/421, count, log. With acme-webroot set, ACME HTTP-01
// challenges are answered first, from that folder.

#include "redirector/acme_challenge.hpp"
#include "redirector/connection.hpp"
#include "redirector/map_holder.hpp"
#include "redirector/metrics.hpp"
#include "redirector/miss_log.hpp"
#include "redirector/response.hpp"
#include "redirector/settings.hpp"
#include "redirector/trusted_proxies.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

namespace forumgate::redirector {

/// Represents the reloadable settings the handlers read, swapped whole on reload.
struct live_settings
{
    answer_policy policy;
    std::vector<network> trusted_proxies;
    std::shared_ptr<access_log> log;
    std::optional<acme_webroot> acme; ///< answers ACME HTTP-01 challenges when set
};

/// \return the live settings for `settings`: the answer policy, the parsed trusted proxies, the
/// access log, opened, and the ACME webroot.
/// \throws argument_error for a bad `--trusted-proxy`, an access log that cannot be opened or an
/// `--acme-webroot` that is not a folder.
[[nodiscard]] std::shared_ptr<live_settings const> make_live_settings(serve_settings const &settings);

/// Represents the answers to old forum URLs.
class redirect_handler : public request_handler
{
public:
    redirect_handler(map_holder &maps, metrics &counters, miss_log &misses,
                     std::shared_ptr<live_settings const> settings);

    /// Swaps in new settings; connections take them before their next request.
    void replace_settings(std::shared_ptr<live_settings const> settings);

    std::unique_ptr<handler_state> new_state() override;
    bool handle(request_fields const &request, peer const &from, handler_state *state, std::string &out) override;
    void reject(int status, request_fields const &request, peer const &from, std::string &out) override;

private:
    /// Answers a request for the ACME challenge folder from the webroot of `settings`: 200 with the
    /// token's file, or 404; never cached.
    void answer_acme_challenge(request_fields const &request, peer const &from, live_settings const &settings,
                               request_line const &line, std::string_view date, std::string &out);

    map_holder &m_maps;
    metrics &m_metrics;
    miss_log &m_misses;
    std::atomic<std::shared_ptr<live_settings const>> m_settings;
    std::atomic<std::uint64_t> m_settings_generation{1};
};

} // namespace forumgate::redirector
