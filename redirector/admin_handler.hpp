#pragma once
// The admin listener's answers: health, readiness, Prometheus metrics and POST /reload.

#include "redirector/connection.hpp"
#include "redirector/connection_registry.hpp"
#include "redirector/map_holder.hpp"
#include "redirector/metrics.hpp"

namespace forumgate::redirector {

/// Represents the admin endpoints: /healthz, /readyz, /metrics, POST /reload (loopback only).
class admin_handler : public request_handler
{
public:
    /// `clients` are the public connections: /readyz says 503 while they drain, /metrics counts them.
    admin_handler(metrics &counters, reloader &reloads, connection_registry &clients, map_holder &maps);

    std::unique_ptr<handler_state> new_state() override;
    bool handle(request_fields const &request, peer const &from, handler_state *state, std::string &out) override;
    void reject(int status, request_fields const &request, peer const &from, std::string &out) override;

private:
    metrics &m_metrics;
    reloader &m_reloader;
    connection_registry &m_clients;
    map_holder &m_maps;
};

} // namespace forumgate::redirector
