#pragma once
// A small web site on a loopback port for the report's tests: the rehearsal forum's HTTP
// server answering from a table of paths, which a test fills once it knows the port (pages
// that redirect to themselves or to each other need it). A page may be for members only
// (answered to one API key, 404 to anyone else), and the site keeps the Api-Key each path was
// asked with.

#include "rehearsal/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace forumgate::testing {

namespace net = boost::asio;

/// A loopback web server answering from a table of paths, filled once its port is known.
class loopback_site
{
public:
    loopback_site()
        : m_server{m_io,
                   {net::ip::make_address("127.0.0.1"), 0},
                   [this](forumgate::rehearsal::api_request const &request) {
                       std::lock_guard const lock{m_mutex};
                       ++m_asked[request.path];
                       m_keys[request.path] = request.api_key;
                       auto const found = m_pages.find(request.path);
                       auto const key = m_member_keys.find(request.path);
                       bool const allowed = key == m_member_keys.end() || key->second == request.api_key;
                       return found != m_pages.end() && allowed
                                  ? found->second
                                  : forumgate::rehearsal::api_response{404, "text/plain", "not here", {}};
                   },
                   {}},
          m_thread{[this] { m_io.run(); }}
    {}
    ~loopback_site()
    {
        m_io.stop();
        m_thread.join();
    }
    loopback_site(loopback_site const &) = delete;
    loopback_site &operator=(loopback_site const &) = delete;

    void serve(std::string const &path, forumgate::rehearsal::api_response response)
    {
        std::lock_guard const lock{m_mutex};
        m_pages[path] = std::move(response);
    }
    /// Serves `path` only to requests with `Api-Key: api_key` (404 to others), as Discourse serves
    /// a members-only topic.
    void serve_to_members(std::string const &path, std::string const &api_key,
                          forumgate::rehearsal::api_response response)
    {
        std::lock_guard const lock{m_mutex};
        m_pages[path] = std::move(response);
        m_member_keys[path] = api_key;
    }
    [[nodiscard]] std::string url(std::string const &path) const
    {
        return "http://127.0.0.1:" + std::to_string(m_server.local_endpoint().port()) + path;
    }
    [[nodiscard]] std::uint16_t port() const { return m_server.local_endpoint().port(); }
    [[nodiscard]] int asked(std::string const &path)
    {
        std::lock_guard const lock{m_mutex};
        return m_asked[path];
    }
    /// \return the Api-Key `path` was last asked with ("" for none).
    [[nodiscard]] std::string key_seen(std::string const &path)
    {
        std::lock_guard const lock{m_mutex};
        return m_keys[path];
    }

private:
    std::mutex m_mutex;
    std::map<std::string, forumgate::rehearsal::api_response> m_pages;
    std::map<std::string, int> m_asked;
    std::map<std::string, std::string> m_keys;
    std::map<std::string, std::string> m_member_keys;
    net::io_context m_io;
    forumgate::rehearsal::http_server m_server;
    std::thread m_thread;
};

} // namespace forumgate::testing
