#pragma once
// Runs a program the way a user would, for tests: arguments, environment, standard input,
// and what it printed and how it exited.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forumgate::testing {

/// What a finished process printed and returned.
struct process_result
{
    int exit_code = -1; ///< the exit status, or 128 + signal number
    std::string out;
    std::string err;
};

/// In a forked child: sets the extra environment variables `env` (an empty value removes the
/// variable) and replaces the process with `program args`; exits 127 if it cannot.
[[noreturn]] void exec_program(std::string const &program, std::vector<std::string> const &args,
                               std::map<std::string, std::string> const &env);

/// \return the milliseconds left until `deadline`; once it has passed, kills `pid` (SIGKILL)
/// and returns nullopt.
[[nodiscard]] std::optional<int> time_left_or_kill(pid_t pid, std::chrono::steady_clock::time_point deadline);

/// Reaps `pid`. \return its exit status, or 128 + the signal that ended it (SIGKILL if `killed`).
[[nodiscard]] int reap(pid_t pid, bool killed);

/// Runs `program` with `args`, extra environment variables `env` (added to the current
/// environment; an empty value removes the variable) and `input` on standard input. Waits at
/// most `timeout_seconds`, then kills it (exit_code 128 + 9).
[[nodiscard]] process_result run_process(std::string const &program, std::vector<std::string> const &args,
                                         std::map<std::string, std::string> const &env = {},
                                         std::string const &input = {}, int timeout_seconds = 60);

} // namespace forumgate::testing
