#include "redirector/server.hpp"

#include "base/error.hpp"
#include "base/listen.hpp"
#include "redirector/tls_context.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <variant>

namespace forumgate::redirector {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

// Until the server's signal_set waits for them, SIGHUP, SIGTERM and SIGINT wait (blocked) rather
// than kill the process with their default action: loading a big map takes seconds, and a
// SIGHUP then (logrotate, a renewed certificate) must not stop the server. Threads started
// meanwhile inherit the mask and never take these signals.
sigset_t block_handled_signals()
{
    sigset_t handled;
    sigemptyset(&handled);
    for (int const number : {SIGHUP, SIGTERM, SIGINT}) {
        sigaddset(&handled, number);
    }
    ::pthread_sigmask(SIG_BLOCK, &handled, nullptr);
    return handled;
}

connection_limits limits_of(serve_settings const &settings)
{
    connection_limits limits;
    limits.header_limit = static_cast<std::uint32_t>(settings.header_limit);
    limits.request_timeout = std::chrono::milliseconds{settings.request_timeout_ms};
    limits.keepalive_timeout = std::chrono::milliseconds{settings.keepalive_timeout_ms};
    limits.first_byte_timeout = std::chrono::milliseconds{settings.first_byte_timeout_ms};
    return limits;
}

/// The admin listener's own bounds, short: a probe asks one thing and goes. With its few
/// connections (ADMIN_CONNECTIONS), a full admin registry closes its oldest idle connection to
/// answer a new one, so /healthz is answered however many idle connections sit on the port.
connection_limits admin_limits()
{
    connection_limits limits;
    limits.request_timeout = std::chrono::seconds{5};
    limits.keepalive_timeout = std::chrono::seconds{5};
    limits.first_byte_timeout = std::chrono::seconds{5};
    return limits;
}

/// Closed connections leave their buffers free in the heap; after many close, the heap's free
/// pages go back to the system (glibc keeps them otherwise: RSS stayed at its peak).
constexpr std::size_t TRIM_AFTER_CLOSED = 1000;
constexpr std::chrono::seconds TRIM_CHECK_INTERVAL{5};

std::shared_ptr<net::ssl::context> tls_context_if_listening(serve_settings const &settings)
{
    return settings.tls_listen.empty() ? nullptr : make_tls_context(settings);
}

} // namespace

