#include "tests/web/pty.hpp"

#include "tests/support/process.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace forumgate::testing {

pty_result run_in_pty(unsigned short columns, std::function<int()> const &child, int timeout_seconds)
{
    winsize size{};
    size.ws_row = 40;
    size.ws_col = columns;
    int master = -1;
    pid_t const pid = ::forkpty(&master, nullptr, nullptr, &size);
    if (pid < 0) {
        throw std::runtime_error{std::string{"forkpty: "} + std::strerror(errno)};
    }
    if (pid == 0) {
        int code = 126;
        try {
            code = child();
        } catch (...) {
        }
        std::fflush(nullptr);
        std::_Exit(code);
    }
    pty_result result;
    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds{timeout_seconds};
    bool killed = false;
    for (;;) {
        auto const left = time_left_or_kill(pid, deadline);
        if (!left) {
            killed = true;
            break;
        }
        pollfd poll_master{master, POLLIN, 0};
        if (::poll(&poll_master, 1, *left) < 0 && errno != EINTR) {
            break;
        }
        char buffer[65536];
        ssize_t const n = ::read(master, buffer, sizeof buffer);
        if (n > 0) {
            result.output.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break; // EIO: the child's side is closed
        }
    }
    ::close(master);
    result.exit_code = reap(pid, killed);
    return result;
}

pty_result run_program_in_pty(unsigned short columns, std::string const &program, std::vector<std::string> const &args,
                              std::map<std::string, std::string> const &env, int timeout_seconds)
{
    return run_in_pty(
        columns, [&]() -> int { exec_program(program, args, env); }, timeout_seconds);
}

namespace {

/// Skips the escape sequence that starts at `output[i]` (ESC). \return the index of its last
/// byte, and its final byte.
std::pair<std::size_t, char> skip_escape(std::string_view output, std::size_t i)
{
    if (i + 1 < output.size() && output[i + 1] == '[') {
        std::size_t j = i + 2;
        while (j < output.size() && (output[j] < 0x40 || output[j] > 0x7E)) {
            ++j;
        }
        return {std::min(j, output.size() - 1), j < output.size() ? output[j] : '\0'};
    }
    return {std::min(i + 1, output.size() - 1), '\0'};
}

} // namespace

screen play(std::string_view output, std::size_t columns)
{
    screen shown;
    std::vector<std::string> cells; // the line the cursor is on, one UTF-8 character per cell
    std::size_t cursor = 0;
    auto const end_line = [&] {
        std::string line;
        for (auto const &cell : cells) {
            line += cell;
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        shown.lines.push_back(std::move(line));
        cells.clear();
        cursor = 0;
    };
    for (std::size_t i = 0; i < output.size(); ++i) {
        char const c = output[i];
        if (c == '\r') {
            cursor = 0;
        } else if (c == '\n') {
            end_line();
        } else if (c == '\033') {
            auto const [last, final] = skip_escape(output, i);
            if (final == 'K') {
                cells.resize(std::min(cells.size(), cursor));
            }
            i = last;
        } else if ((static_cast<unsigned char>(c) & 0xC0U) == 0x80U) {
            if (cursor > 0) {
                cells[cursor - 1] += c; // the rest of a UTF-8 character
            }
        } else if (static_cast<unsigned char>(c) >= 0x20) {
            if (cursor == columns && cells.size() == columns) {
                ++shown.wraps; // the terminal goes on at the start of the next row
            }
            if (cells.size() <= cursor) {
                cells.resize(cursor + 1, " ");
            }
            cells[cursor++] = std::string(1, c);
        }
    }
    if (!cells.empty()) {
        end_line();
    }
    return shown;
}

} // namespace forumgate::testing
