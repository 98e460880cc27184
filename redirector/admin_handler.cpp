#include "redirector/admin_handler.hpp"

#include "redirector/response.hpp"

#include <fmt/format.h>

namespace forumgate::redirector {

admin_handler::admin_handler(metrics &counters, reloader &reloads, connection_registry &clients, map_holder &maps)
    : m_metrics{counters}, m_reloader{reloads}, m_clients{clients}, m_maps{maps}
{}

std::unique_ptr<handler_state> admin_handler::new_state()
{
    return nullptr;
}

bool admin_handler::handle(request_fields const &request, peer const &from, handler_state *, std::string &out)
{
    request_line const line{request.method == http::verb::head, request.keep_alive, request.http10()};
    std::string_view const date = current_http_date();
    std::string_view const path = std::string_view{request.target}.substr(0, request.target.find('?'));
    if (path == "/reload") {
        if (request.method != http::verb::post) {
            append_error(out, 405, line, date);
        } else if (!from.address.is_loopback()) {
            append_error(out, 403, line, date);
        } else {
            m_reloader.request("admin request");
            append_ok(out, "text/plain; charset=utf-8", "reload requested\n", line, date);
        }
        return true;
    }
    if (request.method != http::verb::get && request.method != http::verb::head) {
        append_error(out, 405, line, date);
        return true;
    }
    if (path == "/healthz") {
        append_ok(out, "text/plain; charset=utf-8", "ok\n", line, date);
    } else if (path == "/readyz") {
        if (m_clients.draining()) {
            append_error(out, 503, line, date);
        } else {
            append_ok(out, "text/plain; charset=utf-8",
                      fmt::format("ready, map version {}\n", m_maps.current()->version()), line, date);
        }
    } else if (path == "/metrics") {
        m_metrics.set_connections(m_clients.size(), m_clients.evicted());
        m_metrics.set_retired_maps(m_reloader.retired_maps());
        append_ok(out, "text/plain; version=0.0.4; charset=utf-8", m_metrics.prometheus(), line, date);
    } else {
        append_error(out, 404, line, date);
    }
    return true;
}

void admin_handler::reject(int status, request_fields const &request, peer const & /*from*/, std::string &out)
{
    append_error(out, status, {request.method == http::verb::head, false, request.http10()}, current_http_date());
}

} // namespace forumgate::redirector
