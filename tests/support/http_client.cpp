#include "tests/support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace forumgate::testing {
namespace {

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

int connect_to(std::uint16_t port)
{
    int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error{std::string{"socket: "} + std::strerror(errno)};
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr const *>(&address), sizeof address) != 0) {
        int const error = errno;
        ::close(fd);
        errno = error;
        return -1;
    }
    int const one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

// Parses and checks a response head (status line and header lines, without the blank line).
void parse_head(std::string_view head, http_response &out)
{
    auto const complain = [&](std::string what) {
        if (out.problem.empty()) {
            out.problem = std::move(what);
        }
    };
    std::size_t start = 0;
    bool first = true;
    while (start < head.size()) {
        auto end = head.find("\r\n", start);
        if (end == std::string_view::npos) {
            end = head.size();
        }
        std::string_view const line = head.substr(start, end - start);
        start = end + 2;
        for (char const c : line) {
            auto const byte = static_cast<unsigned char>(c);
            if (byte < 0x20U || byte >= 0x7FU) {
                complain("control or non-ASCII byte in line: " + std::string{line});
            }
        }
        if (first) {
            first = false;
            // HTTP/1.1 301 Moved Permanently
            auto const space = line.find(' ');
            out.version = std::string{line.substr(0, space)};
            if (space == std::string_view::npos || line.size() < space + 4 ||
                (out.version != "HTTP/1.1" && out.version != "HTTP/1.0")) {
                complain("bad status line: " + std::string{line});
                continue;
            }
            auto const code = line.substr(space + 1, 3);
            if (std::from_chars(code.data(), code.data() + 3, out.status).ptr != code.data() + 3) {
                complain("bad status code: " + std::string{line});
            }
            out.reason = std::string{line.size() > space + 5 ? line.substr(space + 5) : std::string_view{}};
            continue;
        }
        auto const colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0 ||
            !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), is_token_char)) {
            complain("bad header line: " + std::string{line});
            continue;
        }
        std::string_view value = line.substr(colon + 1);
        if (!value.starts_with(' ')) {
            complain("no space after the colon: " + std::string{line});
        }
        while (!value.empty() && value.front() == ' ') {
            value.remove_prefix(1);
        }
        out.headers.emplace_back(std::string{line.substr(0, colon)}, std::string{value});
    }
    if (head.find('\n') != std::string_view::npos &&
        std::count(head.begin(), head.end(), '\n') != std::count(head.begin(), head.end(), '\r')) {
        complain("a bare CR or LF in the head");
    }
}

} // namespace

std::optional<std::string> http_response::header(std::string_view name) const
{
    for (auto const &[key, value] : headers) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

std::size_t http_response::count(std::string_view name) const
{
    return static_cast<std::size_t>(
        std::count_if(headers.begin(), headers.end(), [&](auto const &h) { return iequals(h.first, name); }));
}

http_client::http_client(std::uint16_t port, std::chrono::milliseconds timeout) : m_timeout{timeout}
{
    ::signal(SIGPIPE, SIG_IGN);
    m_fd = connect_to(port);
    if (m_fd < 0) {
        throw std::runtime_error{"connecting to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno)};
    }
}

http_client::~http_client()
{
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

bool http_client::can_connect(std::uint16_t port)
{
    int const fd = connect_to(port);
    if (fd < 0) {
        return false;
    }
    ::close(fd);
    return true;
}

bool http_client::send(std::string_view bytes)
{
    while (!bytes.empty()) {
        ssize_t const n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool http_client::fill(std::chrono::steady_clock::time_point deadline)
{
    if (m_eof) {
        return false;
    }
    while (true) {
        auto const left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd p{m_fd, POLLIN, 0};
        int const ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            return false;
        }
        char chunk[16384];
        ssize_t const n = ::recv(m_fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            m_buffer.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        m_eof = true; // end of stream, or reset
        return false;
    }
}

std::optional<http_response> http_client::read_response(bool to_head)
{
    auto const deadline = std::chrono::steady_clock::now() + m_timeout;
    std::size_t head_end = std::string::npos;
    while ((head_end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(deadline)) {
            return std::nullopt;
        }
    }
    http_response response;
    response.head = m_buffer.substr(0, head_end);
    parse_head(response.head, response);
    std::size_t body_size = 0;
    bool until_close = false;
    if (!to_head && response.status != 204 && response.status != 304 && response.status / 100 != 1) {
        if (auto const length = response.header("Content-Length")) {
            if (std::from_chars(length->data(), length->data() + length->size(), body_size).ptr !=
                length->data() + length->size()) {
                response.problem = "bad Content-Length: " + *length;
                body_size = 0;
            }
        } else {
            until_close = true;
        }
    }
    std::size_t const body_start = head_end + 4;
    if (until_close) {
        while (fill(deadline)) {
        }
        if (!m_eof) {
            return std::nullopt;
        }
        body_size = m_buffer.size() - body_start;
    }
    while (m_buffer.size() < body_start + body_size) {
        if (!fill(deadline)) {
            return std::nullopt;
        }
    }
    response.body = m_buffer.substr(body_start, body_size);
    m_buffer.erase(0, body_start + body_size);
    return response;
}

bool http_client::closed_by_peer(std::chrono::milliseconds wait)
{
    auto const deadline = std::chrono::steady_clock::now() + wait;
    std::size_t const before = m_buffer.size();
    while (fill(deadline)) {
    }
    return m_eof && m_buffer.size() == before;
}

bool http_client::readable(std::chrono::milliseconds wait) const
{
    if (!m_buffer.empty() || m_eof) {
        return true;
    }
    pollfd p{m_fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
}

void http_client::shutdown_send()
{
    ::shutdown(m_fd, SHUT_WR);
}

std::uint16_t unused_loopback_port()
{
    int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bool const bound = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
                       ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0;
    if (fd >= 0) {
        ::close(fd);
    }
    if (!bound) {
        throw std::runtime_error{"no unused port on 127.0.0.1"};
    }
    return ntohs(address.sin_port);
}

std::optional<http_response> http_request(std::uint16_t port, std::string_view target, std::string_view host,
                                          std::string_view method)
{
    http_client client{port};
    std::string request{method};
    request.append(" ")
        .append(target)
        .append(" HTTP/1.1\r\nHost: ")
        .append(host)
        .append("\r\nConnection: close\r\n\r\n");
    if (!client.send(request)) {
        return std::nullopt;
    }
    return client.read_response(method == "HEAD");
}

} // namespace forumgate::testing
