#include "redirector/connection_registry.hpp"

namespace forumgate::redirector {

bool connection_registry::add(closable *connection)
{
    std::lock_guard const lock{m_mutex};
    if (m_draining.load(std::memory_order_relaxed) || m_connections.size() >= m_max) {
        return false;
    }
    m_connections.insert(connection);
    return true;
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

std::size_t connection_registry::size() const
{
    std::lock_guard const lock{m_mutex};
    return m_connections.size();
}

} // namespace forumgate::redirector
