#pragma once
// What the connections of one listener group share: the set of open connections, so a
// shutdown can drain them and so their number stays bounded.

#include <atomic>
#include <cstddef>
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
};

/// Represents the set of open connections, so a shutdown can drain them and so their number
/// stays bounded.
class connection_registry
{
public:
    explicit connection_registry(std::size_t max_connections) : m_max{max_connections} {}

    /// \return false if the server is full or draining (the connection is then refused).
    [[nodiscard]] bool add(closable *connection);
    void remove(closable *connection);
    /// Stops new connections and asks the open ones to close when idle.
    void drain();
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] bool draining() const noexcept { return m_draining.load(std::memory_order_relaxed); }

private:
    mutable std::mutex m_mutex;
    std::unordered_set<closable *> m_connections;
    std::size_t m_max;
    std::atomic<bool> m_draining{false};
};

} // namespace forumgate::redirector
