#pragma once
// The subcommands of the forumgate executable. Each add_*_command() declares its options on
// the CLI11 app and, when chosen, sets `run` to the function that does the work.

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace forumgate::cli {

/// Exit codes with meanings, as documented in docs/forumgate.md.
inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_PROBLEMS = 1; ///< ran, but found problems (unresolved URLs, failed items)
inline constexpr int EXIT_FATAL = 2;    ///< could not do the job (bad input, no database…)

using command = std::function<int()>;

/// Adds `--db` (libpq connection string or URI; default from FORUMGATE_DB) to `app`.
void add_db_option(CLI::App &app, std::string &db);

/// \throws argument_error if no database was given either way.
void require_db(std::string const &db);

/// \return the API key in the first line of `path` (trimmed), or, when `path` is empty, in the
/// environment variable `environment`; "" when neither is given.
/// \throws input_error naming the option and file (never the key) if it is unreadable or empty.
[[nodiscard]] std::string read_secret(std::string const &option, std::string const &path, char const *environment);

/// From now on, SIGINT and SIGTERM end the process at once with "forumgate COMMAND: interrupted;
/// run the same command to continue" (exit 128 + signal). For commands that resume.
void announce_interruptions(std::string const &command);

void add_db_command(CLI::App &app, command &run);
void add_map_command(CLI::App &app, command &run);
void add_resolve_command(CLI::App &app, command &run);
/// Also adds `map snapshot`: call after add_map_command().
void add_serve_command(CLI::App &app, command &run);
void add_rehearsal_command(CLI::App &app, command &run);
void add_fetch_command(CLI::App &app, command &run);
void add_import_command(CLI::App &app, command &run);
void add_coverage_command(CLI::App &app, command &run);
/// `forumgate verify` (in command_import.cpp).
void add_verify_command(CLI::App &app, command &run);

} // namespace forumgate::cli
