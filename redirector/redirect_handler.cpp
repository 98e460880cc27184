#include "redirector/redirect_handler.hpp"

#include "base/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace forumgate::redirector {

namespace {

/// Per-connection state of the redirect handler: the map it used last and a parse buffer.
struct redirect_state : handler_state
{
    void forget_map() override
    {
        map.reset();
        generation = 0; // map_holder's generations start at 1: the next request takes the current map
    }

    std::shared_ptr<mappings::snapshot const> map;
    std::uint64_t generation = 0;
    std::shared_ptr<live_settings const> settings;
    std::uint64_t settings_generation = 0;
    mappings::parsed_url scratch;
};

// The words of an old slug, for the 404 page's search link: /t/agm-2019-minutes/7 → "agm 2019 minutes".
std::string search_words_of(std::string_view target)
{
    mappings::parsed_url url;
    if (url.parse(target) != mappings::parsed_url::status::ok) {
        return {};
    }
    auto const shape = mappings::parse_shape(url);
    if (shape.name.empty() || (shape.id != mappings::shape_id::topic && shape.id != mappings::shape_id::topic_by_slug &&
                               shape.id != mappings::shape_id::category_by_slug)) {
        return {};
    }
    std::string words{shape.name.substr(0, 100)};
    std::replace(words.begin(), words.end(), '-', ' ');
    return words;
}

} // namespace

std::shared_ptr<live_settings const> make_live_settings(serve_settings const &settings)
{
    auto live = std::make_shared<live_settings>();
    live->policy.soft = settings.soft;
    live->policy.permanent_max_age = static_cast<std::uint32_t>(settings.permanent_max_age);
    live->policy.soft_max_age = static_cast<std::uint32_t>(settings.soft_max_age);
    live->policy.miss_max_age = static_cast<std::uint32_t>(settings.miss_max_age);
    if (settings.hsts_max_age < 0 || settings.hsts_max_age > 2 * 365 * 24 * 3600) {
        throw argument_error{"--hsts-max-age must be between 0 (off) and 63072000 (two years)"};
    }
    live->policy.hsts_max_age = static_cast<std::uint32_t>(settings.hsts_max_age);
    live->trusted_proxies = parse_networks(settings.trusted_proxy);
    if (!settings.acme_webroot.empty()) {
        std::error_code error;
        if (!std::filesystem::is_directory(settings.acme_webroot, error)) {
            throw argument_error{fmt::format("--acme-webroot {}: not a folder (the webroot of `certbot --webroot -w "
                                             "DIR`, which writes its challenges below it; create it first)",
                                             settings.acme_webroot)};
        }
        live->acme.emplace(settings.acme_webroot);
    }
    if (!settings.access_log.empty()) {
        live->log = std::make_shared<access_log>(settings.access_log);
    }
    return live;
}

redirect_handler::redirect_handler(map_holder &maps, metrics &counters, miss_log &misses,
                                   std::shared_ptr<live_settings const> settings)
    : m_maps{maps}, m_metrics{counters}, m_misses{misses}, m_settings{std::move(settings)}
{}

void redirect_handler::replace_settings(std::shared_ptr<live_settings const> settings)
{
    m_settings.store(std::move(settings), std::memory_order_release);
    m_settings_generation.fetch_add(1, std::memory_order_acq_rel);
}

std::unique_ptr<handler_state> redirect_handler::new_state()
{
    return std::make_unique<redirect_state>();
}