server::server(serve_settings settings, config_source config, std::vector<std::string> from_command_line)
    : m_settings{std::move(settings)}, m_config{std::move(config)}, m_from_command_line{std::move(from_command_line)},
      m_handled_signals{block_handled_signals()}, m_applier{m_settings.db}, m_maps{load_first_map(m_settings,
                                                                                                  m_applier)},
      m_misses{m_settings.db, static_cast<std::size_t>(m_settings.miss_log_interval)}, m_limits{limits_of(m_settings)},
      m_clients{static_cast<std::size_t>(m_settings.max_connections)}, m_tls{tls_context_if_listening(m_settings)},
      m_redirects{m_maps, m_counters, m_misses, make_live_settings(m_settings)}, m_current{m_settings},
      // Reloads: the map from the store (or the snapshot file), off the I/O threads.
      m_reloads{[this] {
                    auto map = reload_map(m_settings);
                    if (!m_settings.db.empty()) {
                        m_applier.read_whole(map);
                    }
                    return map;
                },
                m_maps,
                [this](mappings::snapshot const &map, swap_kind kind) {
                    if (kind == swap_kind::whole_map) {
                        m_clients.forget_maps(); // the replaced map is given back without waiting for them
                    }
                    if (kind == swap_kind::changes) {
                        m_counters.count_change_applied();
                    } else {
                        m_counters.count_reload(true);
                    }
                    m_counters.set_map(map.version(), map.size().topics, map.size().posts, map.memory_bytes());
                },
                [this] { m_counters.count_reload(false); }, std::chrono::seconds{m_settings.reload_min_interval},
                m_settings.db.empty() ? reloader::updater{} : reloader::updater{std::ref(m_applier)},
                // A reload compares the map with where it came from, and layers what differs.
                m_settings.db.empty()
                    ? reloader::updater{[this](auto const &current) {
                          return compare_with_snapshot_file(m_settings, current);
                      }}
                    : reloader::updater{[this](auto const &current) { return m_applier.compare(current); }}},
      m_admin{m_counters, m_reloads, m_clients, m_maps}, m_admin_limits{admin_limits()}, m_io{1}, m_stats_timer{m_io},
      m_trim_timer{m_io}, m_signals{m_io, SIGHUP, SIGTERM, SIGINT}, m_drain_timer{m_io}, m_drain_poll{m_io}
{
    auto const first = m_maps.current();
    m_counters.set_map(first->version(), first->size().topics, first->size().posts, first->memory_bytes());
    for (std::int64_t i = 1; i < m_settings.threads; ++i) {
        m_more_io.push_back(std::make_unique<net::io_context>(1));
    }
    open_listeners();
    if (!m_settings.db.empty() && m_settings.listen_for_changes) {
        m_changes = std::make_unique<change_listener>(
            m_settings.db,
            [this](std::optional<std::int64_t> version, std::string_view why) {
                // The version the map already has (the catch-up on listening, a change a reload
                // in flight picked up) costs nothing; any other, newer or not (a store rebuilt),
                // is loaded.
                if (!version) {
                    m_reloads.request_changes(std::string{why});
                } else if (*version != m_maps.current()->version()) {
                    m_reloads.request_changes(fmt::format("{}, version {}", why, *version));
                }
            },
            std::chrono::milliseconds{m_settings.change_poll_interval_ms});
    }
}

server::~server() = default;

void server::open_listeners()
{
    // Each I/O thread runs an io_context of its own and accepts on a socket of its own, all on
    // the same port (SO_REUSEPORT): the kernel spreads new connections over the threads, and a
    // connection stays on the thread that accepted it (no strand, no lock between threads on
    // the way of a request). A shared socket and io_context made two threads slower than one.
    bool const shared_port = !m_more_io.empty();
    auto const open = [&](std::string const &text, std::string_view setting,
                          std::shared_ptr<net::ssl::context> const *tls) {
        auto endpoint = parse_endpoint(text, setting);
        if (shared_port && endpoint.port() != 0) {
            // A port shared with SO_REUSEPORT is shared with any socket of this user that asks
            // the same: a second server would take half the connections in silence. Bound once
            // without it first, a port in use is refused as with one thread.
            net::ip::tcp::acceptor probe{m_io};
            if (auto const ec = base::open_listening(probe, endpoint)) {
                throw argument_error{fmt::format("cannot listen on {}: {}", endpoint_text(endpoint), ec.message())};
            }
        }
        auto const first =
            std::make_shared<listener>(m_io, endpoint, m_redirects, m_clients, m_limits, tls, shared_port);
        endpoint = first->local_endpoint(); // a port 0 is the port taken, for the other threads too
        m_listeners.push_back(first);
        for (auto const &io : m_more_io) {
            m_listeners.push_back(
                std::make_shared<listener>(*io, endpoint, m_redirects, m_clients, m_limits, tls, shared_port));
        }
        spdlog::info("listening on {}{}", endpoint_text(endpoint),
                     shared_port ? fmt::format(" ({} threads)", m_more_io.size() + 1) : "");
    };
    for (auto const &text : m_settings.listen) {
        open(text, "listen", nullptr);
    }
    for (auto const &text : m_settings.tls_listen) {
        open(text, "tls-listen", &m_tls);
    }
    if (!m_settings.admin_listen.empty()) {
        m_listeners.push_back(std::make_shared<listener>(m_io, parse_endpoint(m_settings.admin_listen, "admin-listen"),
                                                         m_admin, m_admin_clients, m_admin_limits, nullptr));
        spdlog::info("listening on {}", endpoint_text(m_listeners.back()->local_endpoint()));
    }
    for (auto const &l : m_listeners) {
        l->run();
    }
}

