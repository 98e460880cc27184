#pragma once
// forumgate serve: the redirect server. Loads the map, listens, answers, reloads, drains.

#include "redirector/admin_handler.hpp"
#include "redirector/connection_registry.hpp"
#include "redirector/listener.hpp"
#include "redirector/map_holder.hpp"
#include "redirector/map_source.hpp"
#include "redirector/metrics.hpp"
#include "redirector/miss_log.hpp"
#include "redirector/redirect_handler.hpp"
#include "redirector/settings.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <csignal>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace forumgate::redirector {

/// Represents one run of the redirect server: its map, handlers and listeners, and what it does
/// on SIGHUP (reload), SIGTERM and SIGINT (drain), and every stats interval.
class server
{
public:
    /// Connections the admin listener holds at most (its oldest idle one is closed for a new one).
    static constexpr std::size_t ADMIN_CONNECTIONS = 64;

    /// Blocks SIGHUP, SIGTERM and SIGINT, loads the first map, opens the listeners and, with a
    /// store, listens for its changes. `from_command_line` names the settings given on the command
    /// line: they win over the config file on every reload too.
    /// \throws argument_error for unusable settings (a port in use, a bad certificate),
    /// database_error / input_error when the first map cannot be loaded.
    server(serve_settings settings, config_source config, std::vector<std::string> from_command_line);
    ~server();
    server(server const &) = delete;
    server &operator=(server const &) = delete;

    /// Serves until SIGTERM or SIGINT and the drain that follows.
    /// \return the exit code: 0 after a clean shutdown.
    int run();

private:
    void open_listeners();
    void on_signal(boost::beast::error_code ec, int number);
    void reload();
    void reload_settings();
    void drain(int number);
    void on_drain_timeout(boost::beast::error_code ec);
    void check_drained();
    void on_stats(boost::beast::error_code ec);
    void on_trim(boost::beast::error_code ec);

    serve_settings const m_settings; ///< as started: the reload of a setting starts from here
    config_source const m_config;
    std::vector<std::string> const m_from_command_line;
    sigset_t m_handled_signals;
    metrics m_counters;
    change_applier m_applier; ///< before m_maps: the first map is noted in it
    map_holder m_maps;
    miss_log m_misses;
    connection_limits m_limits;
    connection_registry m_clients;
    std::shared_ptr<boost::asio::ssl::context> m_tls; ///< replaced (atomically) by a reload
    redirect_handler m_redirects;
    std::mutex m_settings_mutex;
    serve_settings m_current; ///< the settings in force, after reloads
    reloader m_reloads;
    // Declared before the io_context: after a drain timeout its destructor destroys the
    // sessions still open, and they use the handler, registry and limits they were given.
    admin_handler m_admin;
    connection_registry m_admin_clients{ADMIN_CONNECTIONS};
    connection_limits const m_admin_limits; ///< short timeouts of its own (server.cpp)
    /// The first I/O thread's: its share of the connections, the admin port, signals, timers.
    boost::asio::io_context m_io;
    /// One for each further I/O thread: its share of the connections (each listening socket is
    /// opened once per thread, on the same port).
    std::vector<std::unique_ptr<boost::asio::io_context>> m_more_io;
    std::vector<std::shared_ptr<listener>> m_listeners;
    std::unique_ptr<change_listener> m_changes;
    boost::asio::steady_timer m_stats_timer;
    boost::asio::steady_timer m_trim_timer; ///< returns free heap after many connections closed
    boost::asio::signal_set m_signals;
    boost::asio::steady_timer m_drain_timer; ///< the drain timeout
    boost::asio::steady_timer m_drain_poll;  ///< looks for the last connection to go
    std::uint64_t m_last_requests = 0;       ///< at the last stats line
};

/// Runs the server until SIGTERM or SIGINT, then drains it.
/// \return the exit code: 0 after a clean shutdown.
/// \throws argument_error for unusable settings, database_error / input_error when the first
/// map cannot be loaded (a failure on the first load is fatal; later ones are not).
int serve(serve_settings settings, config_source const &config, std::vector<std::string> const &from_command_line);

} // namespace forumgate::redirector