bool redirect_handler::handle(request_fields const &request, peer const &from, handler_state *state, std::string &out)
{
    auto const start = std::chrono::steady_clock::now();
    auto &s = static_cast<redirect_state &>(*state);
    // Take a newer map or settings only when they changed: no shared counters touched per request.
    if (std::uint64_t const generation = m_maps.generation(); generation != s.generation) {
        s.map = m_maps.current();
        s.generation = generation;
    }
    if (std::uint64_t const generation = m_settings_generation.load(std::memory_order_acquire);
        generation != s.settings_generation || !s.settings) {
        s.settings = m_settings.load(std::memory_order_acquire);
        s.settings_generation = generation;
    }
    request_line const line{request.method == http::verb::head, request.keep_alive, request.http10(),
                            from.tls ? s.settings->policy.hsts_max_age : 0};
    request_line closing = line;
    closing.keep_alive = false;
    std::string_view const date = current_http_date();
    if (request.method != http::verb::get && request.method != http::verb::head) {
        m_metrics.count(metrics::rejection::method_not_allowed);
        append_error(out, 405, line, date);
        return true;
    }
    if (request.host_count > 1 || (request.host_count == 0 && !request.http10())) {
        m_metrics.count(metrics::rejection::bad_request);
        append_error(out, 400, closing, date); // HTTP/1.1 needs exactly one Host
        return false;
    }
    // ACME HTTP-01 challenges come before the map: with acme-webroot set, that folder is answered
    // from disk, for the old host names only, and never redirected.
    if (s.settings->acme && is_acme_challenge(request.target)) {
        if (!mappings::answers_for_host(request.host, *s.map)) {
            m_metrics.count(metrics::rejection::misdirected);
            append_error(out, 421, line, date);
            return true;
        }
        answer_acme_challenge(request, from, *s.settings, line, date, out);
        return true;
    }
    mappings::decision const decision = mappings::resolve({request.host, request.target}, *s.map, s.scratch);
    if (decision.why == mappings::reason::unknown_host) {
        m_metrics.count(metrics::rejection::misdirected);
        append_error(out, 421, line, date);
        return true;
    }
    std::string_view search_words;
    std::string words;
    if (decision.what == mappings::outcome::not_found || decision.what == mappings::outcome::gone) {
        words = search_words_of(request.target);
        search_words = words;
        m_misses.record(request.target, decision.why);
    }
    append_answer(out, decision, decision.what == mappings::outcome::bad_request ? closing : line, s.settings->policy,
                  date, s.map->settings().new_base, search_words);
    m_metrics.count(decision.what, decision.kind, std::chrono::steady_clock::now() - start);
    if (s.settings->log) {
        // The status sent: a redirect is a 302 in the soft period.
        int const sent = decision.status == 301 && s.settings->policy.soft ? 302 : decision.status;
        s.settings->log->write(client_address(request.forwarded_for, from.address, s.settings->trusted_proxies),
                               request, sent, date);
    }
    return decision.what != mappings::outcome::bad_request;
}

void redirect_handler::answer_acme_challenge(request_fields const &request, peer const &from,
                                             live_settings const &settings, request_line const &line,
                                             std::string_view date, std::string &out)
{
    // Only a well-formed token is looked up, as a file of the challenge folder: no other path is
    // ever opened. The read is a few bytes from the page cache, done here on the I/O thread.
    std::optional<std::string> key_authorization;
    if (auto const token = acme_token(request.target)) {
        key_authorization = settings.acme->read(*token);
    }
    int const status = key_authorization ? 200 : 404;
    append_uncached(out, status, "text/plain", key_authorization ? std::string_view{*key_authorization} : "Not Found\n",
                    line, date);
    m_metrics.count_acme_challenge(key_authorization.has_value());
    if (settings.log) {
        settings.log->write(client_address(request.forwarded_for, from.address, settings.trusted_proxies), request,
                            status, date);
    }
}

void redirect_handler::reject(int status, request_fields const &request, peer const &from, std::string &out)
{
    m_metrics.count(status == 408 ? metrics::rejection::timeout : metrics::rejection::bad_request);
    // A refusal on the TLS port carries HSTS as every other answer there does.
    auto const settings = m_settings.load(std::memory_order_acquire);
    std::uint32_t const hsts = from.tls && settings ? settings->policy.hsts_max_age : 0;
    append_error(out, status, {request.method == http::verb::head, false, request.http10(), hsts}, current_http_date());
}

} // namespace forumgate::redirector
