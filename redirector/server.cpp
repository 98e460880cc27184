#include "redirector/server.hpp"

#include "base/error.hpp"
#include "store/store.hpp"
#include "redirector/map_holder.hpp"
#include "redirector/metrics.hpp"
#include "redirector/miss_log.hpp"
#include "redirector/response.hpp"
#include "redirector/session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <ctime>
#include <fstream>
#include <thread>
#include <variant>

namespace forumgate::redirector {

tcp::endpoint parse_endpoint(std::string const &text, std::string_view setting)
{
    std::string host;
    std::string port;
    if (text.starts_with("[")) {
        auto const close = text.find("]:");
        if (close == std::string::npos) {
            throw argument_error{fmt::format("--{} {}: expected [IPv6]:PORT", setting, text)};
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto const colon = text.rfind(':');
        if (colon == std::string::npos) {
            throw argument_error{fmt::format("--{} {}: expected ADDR:PORT", setting, text)};
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    boost::system::error_code ec;
    auto const address = net::ip::make_address(host == "*" ? "0.0.0.0" : host, ec);
    unsigned short number = 0;
    auto const parsed = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec || parsed.ec != std::errc{} || parsed.ptr != port.data() + port.size()) {
        throw argument_error{fmt::format("--{} {}: not an IP address and port", setting, text)};
    }
    return {address, number};
}

namespace {

/// An address or CIDR block of a trusted proxy.
struct network
{
    net::ip::address address;
    unsigned prefix = 0;

    [[nodiscard]] bool contains(net::ip::address const &a) const
    {
        if (a.is_v4() != address.is_v4()) {
            return a.is_v6() && a.to_v6().is_v4_mapped() && address.is_v4() &&
                   network{address, prefix}.contains(net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()));
        }
        auto const bytes_of = [](net::ip::address const &x) {
            std::array<unsigned char, 16> out{};
            if (x.is_v4()) {
                auto const b = x.to_v4().to_bytes();
                std::copy(b.begin(), b.end(), out.begin());
            } else {
                auto const b = x.to_v6().to_bytes();
                std::copy(b.begin(), b.end(), out.begin());
            }
            return out;
        };
        auto const x = bytes_of(a);
        auto const y = bytes_of(address);
        for (unsigned bit = 0; bit < prefix; ++bit) {
            unsigned const byte = bit / 8;
            unsigned const mask = 0x80U >> (bit % 8);
            if ((x[byte] & mask) != (y[byte] & mask)) {
                return false;
            }
        }
        return true;
    }
};

std::vector<network> parse_networks(std::vector<std::string> const &texts)
{
    std::vector<network> out;
    for (auto const &text : texts) {
        auto const slash = text.find('/');
        boost::system::error_code ec;
        network n;
        n.address = net::ip::make_address(text.substr(0, slash), ec);
        unsigned const max = n.address.is_v4() ? 32 : 128;
        n.prefix = max;
        if (slash != std::string::npos) {
            auto const p = text.substr(slash + 1);
            auto const parsed = std::from_chars(p.data(), p.data() + p.size(), n.prefix);
            if (parsed.ec != std::errc{} || n.prefix > max) {
                ec = make_error_code(boost::system::errc::invalid_argument);
            }
        }
        if (ec) {
            throw argument_error{fmt::format("--trusted-proxy {}: not an address or CIDR block", text)};
        }
        out.push_back(n);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// the date header, formatted once a second per thread

std::string_view current_date()
{
    thread_local std::time_t last = 0;
    thread_local std::string text;
    std::time_t const now = std::time(nullptr);
    if (now != last) {
        last = now;
        text = http_date(now);
    }
    return text;
}

// ---------------------------------------------------------------------------------------------
// settings that a reload may change, shared with the I/O threads

/// The reloadable settings the handlers read, swapped whole on reload.
struct live_settings
{
    answer_policy policy;
    std::vector<network> trusted_proxies;
    std::shared_ptr<access_log> log;
};

// ---------------------------------------------------------------------------------------------
// handlers

/// Per-connection state of the redirect handler: the map it used last and a parse buffer.
struct redirect_state : handler_state
{
    std::shared_ptr<mappings::snapshot const> map;
    std::uint64_t generation = 0;
    std::shared_ptr<live_settings const> settings;
    std::uint64_t settings_generation = 0;
    mappings::parsed_url scratch;
};

/// Represents the answers to old forum URLs.
class redirect_handler : public request_handler
{
public:
    redirect_handler(map_holder &maps, metrics &counters, miss_log &misses,
                     std::shared_ptr<live_settings const> settings)
        : m_maps{maps}, m_metrics{counters}, m_misses{misses}, m_settings{std::move(settings)}
    {}

    void replace_settings(std::shared_ptr<live_settings const> settings)
    {
        m_settings.store(std::move(settings), std::memory_order_release);
        m_settings_generation.fetch_add(1, std::memory_order_acq_rel);
    }

    std::unique_ptr<handler_state> new_state() override { return std::make_unique<redirect_state>(); }

    bool handle(request_fields const &request, peer const &from, handler_state *state, std::string &out) override
    {
        auto const start = std::chrono::steady_clock::now();
        auto &s = static_cast<redirect_state &>(*state);
        // Take a newer map or settings only when they changed: no shared counters touched per request.
        if (std::uint64_t const generation = m_maps.generation(); generation != s.generation) {
            s.map = m_maps.current();
            s.generation = generation;
        }
        if (std::uint64_t const generation = m_settings_generation.load(std::memory_order_acquire);
            generation != s.settings_generation || !s.settings) {
            s.settings = m_settings.load(std::memory_order_acquire);
            s.settings_generation = generation;
        }
        request_line const line{request.method == http::verb::head, request.keep_alive, request.http10()};
        std::string_view const date = current_date();
        if (request.method != http::verb::get && request.method != http::verb::head) {
            m_metrics.count(metrics::rejection::method_not_allowed);
            append_error(out, 405, line, date);
            return true;
        }
        if (request.host_count > 1 || (request.host_count == 0 && !request.http10())) {
            m_metrics.count(metrics::rejection::bad_request);
            append_error(out, 400, {line.head, false, line.http10}, date); // HTTP/1.1 needs exactly one Host
            return false;
        }
        mappings::decision const decision = mappings::resolve({request.host, request.target}, *s.map, s.scratch);
        if (decision.why == mappings::reason::unknown_host) {
            m_metrics.count(metrics::rejection::misdirected);
            append_error(out, 421, line, date);
            return true;
        }
        std::string_view search_words;
        std::string words;
        if (decision.what == mappings::outcome::not_found || decision.what == mappings::outcome::gone) {
            words = search_words_of(request.target);
            search_words = words;
            m_misses.record(request.target, decision.why);
        }
        append_answer(out, decision,
                      decision.what == mappings::outcome::bad_request ? request_line{line.head, false, line.http10}
                                                                      : line,
                      s.settings->policy, date, s.map->settings().new_base, search_words);
        m_metrics.count(decision.what, decision.kind, std::chrono::steady_clock::now() - start);
        if (s.settings->log) {
            // The status sent: a redirect is a 302 in the soft period.
            int const sent = decision.status == 301 && s.settings->policy.soft ? 302 : decision.status;
            s.settings->log->write(client_address(request, from, *s.settings), request, sent, date);
        }
        return decision.what != mappings::outcome::bad_request;
    }

    void reject(int status, request_fields const &request, std::string &out) override
    {
        m_metrics.count(status == 408 ? metrics::rejection::timeout : metrics::rejection::bad_request);
        append_error(out, status, {false, false, request.http10()}, current_date());
    }

private:
    // The words of an old slug, for the 404 page's search link: /t/agm-2019-minutes/7 → "agm 2019 minutes".
    static std::string search_words_of(std::string_view target)
    {
        mappings::parsed_url url;
        if (url.parse(target) != mappings::parsed_url::status::ok) {
            return {};
        }
        auto const shape = mappings::parse_shape(url);
        if (shape.name.empty() ||
            (shape.id != mappings::shape_id::topic && shape.id != mappings::shape_id::topic_by_slug &&
             shape.id != mappings::shape_id::category_by_slug)) {
            return {};
        }
        std::string words{shape.name.substr(0, 100)};
        std::replace(words.begin(), words.end(), '-', ' ');
        return words;
    }

    static std::string client_address(request_fields const &request, peer const &from, live_settings const &settings)
    {
        // X-Forwarded-For is believed only from a configured proxy: its last hop is the client.
        bool const trusted = std::any_of(settings.trusted_proxies.begin(), settings.trusted_proxies.end(),
                                         [&](network const &n) { return n.contains(from.address); });
        if (trusted && !request.forwarded_for.empty()) {
            std::string_view list = request.forwarded_for;
            auto const comma = list.rfind(',');
            std::string_view last = comma == std::string_view::npos ? list : list.substr(comma + 1);
            while (!last.empty() && last.front() == ' ') {
                last.remove_prefix(1);
            }
            boost::system::error_code ec;
            auto const address = net::ip::make_address(std::string{last}, ec);
            if (!ec) {
                return address.to_string();
            }
        }
        return from.address.to_string();
    }

    map_holder &m_maps;
    metrics &m_metrics;
    miss_log &m_misses;
    std::atomic<std::shared_ptr<live_settings const>> m_settings;
    std::atomic<std::uint64_t> m_settings_generation{1};
};

/// Represents the admin endpoints: /healthz, /readyz, /metrics, POST /reload (loopback only).
class admin_handler : public request_handler
{
public:
    admin_handler(metrics &counters, reloader &reloads, connection_registry &clients, map_holder &maps)
        : m_metrics{counters}, m_reloader{reloads}, m_clients{clients}, m_maps{maps}
    {}

    std::unique_ptr<handler_state> new_state() override { return nullptr; }

    bool handle(request_fields const &request, peer const &from, handler_state *, std::string &out) override
    {
        request_line const line{request.method == http::verb::head, request.keep_alive, request.http10()};
        std::string_view const date = current_date();
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
            m_metrics.set_connections(m_clients.size());
            append_ok(out, "text/plain; version=0.0.4; charset=utf-8", m_metrics.prometheus(), line, date);
        } else {
            append_error(out, 404, line, date);
        }
        return true;
    }

    void reject(int status, request_fields const &request, std::string &out) override
    {
        append_error(out, status, {false, false, request.http10()}, current_date());
    }

private:
    metrics &m_metrics;
    reloader &m_reloader;
    connection_registry &m_clients;
    map_holder &m_maps;
};

// ---------------------------------------------------------------------------------------------
// listener

/// Represents an open port: accepts connections and starts a session for each.
class listener : public std::enable_shared_from_this<listener>
{
public:
    /// `threaded`: the io_context runs on several threads, so each connection needs a strand.
    listener(net::io_context &io, bool threaded, tcp::endpoint endpoint, request_handler &handler,
             connection_registry &registry, connection_limits const &limits,
             std::shared_ptr<net::ssl::context> const *tls)
        : m_io{io}, m_threaded{threaded}, m_acceptor{net::make_strand(io)}, m_handler{handler},
          m_registry{registry}, m_limits{limits}, m_tls{tls}
    {
        beast::error_code ec;
        m_acceptor.open(endpoint.protocol(), ec);
        if (!ec) {
            m_acceptor.set_option(net::socket_base::reuse_address(true), ec);
        }
        if (!ec) {
            m_acceptor.bind(endpoint, ec);
        }
        if (!ec) {
            m_acceptor.listen(net::socket_base::max_listen_connections, ec);
        }
        if (ec) {
            throw argument_error{fmt::format("cannot listen on {}: {}", to_string(endpoint), ec.message())};
        }
    }

    void run() { do_accept(); }

    void stop()
    {
        net::post(m_acceptor.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->m_acceptor.close(ec);
        });
    }

    [[nodiscard]] tcp::endpoint local_endpoint() const { return m_acceptor.local_endpoint(); }

    static std::string to_string(tcp::endpoint const &endpoint)
    {
        return endpoint.address().is_v6() ? fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port())
                                          : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
    }

private:
    void do_accept()
    {
        // Each connection gets its own strand.
        // Each connection gets its own strand when several threads run the io_context; with
        // one thread a strand only adds work to every handler.
        auto const executor =
            m_threaded ? net::any_io_executor{net::make_strand(m_io)} : net::any_io_executor{m_io.get_executor()};
        m_acceptor.async_accept(executor, beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket)
    {
        if (ec == net::error::operation_aborted || !m_acceptor.is_open()) {
            return; // stopped
        }
        if (!ec) {
            socket.set_option(tcp::no_delay(true), ec);
            if (m_tls != nullptr) {
                std::shared_ptr<net::ssl::context> const tls = std::atomic_load(m_tls);
                start_tls_session(std::move(socket), *tls, m_handler, m_registry, m_limits);
            } else {
                start_plain_session(std::move(socket), m_handler, m_registry, m_limits);
            }
        } else if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {
            // Out of file descriptors: wait a little rather than spin.
            spdlog::warn("accept: {}", ec.message());
            auto timer = std::make_shared<net::steady_timer>(m_acceptor.get_executor(), std::chrono::milliseconds{100});
            timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->do_accept(); });
            return;
        }
        do_accept();
    }

    net::io_context &m_io;
    bool m_threaded;
    tcp::acceptor m_acceptor;
    request_handler &m_handler;
    connection_registry &m_registry;
    connection_limits const &m_limits;
    std::shared_ptr<net::ssl::context> const *m_tls;
};

std::shared_ptr<net::ssl::context> load_tls(serve_settings const &settings)
{
    auto context = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
    context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                         net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                         net::ssl::context::single_dh_use);
    beast::error_code ec;
    context->use_certificate_chain_file(settings.tls_cert, ec);
    if (ec) {
        throw argument_error{fmt::format("--tls-cert {}: {}", settings.tls_cert, ec.message())};
    }
    context->use_private_key_file(settings.tls_key, net::ssl::context::pem, ec);
    if (ec) {
        throw argument_error{fmt::format("--tls-key {}: {}", settings.tls_key, ec.message())};
    }
    return context;
}

