#pragma once
// Counters of the redirector (requests by outcome and URL kind, latency, reloads, map size),
// kept per thread without locks and read for /metrics and the periodic stats line.

#include "mappings/resolver.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace forumgate::redirector {

/// Represents every counter of one server. Writers touch only their own shard.
class metrics
{
public:
    /// Outcomes counted besides the resolver's: refused before resolving.
    enum class rejection : std::uint8_t
    {
        method_not_allowed, ///< 405
        misdirected,        ///< 421: a Host this server does not answer for
        bad_request,        ///< 400, 413, 414, 431 from the parser
        timeout,            ///< 408
        count_
    };

    /// Upper bounds of the latency histogram buckets, in microseconds.
    static constexpr std::array<std::uint32_t, 10> LATENCY_BUCKETS_US = {50,   100,  250,   500,   1000,
                                                                         2500, 5000, 10000, 50000, 250000};

    void count(mappings::outcome what, mappings::url_kind kind, std::chrono::nanoseconds latency) noexcept;
    void count(rejection what) noexcept;
    /// An ACME challenge request: `served` 200 from the webroot, or 404.
    void count_acme_challenge(bool served) noexcept;
    void count_reload(bool ok) noexcept;
    /// A change of the store's map applied in place (a layer, not a reload of the whole map).
    void count_change_applied() noexcept { m_changes_applied.fetch_add(1, std::memory_order_relaxed); }
    void set_map(std::int64_t version, std::size_t topics, std::size_t posts, std::size_t bytes) noexcept;
    /// Replaced maps still kept because a connection held them (reloader::retired_maps).
    void set_retired_maps(std::size_t count) noexcept { m_retired_maps.store(count, std::memory_order_relaxed); }
    /// `open`: client connections open now; `evicted`: idle ones closed to make room, in all.
    void set_connections(std::size_t open, std::uint64_t evicted) noexcept
    {
        m_connections.store(open, std::memory_order_relaxed);
        m_evicted.store(evicted, std::memory_order_relaxed);
    }

    /// Total requests answered so far (all shards).
    [[nodiscard]] std::uint64_t requests() const noexcept;
    /// Sum over all shards of requests with this outcome.
    [[nodiscard]] std::uint64_t requests(mappings::outcome what) const noexcept;

    /// The Prometheus text exposition of every counter.
    [[nodiscard]] std::string prometheus() const;

private:
    static constexpr std::size_t OUTCOMES = 5;
    static constexpr std::size_t KINDS = 8;
    static constexpr std::size_t SHARDS = 16;

    struct alignas(64) shard
    {
        std::array<std::array<std::atomic<std::uint64_t>, KINDS>, OUTCOMES> requests{};
        std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(rejection::count_)> rejections{};
        std::array<std::atomic<std::uint64_t>, LATENCY_BUCKETS_US.size() + 1> latency{};
        std::atomic<std::uint64_t> latency_sum_ns{0};
        std::array<std::atomic<std::uint64_t>, 2> acme_challenges{}; ///< [0] not found, [1] served
    };

    shard &my_shard() noexcept;

    std::array<shard, SHARDS> m_shards{};
    std::atomic<std::uint64_t> m_reloads_ok{0};
    std::atomic<std::uint64_t> m_reloads_failed{0};
    std::atomic<std::uint64_t> m_changes_applied{0};
    std::atomic<std::int64_t> m_map_version{0};
    std::atomic<std::uint64_t> m_map_topics{0};
    std::atomic<std::uint64_t> m_map_posts{0};
    std::atomic<std::uint64_t> m_map_bytes{0};
    std::atomic<std::uint64_t> m_retired_maps{0};
    std::atomic<std::uint64_t> m_connections{0};
    std::atomic<std::uint64_t> m_evicted{0};
    std::atomic<std::int64_t> m_last_reload_unix{0};
};

} // namespace forumgate::redirector
