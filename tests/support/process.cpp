#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace forumgate::testing {

void exec_program(std::string const &program, std::vector<std::string> const &args,
                  std::map<std::string, std::string> const &env)
{
    for (auto const &[name, value] : env) {
        if (value.empty()) {
            ::unsetenv(name.c_str());
        } else {
            ::setenv(name.c_str(), value.c_str(), 1);
        }
    }
    std::vector<char *> argv;
    argv.push_back(const_cast<char *>(program.c_str()));
    for (auto const &arg : args) {
        argv.push_back(const_cast<char *>(arg.c_str()));
    }
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    std::_Exit(127);
}

std::optional<int> time_left_or_kill(pid_t pid, std::chrono::steady_clock::time_point deadline)
{
    auto const left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
        ::kill(pid, SIGKILL);
        return std::nullopt;
    }
    return static_cast<int>(left.count());
}

int reap(pid_t pid, bool killed)
{
    int status = 0;
    ::waitpid(pid, &status, 0);
    return killed ? 128 + SIGKILL : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

process_result run_process(std::string const &program, std::vector<std::string> const &args,
                           std::map<std::string, std::string> const &env, std::string const &input, int timeout_seconds)
{
    ::signal(SIGPIPE, SIG_IGN); // a child that stops reading must not kill the test
    int in_pipe[2];
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error{std::string{"pipe: "} + std::strerror(errno)};
    }
    pid_t const pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error{std::string{"fork: "} + std::strerror(errno)};
    }
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        exec_program(program, args, env);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    process_result result;
    std::size_t written = 0;
    int in_fd = in_pipe[1];
    if (input.empty()) {
        ::close(in_fd);
        in_fd = -1;
    } else {
        // Never block in write(): a child that writes more than a pipe holds before it has read
        // all its input would wait for us while we wait for it (POLLOUT promises only PIPE_BUF).
        ::fcntl(in_fd, F_SETFL, ::fcntl(in_fd, F_GETFL) | O_NONBLOCK);
    }
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds{timeout_seconds};
    int out_fd = out_pipe[0];
    int err_fd = err_pipe[0];
    bool killed = false;
    while (out_fd >= 0 || err_fd >= 0) {
        pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
        auto const left = time_left_or_kill(pid, deadline);
        if (!left) {
            killed = true;
            break;
        }
        if (::poll(fds, 3, *left) < 0 && errno != EINTR) {
            break;
        }
        char buffer[65536];
        for (int i = 0; i < 2; ++i) {
            int &fd = i == 0 ? out_fd : err_fd;
            if (fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                ssize_t const n = ::read(fd, buffer, sizeof buffer);
                if (n > 0) {
                    (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
                } else if (n == 0 || errno != EINTR) {
                    ::close(fd);
                    fd = -1;
                }
            }
        }
        if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            ssize_t const n = ::write(in_fd, input.data() + written, input.size() - written);
            if (n > 0) {
                written += static_cast<std::size_t>(n);
            }
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
                ::close(in_fd);
                in_fd = -1;
            }
        }
    }
    for (int fd : {out_fd, err_fd, in_fd}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    result.exit_code = reap(pid, killed);
    return result;
}

} // namespace forumgate::testing
