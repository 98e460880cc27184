#include "tests/support/server_process.hpp"

#include "tests/support/test_db.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

namespace forumgate::testing {
namespace {

std::string read_all(std::filesystem::path const &path)
{
    try {
        return read_file(path);
    } catch (std::runtime_error const &) {
        return {};
    }
}

} // namespace

server_process::server_process(std::string const &program, std::vector<std::string> const &args,
                               std::map<std::string, std::string> const &env)
    : m_dir{make_temp_folder("forumgate-server")}, m_log_file{m_dir / "server.log"}
{
    ::signal(SIGPIPE, SIG_IGN); // writing to a connection the server closed must not kill the test
    int const log_fd = ::open(m_log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        throw std::runtime_error{"opening " + m_log_file.string() + ": " + std::strerror(errno)};
    }
    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    std::vector<std::string> environment;
    for (char **e = environ; *e != nullptr; ++e) {
        std::string_view const entry{*e};
        auto const name = entry.substr(0, entry.find('='));
        if (env.find(std::string{name}) == env.end()) {
            environment.emplace_back(entry);
        }
    }
    for (auto const &[name, value] : env) {
        if (!value.empty()) {
            environment.push_back(name + "=" + value);
        }
    }
    std::vector<char *> envp;
    for (auto &entry : environment) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> argv_storage{program};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &arg : argv_storage) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    m_pid = ::fork();
    if (m_pid < 0) {
        ::close(log_fd);
        throw std::runtime_error{std::string{"fork: "} + std::strerror(errno)};
    }
    if (m_pid == 0) {
        int const null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        // The test may block signals in its threads; the server must start with none blocked.
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        ::execve(argv[0], argv.data(), envp.data());
        std::_Exit(127);
    }
    ::close(log_fd);
}

server_process::~server_process()
{
    if (running()) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
}

bool server_process::wait_listening(std::size_t count, std::chrono::milliseconds timeout)
{
    static constexpr std::string_view MARK = "listening on ";
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        std::string const text = log();
        std::vector<std::uint16_t> ports;
        for (auto at = text.find(MARK); at != std::string::npos; at = text.find(MARK, at + 1)) {
            auto const end = text.find('\n', at);
            if (end == std::string::npos) {
                break; // the line is still being written
            }
            std::string_view const line{text.data() + at, end - at};
            auto const colon = line.rfind(':');
            std::uint16_t port = 0;
            auto const parsed = std::from_chars(line.data() + colon + 1, line.data() + line.size(), port);
            if (colon != std::string_view::npos && parsed.ec == std::errc{}) {
                ports.push_back(port);
            }
        }
        if (ports.size() >= count) {
            m_ports = std::move(ports);
            return true;
        }
        if (!running() || std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
}

std::string server_process::log() const
{
    return read_all(m_log_file);
}

std::size_t server_process::log_count(std::string_view text) const
{
    std::string const content = log();
    std::size_t count = 0;
    for (auto at = content.find(text); at != std::string::npos; at = content.find(text, at + text.size())) {
        ++count;
    }
    return count;
}

bool server_process::wait_for_log(std::string_view text, std::chrono::milliseconds timeout,
                                  std::size_t occurrences) const
{
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (log_count(text) < occurrences) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return true;
}

void server_process::signal(int number) const
{
    if (m_exit_status) {
        throw std::runtime_error{"signal " + std::to_string(number) + ": the server has already exited"};
    }
    ::kill(m_pid, number);
}

std::optional<int> server_process::wait_exit(std::chrono::milliseconds timeout)
{
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return m_exit_status;
}

bool server_process::running()
{
    if (m_exit_status) {
        return false;
    }
    int status = 0;
    pid_t const done = ::waitpid(m_pid, &status, WNOHANG);
    if (done == m_pid) {
        m_exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return done == 0;
}

int kill_at_random_points(std::string const &program, std::vector<std::string> const &args, int rounds,
                          std::chrono::milliseconds shortest, std::chrono::milliseconds longest)
{
    std::mt19937 random{std::random_device{}()};
    std::uniform_int_distribution<std::chrono::milliseconds::rep> wait{shortest.count(), longest.count()};
    int killed = 0;
    for (int round = 0; round < rounds; ++round) {
        server_process run{program, args};
        std::this_thread::sleep_for(std::chrono::milliseconds{wait(random)});
        if (run.running()) {
            run.signal(SIGKILL);
            ++killed;
        }
        (void)run.wait_exit(std::chrono::seconds{10});
    }
    return killed;
}

std::unique_ptr<server_process> start_rehearsal_forum(std::string const &forumgate,
                                                      std::filesystem::path const &key_file,
                                                      std::vector<std::string> const &more)
{
    std::vector<std::string> args{"rehearsal-forum", "--listen", "127.0.0.1:0", "--admin-key-file", key_file.string()};
    args.insert(args.end(), more.begin(), more.end());
    auto forum = std::make_unique<server_process>(forumgate, args);
    if (!forum->wait_listening(1)) {
        throw std::runtime_error{"the rehearsal forum did not come up:\n" + forum->log()};
    }
    return forum;
}

} // namespace forumgate::testing