int server::run()
{
    // Signals: SIGHUP reloads, SIGTERM and SIGINT drain and stop. Those that came while the map
    // loaded are queued for async_wait.
    ::pthread_sigmask(SIG_UNBLOCK, &m_handled_signals, nullptr);
    m_signals.async_wait(beast::bind_front_handler(&server::on_signal, this));
    if (m_settings.stats_interval > 0) {
        m_stats_timer.expires_after(std::chrono::seconds{m_settings.stats_interval});
        m_stats_timer.async_wait(beast::bind_front_handler(&server::on_stats, this));
    }
    m_trim_timer.expires_after(TRIM_CHECK_INTERVAL);
    m_trim_timer.async_wait(beast::bind_front_handler(&server::on_trim, this));

    std::vector<std::thread> threads;
    for (auto const &io : m_more_io) {
        threads.emplace_back([&context = *io] { context.run(); });
    }
    m_io.run();
    for (auto &thread : threads) {
        thread.join();
    }
    // Shutdown never waits on a reload (one blocked on a lock in the store, or on a file): it
    // gets what is left of the drain timeout, then the process ends without it.
    auto const left = std::max(std::chrono::steady_clock::duration::zero(),
                               m_drain_timer.expiry() - std::chrono::steady_clock::now());
    bool const reload_stopped = m_reloads.stop(std::chrono::duration_cast<std::chrono::milliseconds>(left));
    m_changes.reset();
    m_misses.flush();
    if (!reload_stopped) {
        spdlog::warn("a map reload is still running (waiting on the store or a file); stopping without it");
    }
    spdlog::info("stopped after {} requests", m_counters.requests());
    if (!reload_stopped) {
        spdlog::apply_all([](std::shared_ptr<spdlog::logger> const &logger) { logger->flush(); });
        std::fflush(nullptr);
        std::_Exit(0); // the reloader's thread cannot be joined: end without destroying it
    }
    return 0;
}

void server::on_signal(beast::error_code ec, int number)
{
    if (ec) {
        return;
    }
    if (number == SIGHUP) {
        reload();
        m_signals.async_wait(beast::bind_front_handler(&server::on_signal, this));
        return;
    }
    drain(number);
}

// ---------------------------------------------------------------------------------------------
// reload: the map, TLS files and reloadable settings

void server::reload()
{
    spdlog::info("SIGHUP: reloading the map{}", m_config.file.empty() ? "" : " and " + m_config.file.string());
    try {
        reload_settings();
    } catch (std::exception const &e) {
        spdlog::warn("config reload failed, keeping the running settings: {}", e.what());
    }
    m_reloads.request("SIGHUP");
}

void server::reload_settings()
{
    std::lock_guard const lock{m_settings_mutex};
    serve_settings next = m_current;
    if (!m_config.file.empty()) {
        // Defaults, then the command line, then the file, as at start-up: a line taken out
        // of the file gives the setting its default back instead of leaving the old value.
        serve_settings fresh;
        for (auto const &entry : serve_setting_table()) {
            if (std::find(m_from_command_line.begin(), m_from_command_line.end(), entry.name) !=
                m_from_command_line.end()) {
                std::visit([&](auto member) { fresh.*member = m_settings.*member; }, entry.value);
            }
        }
        read_config_file(m_config, fresh, m_from_command_line);
        for (auto const &name : apply_reloadable(fresh, next)) {
            spdlog::warn("setting {} changed in {} but needs a restart; keeping the running value", name,
                         m_config.file.string());
        }
    }
    // Everything that can fail first, so that a failed reload changes nothing. The
    // certificate and key are re-read with or without a config file (a renewed certificate
    // is the common reason for a SIGHUP).
    auto live = make_live_settings(next);
    auto context = tls_context_if_listening(next);
    m_current = std::move(next);
    m_redirects.replace_settings(std::move(live));
    if (context) {
        std::atomic_store(&m_tls, std::move(context));
    }
}

