#include "redirector/metrics.hpp"

#include <fmt/format.h>

#include <ctime>

namespace forumgate::redirector {
namespace {

constexpr std::string_view REJECTION_NAMES[] = {"method_not_allowed", "misdirected", "bad_request", "timeout"};

std::size_t next_shard_index() noexcept
{
    static std::atomic<std::size_t> next{0};
    return next.fetch_add(1, std::memory_order_relaxed);
}

/// Appends the HELP and TYPE lines that open the metric family `name`.
void append_family(std::string &out, std::string_view name, std::string_view help, std::string_view type)
{
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n", name, help, type);
}

/// Appends a gauge without labels: its HELP and TYPE lines and its one sample.
template <typename T>
void append_gauge(std::string &out, std::string_view name, std::string_view help, T value)
{
    append_family(out, name, help, "gauge");
    out += fmt::format("{} {}\n", name, value);
}

} // namespace

metrics::shard &metrics::my_shard() noexcept
{
    // Each thread keeps to one shard, so counters are not shared between cores.
    thread_local std::size_t const index = next_shard_index();
    return m_shards[index % SHARDS];
}

void metrics::count(mappings::outcome what, mappings::url_kind kind, std::chrono::nanoseconds latency) noexcept
{
    shard &s = my_shard();
    s.requests[static_cast<std::size_t>(what)][static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
    auto const us = static_cast<std::uint64_t>(latency.count() / 1000);
    std::size_t bucket = 0;
    while (bucket < LATENCY_BUCKETS_US.size() && us > LATENCY_BUCKETS_US[bucket]) {
        ++bucket;
    }
    s.latency[bucket].fetch_add(1, std::memory_order_relaxed);
    s.latency_sum_ns.fetch_add(static_cast<std::uint64_t>(latency.count()), std::memory_order_relaxed);
}

void metrics::count(rejection what) noexcept
{
    my_shard().rejections[static_cast<std::size_t>(what)].fetch_add(1, std::memory_order_relaxed);
}

void metrics::count_acme_challenge(bool served) noexcept
{
    my_shard().acme_challenges[served ? 1 : 0].fetch_add(1, std::memory_order_relaxed);
}

void metrics::count_reload(bool ok) noexcept
{
    (ok ? m_reloads_ok : m_reloads_failed).fetch_add(1, std::memory_order_relaxed);
    if (ok) {
        m_last_reload_unix.store(std::time(nullptr), std::memory_order_relaxed);
    }
}

void metrics::set_map(std::int64_t version, std::size_t topics, std::size_t posts, std::size_t bytes) noexcept
{
    m_map_version.store(version, std::memory_order_relaxed);
    m_map_topics.store(topics, std::memory_order_relaxed);
    m_map_posts.store(posts, std::memory_order_relaxed);
    m_map_bytes.store(bytes, std::memory_order_relaxed);
}

std::uint64_t metrics::requests(mappings::outcome what) const noexcept
{
    std::uint64_t total = 0;
    for (auto const &s : m_shards) {
        for (auto const &counter : s.requests[static_cast<std::size_t>(what)]) {
            total += counter.load(std::memory_order_relaxed);
        }
    }
    return total;
}

std::uint64_t metrics::requests() const noexcept
{
    std::uint64_t total = 0;
    for (std::size_t o = 0; o < OUTCOMES; ++o) {
        total += requests(static_cast<mappings::outcome>(o));
    }
    for (auto const &s : m_shards) {
        for (auto const &counter : s.rejections) {
            total += counter.load(std::memory_order_relaxed);
        }
        for (auto const &counter : s.acme_challenges) {
            total += counter.load(std::memory_order_relaxed);
        }
    }
    return total;
}

std::string metrics::prometheus() const
{
    std::string out;
    out.reserve(8192);
    append_family(out, "forumgate_requests_total", "Requests answered from the map, by outcome and old URL kind.",
                  "counter");
    for (std::size_t o = 0; o < OUTCOMES; ++o) {
        for (std::size_t k = 0; k < KINDS; ++k) {
            std::uint64_t total = 0;
            for (auto const &s : m_shards) {
                total += s.requests[o][k].load(std::memory_order_relaxed);
            }
            if (total > 0) {
                out += fmt::format("forumgate_requests_total{{outcome=\"{}\",kind=\"{}\"}} {}\n",
                                   mappings::to_string(static_cast<mappings::outcome>(o)),
                                   mappings::to_string(static_cast<mappings::url_kind>(k)), total);
            }
        }
    }
    append_family(out, "forumgate_rejected_total", "Requests refused before the map was asked.", "counter");
    for (std::size_t r = 0; r < std::size(REJECTION_NAMES); ++r) {
        std::uint64_t total = 0;
        for (auto const &s : m_shards) {
            total += s.rejections[r].load(std::memory_order_relaxed);
        }
        out += fmt::format("forumgate_rejected_total{{reason=\"{}\"}} {}\n", REJECTION_NAMES[r], total);
    }
    append_family(out, "forumgate_acme_challenges_total",
                  "ACME HTTP-01 challenge requests (acme-webroot), by result: served from the webroot or not found.",
                  "counter");
    for (std::size_t served = 0; served < 2; ++served) {
        std::uint64_t total = 0;
        for (auto const &s : m_shards) {
            total += s.acme_challenges[served].load(std::memory_order_relaxed);
        }
        out += fmt::format("forumgate_acme_challenges_total{{result=\"{}\"}} {}\n", served ? "served" : "not_found",
                           total);
    }
    append_family(out, "forumgate_request_duration_seconds", "Time to make the answer once the request head is read.",
                  "histogram");
    std::uint64_t cumulative = 0;
    std::uint64_t sum_ns = 0;
    for (std::size_t b = 0; b <= LATENCY_BUCKETS_US.size(); ++b) {
        for (auto const &s : m_shards) {
            cumulative += s.latency[b].load(std::memory_order_relaxed);
        }
        if (b < LATENCY_BUCKETS_US.size()) {
            out += fmt::format("forumgate_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                               LATENCY_BUCKETS_US[b] / 1e6, cumulative);
        } else {
            out += fmt::format("forumgate_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
        }
    }
    for (auto const &s : m_shards) {
        sum_ns += s.latency_sum_ns.load(std::memory_order_relaxed);
    }
    out += fmt::format("forumgate_request_duration_seconds_sum {}\nforumgate_request_duration_seconds_count {}\n",
                       static_cast<double>(sum_ns) / 1e9, cumulative);
    append_family(out, "forumgate_reloads_total", "Map reloads, by result.", "counter");
    out += fmt::format("forumgate_reloads_total{{result=\"ok\"}} {}\nforumgate_reloads_total{{result=\"failed\"}} {}\n",
                       m_reloads_ok.load(), m_reloads_failed.load());
    append_family(out, "forumgate_map_changes_applied_total", "Changes of the map applied in place.", "counter");
    out += fmt::format("forumgate_map_changes_applied_total {}\n", m_changes_applied.load());
    append_gauge(out, "forumgate_last_reload_timestamp_seconds", "When the map was last loaded.",
                 m_last_reload_unix.load());
    append_gauge(out, "forumgate_map_version", "Version of the map being served.", m_map_version.load());
    append_family(out, "forumgate_map_entries", "Entries of the map being served.", "gauge");
    out += fmt::format("forumgate_map_entries{{table=\"topics\"}} {}\nforumgate_map_entries{{table=\"posts\"}} {}\n",
                       m_map_topics.load(), m_map_posts.load());
    append_gauge(out, "forumgate_map_bytes", "Memory held by the map being served.", m_map_bytes.load());
    append_gauge(out, "forumgate_maps_retired", "Replaced maps not yet freed: a connection still held them.",
                 m_retired_maps.load());
    append_gauge(out, "forumgate_open_connections", "Client connections open now.", m_connections.load());
    append_family(out, "forumgate_connections_evicted_total",
                  "Idle client connections closed to make room for a new one (max-connections reached).", "counter");
    out += fmt::format("forumgate_connections_evicted_total {}\n", m_evicted.load());
    return out;
}

} // namespace forumgate::redirector
