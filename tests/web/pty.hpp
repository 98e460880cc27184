#pragma once
// Runs code or a program on a pseudo-terminal of a given width, as an admin's terminal is, and
// reads back the screen it leaves: what each line shows after the carriage returns and erases,
// and whether anything ran past the right edge.

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::testing {

/// What a process wrote to its terminal, and how it exited.
struct pty_result
{
    int exit_code = -1; ///< the exit status, or 128 + signal number
    std::string output; ///< every byte written to the terminal (standard output and error)
};

/// Runs `child` in a forked process whose standard input, output and error are a pseudo-terminal
/// `columns` wide; its return value is the exit status. Kills it after `timeout_seconds`.
[[nodiscard]] pty_result run_in_pty(unsigned short columns, std::function<int()> const &child,
                                    int timeout_seconds = 60);

/// Runs `program args` (with extra environment variables `env`) on a pseudo-terminal `columns` wide.
[[nodiscard]] pty_result run_program_in_pty(unsigned short columns, std::string const &program,
                                            std::vector<std::string> const &args,
                                            std::map<std::string, std::string> const &env = {},
                                            int timeout_seconds = 120);

/// What a terminal shows after `output`.
struct screen
{
    std::vector<std::string> lines; ///< each line as shown (a wrapped one whole), trailing blanks removed
    std::size_t wraps = 0;          ///< lines that ran past the right edge (the terminal wrapped them)
};

/// Plays `output` on a terminal `columns` wide: characters (UTF-8, one column each) at the cursor,
/// "\r" to the start of the line, "\n" to a new line, ESC [ K erases to the end of the line,
/// other escape sequences (colours) are ignored. A line longer than `columns` is kept whole and
/// counted in `wraps` (a real terminal's "\r" would then go back to its last row only).
[[nodiscard]] screen play(std::string_view output, std::size_t columns);

} // namespace forumgate::testing
