// Ctrl-C (SIGINT) or SIGTERM during a resumable command: say that nothing done is lost and how
// to go on, then exit at once (128 + the signal, as a shell reports it). Everything a resumable
// command does is committed as it goes, so stopping anywhere is safe (the kill tests show it).

#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <string>

namespace forumgate::cli {
namespace {

std::array<char, 256> message{};
std::size_t message_length = 0;

extern "C" void say_interrupted(int signal)
{
    // Only async-signal-safe calls here: write(2) and _exit(2).
    (void)!::write(STDERR_FILENO, message.data(), message_length);
    ::_exit(128 + signal);
}

} // namespace

void announce_interruptions(std::string const &subcommand)
{
    // On a terminal, clear the progress line first; "^C" was echoed after it.
    std::string const text = std::string{::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "\n"} + "forumgate " + subcommand +
                             ": interrupted; run the same command to continue (what was done is kept)\n";
    message_length = std::min(text.size(), message.size());
    std::copy_n(text.begin(), message_length, message.begin());
    struct sigaction action
    {};
    action.sa_handler = say_interrupted;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

} // namespace forumgate::cli
