#include "rehearsal/http_server.hpp"

#include "base/listen.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <random>

namespace forumgate::rehearsal {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

/// What the listener and its connections share.
struct http_server::state
{
    net::io_context &io;
    tcp::acceptor acceptor;
    api_handler handler;
    fault_plan faults;
    std::mutex random_mutex;
    std::mt19937_64 random;
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> errors{0};

    state(net::io_context &context, api_handler h, fault_plan f)
        : io{context}, acceptor{net::make_strand(context)}, handler{std::move(h)}, faults{f}, random{f.seed}
    {}

    enum class fault : std::uint8_t
    {
        none,
        error,
        timeout,
        drop
    };

    fault draw()
    {
        if (faults.error_share <= 0 && faults.timeout_share <= 0 && faults.drop_share <= 0) {
            return fault::none;
        }
        std::lock_guard const lock{random_mutex};
        double const x = std::uniform_real_distribution<double>{0.0, 1.0}(random);
        if (x < faults.error_share) {
            return fault::error;
        }
        if (x < faults.error_share + faults.timeout_share) {
            return fault::timeout;
        }
        if (x < faults.error_share + faults.timeout_share + faults.drop_share) {
            return fault::drop;
        }
        return fault::none;
    }
};

namespace {

/// Keep-alive connections idle longer than this are closed (Discourse's nginx: 65 s).
constexpr std::chrono::seconds IDLE_TIMEOUT{65};

/// Represents one connection.
class connection : public std::enable_shared_from_this<connection>
{
public:
    connection(tcp::socket socket, std::shared_ptr<http_server::state> shared)
        : m_stream{std::move(socket)}, m_timer{m_stream.get_executor()}, m_shared{std::move(shared)}
    {}

    void run() { do_read(); }

private:
    void do_read()
    {
        m_parser.emplace();
        m_parser->body_limit(http_server::BODY_LIMIT);
        m_parser->header_limit(64 * 1024);
        m_stream.expires_after(IDLE_TIMEOUT);
        http::async_read(m_stream, m_buffer, *m_parser,
                         beast::bind_front_handler(&connection::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t)
    {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted) {
            close();
            return;
        }
        if (ec) {
            int const status = ec == http::error::body_limit ? 413 : ec == http::error::header_limit ? 431 : 400;
            answer(api_response{status, "text/plain; charset=utf-8", ec.message() + "\n", {}}, false);
            return;
        }
        auto const &message = m_parser->get();
        api_request request;
        request.method = message.method();
        std::string_view const target{message.target().data(), message.target().size()};
        auto const q = target.find('?');
        request.path = std::string{target.substr(0, q)};
        request.query = q == std::string_view::npos ? std::string{} : std::string{target.substr(q + 1)};
        auto const header = [&](char const *name) {
            auto const it = message.find(name);
            return it == message.end() ? std::string{} : std::string{it->value().data(), it->value().size()};
        };
        request.api_key = header("Api-Key");
        request.api_username = header("Api-Username");
        request.content_type = header("Content-Type");
        request.body = message.body();
        beast::error_code peer_ec;
        auto const peer = m_stream.socket().remote_endpoint(peer_ec);
        request.client = peer_ec ? std::string{} : peer.address().to_string();
        // Absolute URLs (sitemaps, feeds, redirects) name the host the client asked for.
        request.host = header("Host");
        if (request.host.empty()) {
            auto const local = m_stream.socket().local_endpoint(peer_ec);
            if (!peer_ec) {
                auto const address = local.address();
                request.host = (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
                               std::to_string(local.port());
            }
        }
        bool const keep_alive = message.keep_alive();
        m_head = message.method() == http::verb::head;

        switch (m_shared->draw()) {
        case http_server::state::fault::drop:
            close();
            return;
        case http_server::state::fault::timeout:
            // Hold the connection without answering, as a stuck upstream does.
            m_timer.expires_after(m_shared->faults.hang);
            m_timer.async_wait([self = shared_from_this()](beast::error_code) { self->close(); });
            return;
        case http_server::state::fault::error: {
            bool const bad_gateway = (m_shared->errors.fetch_add(1) % 2) == 1;
            answer(api_response{bad_gateway ? 502 : 500,
                                "text/html",
                                bad_gateway ? "<html><body><h1>502 Bad Gateway</h1></body></html>\n"
                                            : "<html><body><h1>Internal Server Error</h1></body></html>\n",
                                {}},
                   keep_alive);
            return;
        }
        case http_server::state::fault::none:
            break;
        }
        api_response response;
        try {
            response = m_shared->handler(request);
        } catch (std::exception const &e) {
            // Discourse answers an unexpected exception with a 500 and a JSON error.
            response = api_response{500,
                                    "application/json; charset=utf-8",
                                    fmt::format(R"({{"errors":["{}"],"error_type":"server_error"}})", "internal error"),
                                    {}};
        }
        answer(std::move(response), keep_alive);
    }

    void answer(api_response response, bool keep_alive)
    {
        m_response.emplace();
        m_response->result(static_cast<unsigned>(response.status));
        m_response->version(11);
        m_response->set(http::field::server, "forumgate-rehearsal");
        m_response->set(http::field::content_type, response.content_type);
        for (auto const &[name, value] : response.headers) {
            m_response->set(name, value);
        }
        m_response->body() = std::move(response.body);
        m_response->keep_alive(keep_alive);
        m_response->prepare_payload();
        if (m_head) {
            m_response->body().clear(); // Content-Length stays that of the GET answer
        }
        m_keep_alive = keep_alive;
        m_shared->requests.fetch_add(1, std::memory_order_relaxed);
        if (m_shared->faults.latency.count() > 0) {
            m_timer.expires_after(m_shared->faults.latency);
            m_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
                if (!ec) {
                    self->do_write();
                }
            });
            return;
        }
        do_write();
    }

