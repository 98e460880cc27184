#pragma once
// Test support for the rehearsal forum's REST API and pages (api_test.cpp, api_write*_test.cpp,
// pages*_test.cpp): the recorded Discourse responses, a ticking clock, requests as the API
// receives them, and the API served on a loopback port.

#include "rehearsal/api.hpp"
#include "rehearsal/forum.hpp"
#include "rehearsal/http_server.hpp"
#include "tests/support/json_shape.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace forumgate::rehearsal::test_support {

/// \return the recorded Discourse response or schema `name` (tests/fixtures/discourse).
inline nlohmann::json discourse_fixture(std::string const &name)
{
    return forumgate::testing::read_json_file(std::string{FORUMGATE_FIXTURES} + "/discourse/" + name);
}

/// \return `lines`, each ended by a newline ("" for none), so that a list of problems prints well.
inline std::string joined(std::vector<std::string> const &lines)
{
    std::string out;
    for (auto const &line : lines) {
        out += line + "\n";
    }
    return out;
}

/// A clock that moves one minute per reading, so topics and posts have distinct times.
inline std::function<timestamp()> ticking_clock()
{
    auto now = std::make_shared<timestamp>(*parse_time("2024-05-01T12:00:00Z"));
    return [now] { return *now += std::chrono::minutes{1}; };
}

/// \return the value of header `name` of an answer, or nullopt.
inline std::optional<std::string> header_of(api_response const &answer, std::string_view name)
{
    for (auto const &[key, value] : answer.headers) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

/// \return a GET of `target` (path and query) as the API receives it: as `username` with
/// `api_key`, or anonymously when `username` is empty.
inline api_request get_request(std::string const &target, std::string const &api_key, std::string const &username,
                               std::string host = {})
{
    api_request request;
    auto const question = target.find('?');
    request.path = target.substr(0, question);
    request.query = question == std::string::npos ? "" : target.substr(question + 1);
    request.host = std::move(host);
    if (!username.empty()) {
        request.api_key = api_key;
        request.api_username = username;
    }
    return request;
}

/// Serves `handler` on a loopback port, from a thread of its own, until stop() or destruction.
class loopback
{
public:
    explicit loopback(api_handler handler)
        : m_listener{m_io, {boost::asio::ip::make_address("127.0.0.1"), 0}, std::move(handler), {}}, m_runner{[this] {
              m_io.run();
          }}
    {}
    ~loopback() { stop(); }
    loopback(loopback const &) = delete;
    loopback &operator=(loopback const &) = delete;

    [[nodiscard]] std::uint16_t port() const { return m_listener.local_endpoint().port(); }

    /// Stops serving and waits for the thread.
    void stop()
    {
        m_io.stop();
        if (m_runner.joinable()) {
            m_runner.join();
        }
    }

private:
    boost::asio::io_context m_io;
    http_server m_listener;
    std::thread m_runner;
};

} // namespace forumgate::rehearsal::test_support
