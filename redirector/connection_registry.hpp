#pragma once
// What the connections of one listener group share: the set of open connections, so a
// shutdown can drain them, so their number stays bounded, and so a full server can make room by
// closing the connections that have waited longest for a request.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_set>

namespace forumgate::redirector {

/// Represents a connection the server can ask to wind down.
class closable
{
public:
    virtual ~closable() = default;
    /// Closes the connection if it is between requests; otherwise after the current one.
    virtual void close_when_idle() = 0;
    /// Has the connection's handler state drop the map it keeps (handler_state::forget_map), on
    /// the connection's own thread.
    virtual void forget_map() = 0;

    /// \return when the connection began waiting for a request (the first or the next one), in
    /// steady_clock ticks, read from the coarse clock (coarse_now(): connections that began
    /// waiting within the same few milliseconds are equally old); 0 while a request is being
    /// read or answered.
    [[nodiscard]] std::int64_t idle_since() const noexcept { return m_idle_since.load(std::memory_order_relaxed); }

protected:
    /// Marks the connection as waiting for a request since `now`: it may be closed to make room.
    void mark_idle(std::chrono::steady_clock::time_point now) noexcept
    {
        m_idle_since.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    }
    /// Marks the connection as busy with a request: it is not closed to make room.
    void mark_busy() noexcept { m_idle_since.store(0, std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> m_idle_since{0};
};

/// Represents the set of open connections, so a shutdown can drain them and so their number
/// stays bounded.
class connection_registry
{
public:
    explicit connection_registry(std::size_t max_connections) : m_max{max_connections} {}

    /// Adds `connection`. When the registry is full, the connections idle the longest (waiting
    /// for a request, or for their first byte) are closed to make room, as nginx reuses idle
    /// keep-alive connections: up to 1/64 of the limit at once (1 to 32), so a flood of new
    /// connections does not scan the registry for each. They stop counting at once.
    /// \return false if the server is draining, or full with no idle connection to close (the
    /// connection is then refused).
    [[nodiscard]] bool add(closable *connection);
    void remove(closable *connection);
    /// Stops new connections and asks the open ones to close when idle.
    void drain();
    /// Has every connection drop the map its handler keeps between requests: after a whole map
    /// replaced the one they used, so that it is given back at once rather than when each idle
    /// keep-alive connection sends its next request or times out (a minute with two maps).
    void forget_maps();
    [[nodiscard]] std::size_t size() const;
    /// \return the highest size() since the last call (and starts counting again from size()).
    [[nodiscard]] std::size_t take_peak();
    /// \return how many idle connections were closed to make room, in all.
    [[nodiscard]] std::uint64_t evicted() const noexcept { return m_evicted.load(std::memory_order_relaxed); }
    [[nodiscard]] bool draining() const noexcept { return m_draining.load(std::memory_order_relaxed); }

private:
    /// Closes the idle connections waiting longest (m_mutex held). \return how many.
    std::size_t evict_oldest_idle();

    mutable std::mutex m_mutex;
    std::unordered_set<closable *> m_connections;
    std::size_t m_max;
    std::size_t m_peak = 0;
    std::atomic<std::uint64_t> m_evicted{0};
    std::atomic<bool> m_draining{false};
};

} // namespace forumgate::redirector