    void do_write()
    {
        m_stream.expires_after(IDLE_TIMEOUT);
        if (m_head) {
            m_serializer.emplace(*m_response);
            m_serializer->split(true);
            http::async_write_header(m_stream, *m_serializer,
                                     beast::bind_front_handler(&connection::on_write, shared_from_this()));
            return;
        }
        http::async_write(m_stream, *m_response, beast::bind_front_handler(&connection::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t)
    {
        if (ec || !m_keep_alive) {
            close();
            return;
        }
        m_response.reset();
        m_serializer.reset();
        do_read();
    }

    void close()
    {
        beast::error_code ec;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        m_stream.close();
    }

    beast::tcp_stream m_stream;
    net::steady_timer m_timer;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::optional<http::response<http::string_body>> m_response;
    std::optional<http::response_serializer<http::string_body>> m_serializer;
    std::shared_ptr<http_server::state> m_shared;
    bool m_keep_alive = true;
    bool m_head = false;
};

void do_accept(std::shared_ptr<http_server::state> const &shared)
{
    shared->acceptor.async_accept(net::make_strand(shared->io), [shared](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !shared->acceptor.is_open()) {
            return;
        }
        if (!ec) {
            std::make_shared<connection>(std::move(socket), shared)->run();
        }
        do_accept(shared);
    });
}

} // namespace

http_server::http_server(net::io_context &io, tcp::endpoint const &endpoint, api_handler handler, fault_plan faults)
    : m_state{std::make_shared<state>(io, std::move(handler), faults)}
{
    if (auto const ec = base::open_listening(m_state->acceptor, endpoint)) {
        throw std::runtime_error{
            fmt::format("cannot listen on {}:{}: {}", endpoint.address().to_string(), endpoint.port(), ec.message())};
    }
    do_accept(m_state);
}

http_server::~http_server()
{
    stop();
}

tcp::endpoint http_server::local_endpoint() const
{
    return m_state->acceptor.local_endpoint();
}

void http_server::stop()
{
    net::post(m_state->acceptor.get_executor(), [shared = m_state] {
        beast::error_code ec;
        shared->acceptor.close(ec);
    });
}

std::uint64_t http_server::requests() const noexcept
{
    return m_state->requests.load(std::memory_order_relaxed);
}

} // namespace forumgate::rehearsal
