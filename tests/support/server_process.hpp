#pragma once
// Runs a server program in the background for tests, the way an operator runs it: its log
// goes to a file, its ports are read from the log, it gets signals, and it is always killed
// at the end (PgBouncer's `Bouncer` fixture and `log_contains` in test/utils.py).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::testing {

/// Represents a program running in the background, with standard output and error captured
/// in a log file. The destructor kills it (SIGKILL) if it still runs and reaps it.
class server_process
{
public:
    /// Starts `program` with `args`, extra environment variables `env` (added to the current
    /// environment; an empty value removes the variable) and /dev/null on standard input.
    /// \throws std::runtime_error if it cannot be started.
    server_process(std::string const &program, std::vector<std::string> const &args,
                   std::map<std::string, std::string> const &env = {});
    ~server_process();
    server_process(server_process const &) = delete;
    server_process &operator=(server_process const &) = delete;

    /// Waits until the log holds `count` lines "listening on ADDR:PORT" (one per listener, in
    /// the order the server opened them) and reads their ports.
    /// \return false if the program exited or `timeout` passed first.
    [[nodiscard]] bool wait_listening(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{15});

    /// \return the ports read by wait_listening(), in the order of the log lines.
    [[nodiscard]] std::vector<std::uint16_t> const &ports() const noexcept { return m_ports; }

    /// \return everything the program has written so far.
    [[nodiscard]] std::string log() const;
    /// \return how often `text` occurs in the log.
    [[nodiscard]] std::size_t log_count(std::string_view text) const;
    /// Waits until `text` occurs at least `occurrences` times in the log.
    /// \return false if it did not within `timeout`.
    [[nodiscard]] bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout,
                                    std::size_t occurrences = 1) const;

    /// Sends signal `number`. \pre the program was not reaped yet.
    void signal(int number) const;

    /// Waits at most `timeout` for the program to exit.
    /// \return its exit status (128 + signal number if a signal ended it), or nullopt if it still runs.
    [[nodiscard]] std::optional<int> wait_exit(std::chrono::milliseconds timeout);

    /// \return true if the program has not exited (reaps it if it has).
    [[nodiscard]] bool running();

    [[nodiscard]] pid_t pid() const noexcept { return m_pid; }
    [[nodiscard]] std::filesystem::path const &log_file() const noexcept { return m_log_file; }

private:
    pid_t m_pid = -1;
    std::optional<int> m_exit_status;
    std::filesystem::path m_dir;
    std::filesystem::path m_log_file;
    std::vector<std::uint16_t> m_ports;
};

/// Starts `forumgate rehearsal-forum` (`forumgate` is the program) on a free loopback port, with
/// the admin API key in `key_file` and `more` arguments, and waits until it listens.
/// \throws std::runtime_error with its log if it does not come up (the test fails).
[[nodiscard]] std::unique_ptr<server_process> start_rehearsal_forum(std::string const &forumgate,
                                                                    std::filesystem::path const &key_file,
                                                                    std::vector<std::string> const &more = {});

/// Crashes `program args` at random points: starts it `rounds` times, one after the other, and
/// SIGKILLs each run still going after a random wait between `shortest` and `longest`.
/// \return how many runs were killed (the others had finished).
[[nodiscard]] int kill_at_random_points(std::string const &program, std::vector<std::string> const &args, int rounds,
                                        std::chrono::milliseconds shortest, std::chrono::milliseconds longest);

} // namespace forumgate::testing
