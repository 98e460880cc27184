#include "report/coverage.hpp"

#include "base/error.hpp"
#include "mappings/old_url.hpp"
#include "report/classify.hpp"
#include "report/figures.hpp"
#include "report/inputs.hpp"
#include "report/redirector_probe.hpp"
#include "report/sitemap.hpp"
#include "report/store_inputs.hpp"
#include "report/target_check.hpp"
#include "store/store.hpp"
#include "web/progress.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

namespace forumgate::report {
namespace {

bool is_web_url(std::string_view s)
{
    return s.starts_with("http://") || s.starts_with("https://");
}

std::string utc_now()
{
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

/// The unmatched-shape misses the rules could address, with their hits.
std::vector<unmatched_url> unmatched(url_tally const &tally, std::vector<verdict> const &verdicts)
{
    std::vector<unmatched_url> out;
    for (std::size_t i = 0; i < tally.size(); ++i) {
        if (verdicts[i].why == miss_reason::unknown_shape) {
            out.push_back(unmatched_url{tally[i].target, tally[i].hits});
        }
    }
    return out;
}

} // namespace

void check_options(coverage_options const &options)
{
    if (options.sitemaps.empty() && options.access_logs.empty() && options.url_lists.empty() && !options.from_map &&
        !options.from_misses) {
        throw argument_error{"no old URLs to check: give --sitemap, --access-log, --urls, --from-map or --from-misses"};
    }
    bool const store = !options.database.empty();
    if (options.from_map && !store) {
        throw argument_error{"--from-map reads the map from the store: give --db (or set FORUMGATE_DB)"};
    }
    if (options.from_misses && !store) {
        throw argument_error{"--from-misses reads the miss log from the store: give --db (or set FORUMGATE_DB)"};
    }
    if (!options.log_format.empty()) {
        if (options.access_logs.empty()) {
            throw argument_error{"--log-format says how to read access logs: give --access-log too"};
        }
        (void)log_format{options.log_format}; // a format that cannot be read stops the run before any work
    }
    if (options.via.empty()) {
        if (!store) {
            throw argument_error{"resolving old URLs needs the map: give --db (or set FORUMGATE_DB), or ask a running "
                                 "redirector with --via"};
        }
        if (!options.old_hosts.empty() || !options.new_base.empty() || !options.upload_hosts.empty()) {
            throw argument_error{
                "--old-host, --new-base and --upload-host go with --via: without it the map in the store "
                "names the hosts"};
        }
    } else {
        (void)web::site_url::parse(options.via, "--via");
        if (!store && (options.old_hosts.empty() || options.new_base.empty())) {
            throw argument_error{
                "--via without --db needs --old-host (the host names to ask for) and --new-base (to tell "
                "a redirect off the new forum)"};
        }
    }
    if (!options.api_key.empty() && !options.check_targets) {
        throw argument_error{"--api-key-file goes with --check-targets: the key is for asking the new forum for "
                             "members-only targets"};
    }
    if (options.api_username.empty()) {
        throw argument_error{"--api-username: give the user the API key acts as (Discourse's default: system)"};
    }
    if (options.http.concurrency < 1 || options.http.concurrency > 64) {
        throw argument_error{fmt::format("--concurrency {}: must be from 1 to 64", options.http.concurrency)};
    }
    if (options.http.rate < 0) {
        throw argument_error{fmt::format("--rate {}: must be 0 (no cap) or more", options.http.rate)};
    }
    if (options.http.timeout < std::chrono::seconds{1}) {
        throw argument_error{"--timeout: must be at least 1 second"};
    }
    auto const must_exist = [](std::string const &file) {
        if (file != "-" && !std::filesystem::is_regular_file(file) && !std::filesystem::is_fifo(file)) {
            throw input_error{fmt::format("{}: no such file", file)};
        }
    };
    for (auto const &file : options.access_logs) {
        must_exist(file);
    }
    for (auto const &file : options.url_lists) {
        must_exist(file);
    }
    if (std::count(options.access_logs.begin(), options.access_logs.end(), "-") +
            std::count(options.url_lists.begin(), options.url_lists.end(), "-") >
        1) {
        throw argument_error{"standard input ('-') can be read once: as one --access-log or one --urls"};
    }
    for (auto const &sitemap : options.sitemaps) {
        if (!is_web_url(sitemap)) {
            must_exist(sitemap);
        }
    }
}

namespace {

/// The map and the site the old URLs are resolved against.
struct loaded_map
{
    std::unique_ptr<store::database> store; ///< null without --db
    std::shared_ptr<mappings::snapshot const> map;
    miss_explainer explainer;
    mappings::site_settings site;
};

// The map and the site: from the store; with --via, the hosts may be given instead.
loaded_map load_map(coverage_options const &options, coverage_report &report)
{
    loaded_map loaded;
    auto &site = loaded.site;
    if (!options.database.empty()) {
        loaded.store = std::make_unique<store::database>(options.database);
        loaded.store->migrate();
        loaded.map = loaded.store->load_snapshot();
        loaded.explainer = miss_explainer::load(*loaded.store);
        site = loaded.map->settings();
        report.map_version = loaded.map->version();
        spdlog::info("coverage: the map (version {}) of {} → {}", loaded.map->version(), site.old_hosts.front(),
                     site.new_base);
        // The forums are named as the map names them, whatever hosts --via is told to ask for.
        report.old_forum = site.old_hosts.front();
        report.new_forum = forum_name(site.new_base);
    }
    mappings::override_with(site, {options.new_base, options.old_hosts, options.upload_hosts});
    mappings::normalise(site);
    report.old_hosts = site.old_hosts;
    report.new_base = site.new_base;
    if (report.old_forum.empty()) {
        report.old_forum = site.old_hosts.front();
        report.new_forum = forum_name(site.new_base);
    }
    return loaded;
}

void read_sitemap_inputs(coverage_options const &options, url_tally &tally, input_summary &in)
{
    web::request_pacer pacer{options.http.rate};
    web_fetcher fetcher{options.http.client_options(), pacer, options.http.retry()};
    for (auto const &source : options.sitemaps) {
        auto const totals = read_sitemaps(source, fetcher, [&](std::string_view url) {
            if (auto const request = mappings::request_from_url(url, {})) {
                tally.add(request->host, request->target, 0, FROM_SITEMAP);
            } else {
                note_malformed(in, source, 0, "a sitemap <loc> that is no http(s) URL", url);
            }
        });
        in.sitemap_documents += totals.documents;
        in.sitemap_urls += totals.urls;
        spdlog::info("coverage: sitemap {}: {} URLs in {} documents", source, totals.urls, totals.documents);
    }
}

// Every input into one tally of distinct URLs.
void read_inputs(coverage_options const &options, loaded_map const &loaded, url_tally &tally, input_summary &in)
{
    in.sitemaps = options.sitemaps;
    in.access_logs = options.access_logs;
    in.url_lists = options.url_lists;
    in.from_map = options.from_map;
    in.from_misses = options.from_misses;
    in.probes_counted = options.count_probes;
    // Scanners and bots trying the server are no missed links: set apart unless --count-probes.
    traffic_classifier const traffic{loaded.site.old_hosts};
    if (!options.sitemaps.empty()) {
        read_sitemap_inputs(options, tally, in);
    }
    if (!options.access_logs.empty()) {
        web::progress progress{"reading access logs", "lines", std::nullopt, options.terminal, options.quiet};
        std::optional<log_format> format;
        if (!options.log_format.empty()) {
            format.emplace(options.log_format);
        }
        log_reading const how{format ? &*format : nullptr, options.keep_internal, options.allow_truncated, &traffic,
                              options.count_probes};
        for (auto const &file : options.access_logs) {
            read_access_log(file, tally, in, how, &progress);
        }
    }
    if (!options.access_logs.empty()) {
        spdlog::info("coverage: access logs: {} lines, {} requests for old URLs, {} probes {}, {} malformed",
                     in.log_lines, in.log_requests, in.probe_requests(),
                     options.count_probes ? "counted in" : "set apart", in.malformed);
    }
    for (auto const &file : options.url_lists) {
        read_url_list(file, tally, in);
    }
    if (options.from_map) {
        in.map_urls = add_map_urls(*loaded.store, tally);
        spdlog::info("coverage: {} URLs from the map", in.map_urls);
    }
    if (options.from_misses) {
        in.miss_log_urls = add_miss_log(*loaded.store, tally, &in);
        spdlog::info("coverage: {} URLs from the miss log", in.miss_log_urls);
    }
    spdlog::info("coverage: {} distinct old URLs", tally.size());
}

// Where each URL lands: the resolver in-process, or a running redirector.
std::vector<verdict> classify_all(coverage_options const &options, loaded_map const &loaded, url_tally const &tally,
                                  coverage_report &report)
{
    if (options.via.empty()) {
        report.resolved_by = "map";
        return classify_in_process(tally, *loaded.map, loaded.explainer);
    }
    report.resolved_by = "redirector";
    report.redirector = options.via;
    auto const via = web::site_url::parse(options.via, "--via");
    std::vector<probe_answer> answers;
    {
        web::progress progress{"asking the redirector", "URLs", tally.size(), options.terminal, options.quiet};
        answers = ask_redirector(via, tally, options.http, &progress);
    }
    return classify_answers(tally, answers, loaded.site, loaded.map.get(), loaded.explainer);
}

} // namespace

coverage_report run_coverage(coverage_options const &options)
{
    check_options(options);
    auto const started = std::chrono::steady_clock::now();
    coverage_report report;
    report.generated_at = utc_now();

    loaded_map const loaded = load_map(options, report);
    url_tally tally{loaded.site.old_hosts.front()};
    read_inputs(options, loaded, tally, report.inputs);
    std::vector<verdict> verdicts = classify_all(options, loaded, tally, report);

    // What the redirects lead to on the new forum; members-only places as a member, if a key was given.
    if (options.check_targets) {
        member_access members{options.api_key, options.api_username, {}};
        if (auto const base = split_url(loaded.site.new_base)) {
            members.origin = base->site.origin();
        }
        web::progress progress{"checking targets", "targets", std::nullopt, options.terminal, options.quiet};
        auto const totals = check_verdict_targets(verdicts, options.http, members, &progress);
        report.targets = totals.targets;
        report.members_only_targets = totals.members_only;
        report.members_checked_as = members.given() ? options.api_username : std::string{};
        report.targets_checked = true;
        if (totals.refused_key > 0) {
            spdlog::warn("coverage: the new forum refused the API key for {} members-only targets (401/403): check "
                         "--api-key-file and --api-username",
                         totals.refused_key);
        } else if (!members.given() && totals.members_only > 0) {
            spdlog::info("coverage: {} members-only targets not checked: give --api-key-file to check them as a member",
                         totals.members_only);
        }
    }

    work_out_figures(report, tally, verdicts, options.top);

    // Rules for misses that share a shape, tried against the map.
    if (loaded.map) {
        report.proposals_possible = true;
        auto const candidates = unmatched(tally, verdicts);
        report.proposals = propose_rules(candidates, *loaded.map);
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("coverage: {} URLs, {} hits, {} missed; {:.1f} s", report.total.urls, report.total.hits,
                 report.missed_urls, report.seconds);
    return report;
}

} // namespace forumgate::report