std::shared_ptr<live_settings const> make_live(serve_settings const &settings)
{
    auto live = std::make_shared<live_settings>();
    live->policy.soft = settings.soft;
    live->policy.permanent_max_age = static_cast<std::uint32_t>(settings.permanent_max_age);
    live->policy.soft_max_age = static_cast<std::uint32_t>(settings.soft_max_age);
    live->policy.miss_max_age = static_cast<std::uint32_t>(settings.miss_max_age);
    live->trusted_proxies = parse_networks(settings.trusted_proxy);
    if (!settings.access_log.empty()) {
        live->log = std::make_shared<access_log>(settings.access_log);
    }
    return live;
}

} // namespace

// ---------------------------------------------------------------------------------------------

int serve(serve_settings settings, std::string const &config_file, std::vector<std::string> const &from_command_line)
{
    check(settings);

    // Until the signal_set below is in place, SIGHUP, SIGTERM and SIGINT wait (blocked) rather
    // than kill the process with their default action: loading a big map takes seconds, and a
    // SIGHUP then (logrotate, a renewed certificate) must not stop the server. Threads started
    // meanwhile inherit the mask and never take these signals.
    sigset_t handled_signals;
    sigemptyset(&handled_signals);
    for (int const number : {SIGHUP, SIGTERM, SIGINT}) {
        sigaddset(&handled_signals, number);
    }
    ::pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);

    // The first map: from the store, or from the snapshot file when the store cannot be reached.
    auto const load_from_store = [db = settings.db] {
        store::database store{db};
        store.migrate();
        return store.load_snapshot();
    };
    std::shared_ptr<mappings::snapshot const> first;
    auto const start = std::chrono::steady_clock::now();
    if (!settings.db.empty()) {
        try {
            first = load_from_store();
        } catch (database_error const &e) {
            if (settings.snapshot.empty()) {
                throw;
            }
            spdlog::warn("store unreachable ({}); starting from snapshot file {}", e.what(), settings.snapshot);
        }
    }
    if (!first) {
        first = store::read_snapshot_file(settings.snapshot);
    }
    spdlog::info("map version {} loaded: {} topics, {} posts, {:.1f} MiB, in {:.2f} s", first->version(),
                 first->size().topics, first->size().posts, static_cast<double>(first->memory_bytes()) / (1 << 20),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

    metrics counters;
    counters.set_map(first->version(), first->size().topics, first->size().posts, first->memory_bytes());
    map_holder maps{first};
    first.reset();
    miss_log misses{settings.db, static_cast<std::size_t>(settings.miss_log_interval)};

    connection_limits limits;
    limits.header_limit = static_cast<std::uint32_t>(settings.header_limit);
    limits.request_timeout = std::chrono::milliseconds{settings.request_timeout_ms};
    limits.keepalive_timeout = std::chrono::milliseconds{settings.keepalive_timeout_ms};
    connection_registry clients{static_cast<std::size_t>(settings.max_connections)};

    std::shared_ptr<net::ssl::context> tls;
    if (!settings.tls_listen.empty()) {
        tls = load_tls(settings);
    }
    redirect_handler redirects{maps, counters, misses, make_live(settings)};

    // Reloads: the map from the store (or the snapshot file), TLS files and reloadable settings.
    std::mutex settings_mutex;
    serve_settings current = settings;
    auto const reload_settings = [&] {
        std::lock_guard const lock{settings_mutex};
        serve_settings next = current;
        if (!config_file.empty()) {
            // Defaults, then the command line, then the file, as at start-up: a line taken out
            // of the file gives the setting its default back instead of leaving the old value.
            serve_settings fresh;
            for (auto const &entry : serve_setting_table()) {
                if (std::find(from_command_line.begin(), from_command_line.end(), entry.name) !=
                    from_command_line.end()) {
                    std::visit([&](auto member) { fresh.*member = settings.*member; }, entry.value);
                }
            }
            read_config_file(config_file, fresh, from_command_line);
            for (auto const &name : apply_reloadable(fresh, next)) {
                spdlog::warn("setting {} changed in {} but needs a restart; keeping the running value", name,
                             config_file);
            }
        }
        // Everything that can fail first, so that a failed reload changes nothing. The
        // certificate and key are re-read with or without a config file (a renewed certificate
        // is the common reason for a SIGHUP).
        auto live = make_live(next);
        std::shared_ptr<net::ssl::context> context;
        if (!next.tls_listen.empty()) {
            context = load_tls(next);
        }
        current = std::move(next);
        redirects.replace_settings(std::move(live));
        if (context) {
            std::atomic_store(&tls, std::move(context));
        }
    };
    reloader reloads{[&]() -> std::shared_ptr<mappings::snapshot const> {
                         std::shared_ptr<mappings::snapshot const> map;
                         if (!settings.db.empty()) {
                             map = load_from_store();
                         } else {
                             map = store::read_snapshot_file(settings.snapshot);
                         }
                         return map;
                     },
                     maps,
                     [&](mappings::snapshot const &map) {
                         counters.count_reload(true);
                         counters.set_map(map.version(), map.size().topics, map.size().posts, map.memory_bytes());
                     },
                     [&] { counters.count_reload(false); }, std::chrono::seconds{settings.reload_min_interval}};

    // Declared before the io_context: after a drain timeout its destructor destroys the
    // sessions still open, and they use the handler, registry and limits they were given.
    admin_handler admin{counters, reloads, clients, maps};
    connection_registry admin_clients{64};
    connection_limits admin_limits;
    net::io_context io{static_cast<int>(settings.threads)};
    bool const threaded = settings.threads > 1;
    std::vector<std::shared_ptr<listener>> listeners;
    for (auto const &text : settings.listen) {
        listeners.push_back(std::make_shared<listener>(io, threaded, parse_endpoint(text, "listen"), redirects, clients,
                                                       limits, nullptr));
    }
    for (auto const &text : settings.tls_listen) {
        listeners.push_back(std::make_shared<listener>(io, threaded, parse_endpoint(text, "tls-listen"), redirects,
                                                       clients, limits, &tls));
    }
    if (!settings.admin_listen.empty()) {
        listeners.push_back(std::make_shared<listener>(io, threaded,
                                                       parse_endpoint(settings.admin_listen, "admin-listen"), admin,
                                                       admin_clients, admin_limits, nullptr));
    }
    for (auto const &l : listeners) {
        l->run();
        spdlog::info("listening on {}", listener::to_string(l->local_endpoint()));
    }

    std::unique_ptr<change_listener> changes;
    if (!settings.db.empty() && settings.listen_for_changes) {
        changes = std::make_unique<change_listener>(settings.db, [&](std::string const &payload) {
            reloads.request(fmt::format("store changed, version {}", payload), true);
        });
    }

    // Signals: SIGHUP reloads, SIGTERM and SIGINT drain and stop.
    net::steady_timer stats_timer{io};
    net::signal_set signals{io, SIGHUP, SIGTERM, SIGINT};
    ::pthread_sigmask(SIG_UNBLOCK, &handled_signals, nullptr); // signals that came meanwhile are queued for async_wait
    net::steady_timer drain_timer{io};
    std::function<void(beast::error_code, int)> on_signal = [&](beast::error_code ec, int number) {
        if (ec) {
            return;
        }
        if (number == SIGHUP) {
            spdlog::info("SIGHUP: reloading the map{}", config_file.empty() ? "" : " and " + config_file);
            try {
                reload_settings();
            } catch (std::exception const &e) {
                spdlog::warn("config reload failed, keeping the running settings: {}", e.what());
            }
            reloads.request("SIGHUP");
            signals.async_wait(on_signal);
            return;
        }
        spdlog::info("{}: no new connections; finishing requests in flight (at most {} ms)",
                     number == SIGTERM ? "SIGTERM" : "SIGINT", settings.drain_timeout_ms);
        for (auto const &l : listeners) {
            l->stop();
        }
        stats_timer.cancel();
        clients.drain();
        admin_clients.drain();
        drain_timer.expires_after(std::chrono::milliseconds{settings.drain_timeout_ms});
        drain_timer.async_wait([&](beast::error_code timer_ec) {
            if (!timer_ec) {
                spdlog::warn("drain timeout: closing {} connections still open", clients.size());
                io.stop();
            }
        });
        // Once every connection is gone, the timer is the only work left: cancel it.
        auto poll = std::make_shared<net::steady_timer>(io);
        std::shared_ptr<std::function<void()>> check = std::make_shared<std::function<void()>>();
        // Only the pending wait owns the check (a check owning itself would never be freed).
        *check = [&, poll, weak_check = std::weak_ptr<std::function<void()>>{check}] {
            if (clients.size() == 0 && admin_clients.size() == 0) {
                drain_timer.cancel();
                signals.cancel();
                return;
            }
            poll->expires_after(std::chrono::milliseconds{20});
            poll->async_wait([next = weak_check.lock()](beast::error_code e) {
                if (!e && next) {
                    (*next)();
                }
            });
        };
        (*check)();
    };
    signals.async_wait(on_signal);

    // A stats line every stats-interval seconds, with rates.
    std::uint64_t last_requests = 0;
    std::function<void(beast::error_code)> on_stats = [&](beast::error_code ec) {
        if (ec || clients.draining()) {
            return;
        }
        std::uint64_t const total = counters.requests();
        auto const interval = std::max<std::int64_t>(settings.stats_interval, 1);
        spdlog::info("stats: {} req/s, {} connections, {} redirects, {} not found, map version {}",
                     (total - last_requests) / static_cast<std::uint64_t>(interval), clients.size(),
                     counters.requests(mappings::outcome::redirect) +
                         counters.requests(mappings::outcome::pass_through),
                     counters.requests(mappings::outcome::not_found), maps.current()->version());
        last_requests = total;
        stats_timer.expires_after(std::chrono::seconds{interval});
        stats_timer.async_wait(on_stats);
    };
    if (settings.stats_interval > 0) {
        stats_timer.expires_after(std::chrono::seconds{settings.stats_interval});
        stats_timer.async_wait(on_stats);
    }

    std::vector<std::thread> threads;
    for (std::int64_t i = 1; i < settings.threads; ++i) {
        threads.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto &thread : threads) {
        thread.join();
    }
    changes.reset();
    misses.flush();
    spdlog::info("stopped after {} requests", counters.requests());
    return 0;
}

} // namespace forumgate::redirector

namespace forumgate::redirector {

void write_snapshot_file(std::string const &db, std::filesystem::path const &file)
{
    store::database store{db};
    store.migrate();
    auto const start = std::chrono::steady_clock::now();
    store.write_snapshot_file(file);
    spdlog::info("map version {} written to {} in {:.1f} s", store.map_version(), file.string(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

} // namespace forumgate::redirector
