#include "redirector/connection_registry.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace forumgate::redirector {

bool connection_registry::add(closable *connection)
{
    std::lock_guard const lock{m_mutex};
    if (m_draining.load(std::memory_order_relaxed)) {
        return false;
    }
    if (m_connections.size() >= m_max && evict_oldest_idle() == 0) {
        return false;
    }
    m_connections.insert(connection);
    m_peak = std::max(m_peak, m_connections.size());
    return true;
}

std::size_t connection_registry::evict_oldest_idle()
{
    std::size_t const batch = std::clamp<std::size_t>(m_max / 64, 1, 32);
    std::vector<std::pair<std::int64_t, closable *>> idle;
    idle.reserve(m_connections.size());
    for (closable *connection : m_connections) {
        if (std::int64_t const since = connection->idle_since(); since != 0) {
            idle.emplace_back(since, connection);
        }
    }
    std::size_t const count = std::min(batch, idle.size());
    std::partial_sort(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(count), idle.end());
    for (std::size_t i = 0; i < count; ++i) {
        // It no longer counts; if it began a request meanwhile, it finishes it and closes.
        m_connections.erase(idle[i].second);
        idle[i].second->close_when_idle();
    }
    m_evicted.fetch_add(count, std::memory_order_relaxed);
    return count;
}

void connection_registry::remove(closable *connection)
{
    std::lock_guard const lock{m_mutex};
    m_connections.erase(connection);
}

void connection_registry::drain()
{
    std::lock_guard const lock{m_mutex};
    m_draining.store(true, std::memory_order_relaxed);
    for (closable *connection : m_connections) {
        connection->close_when_idle();
    }
}

void connection_registry::forget_maps()
{
    std::lock_guard const lock{m_mutex};
    for (closable *connection : m_connections) {
        connection->forget_map();
    }
}

std::size_t connection_registry::size() const
{
    std::lock_guard const lock{m_mutex};
    return m_connections.size();
}

std::size_t connection_registry::take_peak()
{
    std::lock_guard const lock{m_mutex};
    return std::exchange(m_peak, m_connections.size());
}

} // namespace forumgate::redirector
