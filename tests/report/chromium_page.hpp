#pragma once
// A page open in headless Chromium, driven through the DevTools protocol over a pipe
// (--remote-debugging-pipe: commands in on fd 3, answers out on fd 4, NUL-terminated JSON), for
// the HTML report's tests: a viewport of any size (a 390-pixel phone, which a plain headless
// window cannot be: its windows are at least 500 pixels wide), and scripts run in the page with
// their results returned. Everything is bounded by one deadline; the browser is stopped when
// the page goes.

#include "tests/support/process.hpp"
#include "tests/support/test_db.hpp"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace forumgate::testing {

/// Represents one page of a headless Chromium of its own (own profile, own process).
class chromium_page
{
public:
    /// Starts `chromium` and opens `url` in a viewport of `width`×`height` CSS pixels; `mobile`
    /// emulates a phone (the page's meta viewport is honoured). \throws std::runtime_error if
    /// Chromium does not start, answer or load the page within `timeout`.
    chromium_page(std::string const &chromium, std::string const &url, int width, int height, bool mobile,
                  std::chrono::seconds timeout = std::chrono::seconds{90})
        : m_deadline{std::chrono::steady_clock::now() + timeout}
    {
        start(chromium);
        auto const target = call("Target.createTarget", {{"url", "about:blank"}})["targetId"];
        m_session = call("Target.attachToTarget", {{"targetId", target}, {"flatten", true}})["sessionId"];
        (void)call("Emulation.setDeviceMetricsOverride",
                   {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", mobile}});
        (void)call("Page.enable", nlohmann::json::object());
        (void)send("Page.navigate", {{"url", url}});
        while (receive().value("method", "") != "Page.loadEventFired") {
        }
    }

    ~chromium_page()
    {
        if (m_pid <= 0) {
            return;
        }
        try {
            m_session.clear();
            (void)send("Browser.close", nlohmann::json::object());
        } catch (std::exception const &) {
            // Killed below.
        }
        ::close(m_to_browser);
        ::close(m_from_browser);
        // Give it a few seconds to close by itself, then kill it: a test never leaves it running.
        auto const until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
        while (::waitpid(m_pid, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) {
                ::kill(m_pid, SIGKILL);
                (void)reap(m_pid, true);
                break;
            }
            ::usleep(20'000);
        }
    }
    chromium_page(chromium_page const &) = delete;
    chromium_page &operator=(chromium_page const &) = delete;

    /// Runs `expression` in the page. \return its value (returned by value, as JSON).
    /// \throws std::runtime_error if it throws or the browser does not answer in time.
    nlohmann::json evaluate(std::string const &expression)
    {
        auto const answer =
            call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
        if (answer.contains("exceptionDetails")) {
            throw std::runtime_error{"the script failed in the page: " + answer["exceptionDetails"].dump()};
        }
        return answer["result"].value("value", nlohmann::json{});
    }

private:
    void start(std::string const &chromium)
    {
        int to_browser[2];
        int from_browser[2];
        if (::pipe2(to_browser, O_CLOEXEC) != 0 || ::pipe2(from_browser, O_CLOEXEC) != 0) {
            throw std::runtime_error{"cannot make the pipes to Chromium"};
        }
        std::vector<std::string> const args = {"--headless",
                                               "--no-sandbox",
                                               "--disable-gpu",
                                               "--disable-dev-shm-usage",
                                               "--hide-scrollbars",
                                               "--remote-debugging-pipe",
                                               "--user-data-dir=" + m_profile.path().string(),
                                               "about:blank"};
        m_pid = ::fork();
        if (m_pid < 0) {
            throw std::runtime_error{"cannot start Chromium"};
        }
        if (m_pid == 0) {
            // The protocol's fds: 3 to read commands, 4 to write answers (dup2 clears O_CLOEXEC;
            // the pipe ends are above 4, as 0–2 are taken and two pipes make four fds).
            int const commands = ::fcntl(to_browser[0], F_DUPFD, 10);
            int const answers = ::fcntl(from_browser[1], F_DUPFD, 10);
            ::dup2(commands, 3);
            ::dup2(answers, 4);
            int const null = ::open("/dev/null", O_RDWR);
            ::dup2(null, STDOUT_FILENO);
            ::dup2(null, STDERR_FILENO);
            exec_program(chromium, args, {});
        }
        ::close(to_browser[0]);
        ::close(from_browser[1]);
        m_to_browser = to_browser[1];
        m_from_browser = from_browser[0];
    }

    /// Sends a command. \return its id.
    int send(std::string const &method, nlohmann::json const &params)
    {
        nlohmann::json message{{"id", ++m_next_id}, {"method", method}, {"params", params}};
        if (!m_session.empty()) {
            message["sessionId"] = m_session;
        }
        std::string const text = message.dump() + '\0';
        std::size_t written = 0;
        while (written < text.size()) {
            auto const n = ::write(m_to_browser, text.data() + written, text.size() - written);
            if (n <= 0) {
                throw std::runtime_error{"Chromium stopped reading its commands"};
            }
            written += static_cast<std::size_t>(n);
        }
        return m_next_id;
    }

    /// \return the next message (an answer or an event).
    nlohmann::json receive()
    {
        for (;;) {
            if (auto const end = m_buffer.find('\0'); end != std::string::npos) {
                auto message = nlohmann::json::parse(m_buffer.substr(0, end));
                m_buffer.erase(0, end + 1);
                return message;
            }
            auto const left = time_left_or_kill(m_pid, m_deadline);
            if (!left) {
                (void)reap(m_pid, true);
                m_pid = -1;
                throw std::runtime_error{"Chromium did not answer in time (killed)"};
            }
            pollfd ready{m_from_browser, POLLIN, 0};
            if (::poll(&ready, 1, *left) <= 0) {
                continue;
            }
            char chunk[65536];
            auto const n = ::read(m_from_browser, chunk, sizeof chunk);
            if (n <= 0) {
                throw std::runtime_error{"Chromium closed the protocol pipe"};
            }
            m_buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }

    /// Sends a command and waits for its answer. \return its result.
    nlohmann::json call(std::string const &method, nlohmann::json const &params)
    {
        int const id = send(method, params);
        for (;;) {
            auto message = receive();
            if (message.value("id", 0) != id) {
                continue; // an event, or an answer to a command sent without waiting
            }
            if (message.contains("error")) {
                throw std::runtime_error{method + ": " + message["error"].dump()};
            }
            return message["result"];
        }
    }

    std::chrono::steady_clock::time_point m_deadline;
    temp_dir m_profile;
    pid_t m_pid = -1;
    int m_to_browser = -1;
    int m_from_browser = -1;
    int m_next_id = 0;
    std::string m_session;
    std::string m_buffer;
};

} // namespace forumgate::testing