// ---------------------------------------------------------------------------------------------
// drain: stop accepting, let requests in flight finish, stop

void server::drain(int number)
{
    spdlog::info("{}: no new connections; finishing requests in flight (at most {} ms)",
                 number == SIGTERM ? "SIGTERM" : "SIGINT", m_settings.drain_timeout_ms);
    for (auto const &l : m_listeners) {
        l->stop();
    }
    m_stats_timer.cancel();
    m_trim_timer.cancel();
    m_clients.drain();
    m_admin_clients.drain();
    m_drain_timer.expires_after(std::chrono::milliseconds{m_settings.drain_timeout_ms});
    m_drain_timer.async_wait(beast::bind_front_handler(&server::on_drain_timeout, this));
    check_drained();
}

void server::on_drain_timeout(beast::error_code ec)
{
    if (!ec) {
        spdlog::warn("drain timeout: closing {} connections still open", m_clients.size());
        for (auto const &io : m_more_io) {
            io->stop();
        }
        m_io.stop();
    }
}

void server::check_drained()
{
    // Once every connection is gone, the drain timer is the only work left: cancel it.
    if (m_clients.size() == 0 && m_admin_clients.size() == 0) {
        m_drain_timer.cancel();
        m_signals.cancel();
        return;
    }
    m_drain_poll.expires_after(std::chrono::milliseconds{20});
    m_drain_poll.async_wait([this](beast::error_code ec) {
        if (!ec) {
            check_drained();
        }
    });
}

// ---------------------------------------------------------------------------------------------
// stats: a line every stats-interval seconds, with rates

void server::on_stats(beast::error_code ec)
{
    if (ec || m_clients.draining()) {
        return;
    }
    std::uint64_t const total = m_counters.requests();
    auto const interval = std::max<std::int64_t>(m_settings.stats_interval, 1);
    spdlog::info("stats: {} req/s, {} connections, {} redirects, {} not found, map version {}",
                 (total - m_last_requests) / static_cast<std::uint64_t>(interval), m_clients.size(),
                 m_counters.requests(mappings::outcome::redirect) +
                     m_counters.requests(mappings::outcome::pass_through),
                 m_counters.requests(mappings::outcome::not_found), m_maps.current()->version());
    m_last_requests = total;
    m_stats_timer.expires_after(std::chrono::seconds{interval});
    m_stats_timer.async_wait(beast::bind_front_handler(&server::on_stats, this));
}

void server::on_trim(beast::error_code ec)
{
    if (ec || m_clients.draining()) {
        return;
    }
    std::size_t const peak = m_clients.take_peak();
    std::size_t const now = m_clients.size();
    if (peak >= now + TRIM_AFTER_CLOSED) {
        ::malloc_trim(0);
        spdlog::info("{} connections closed since the last check: free heap returned to the system", peak - now);
    }
    m_trim_timer.expires_after(TRIM_CHECK_INTERVAL);
    m_trim_timer.async_wait(beast::bind_front_handler(&server::on_trim, this));
}

// ---------------------------------------------------------------------------------------------

int serve(serve_settings settings, config_source const &config, std::vector<std::string> const &from_command_line)
{
    check(settings);
    // Allocations of 64 KiB and more (a hostile request's buffer grown to its cap, a map's
    // arrays) get pages of their own, given back when freed. Left to glibc, the threshold rises
    // to the largest block ever freed (32 MiB once a map was replaced), and such buffers then
    // fragment the heap: RSS climbed under request floods.
    ::mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    server running{std::move(settings), config, from_command_line};
    return running.run();
}

} // namespace forumgate::redirector
