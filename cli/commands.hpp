#pragma once
// The subcommands of the forumgate executable. Each add_*_command() declares its options on
// the CLI11 app and, when chosen, sets `run` to the function that does the work.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class Option;
} // namespace CLI

namespace forumgate::cli {

/// Exit codes with meanings, as documented in docs/forumgate.md.
inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_PROBLEMS = 1; ///< ran, but found problems (unresolved URLs, failed items)
inline constexpr int EXIT_FATAL = 2;    ///< could not do the job (bad input, no database…)

using command = std::function<int()>;

/// The options of forumgate itself, given before or after the subcommand.
struct globals
{
    std::string log_level = "info";
    std::string config_file;              ///< --config FILE or FORUMGATE_CONFIG; "" for none
    std::vector<std::string> config_keys; ///< every key some subcommand knows (set after parsing)
};

// help.cpp: how help reads, and the help and version subcommands.

/// Gives `app` forumgate's help formatter; call before adding subcommands (they inherit it).
void set_up_help(CLI::App &app);
/// Sets the footer of `sub`: `exit_status` (what its exit codes mean), then its manual page.
void set_footer(CLI::App &sub, std::string const &exit_status);
/// `forumgate help [COMMAND…]`: the --help of forumgate or of COMMAND.
void add_help_command(CLI::App &app, command &run);
/// `forumgate version` and `--version`.
void add_version_command(CLI::App &app, command &run);

// help.cpp: the parts of a help text, for the manual pages and completions to say the same.

/// \return false for a flag (`--full`, `--soft, --no-soft`), true for an option or argument with a value.
[[nodiscard]] bool takes_value(CLI::Option const &option);
/// \return the names of `option` as typed: "-h, --help", "--soft, --no-soft".
[[nodiscard]] std::string option_names(CLI::Option const &option);
/// \return what the value of `option` is: "INT", "FILE", "{a,b}", "FLOAT in [0 - 1]"; "" for a flag.
[[nodiscard]] std::string value_type(CLI::Option const &option);
/// \return true if `option` takes several values (repeatable).
[[nodiscard]] bool repeatable(CLI::Option const &option);
/// \return the description of `option`, with its default where it has one: "… (default: 8)".
[[nodiscard]] std::string option_description(CLI::Option const &option);
/// \return false for the options --help leaves out (those of the build: `help --man DIR` …).
[[nodiscard]] bool shown_in_help(CLI::Option const &option);
/// \return the usage line of `sub` without "Usage: ": "forumgate map load [OPTIONS] DIR".
[[nodiscard]] std::string usage_line(CLI::App const &sub);
/// \return the name of the manual page of `sub`: "forumgate", "forumgate-map-load".
[[nodiscard]] std::string manual_page(CLI::App const &sub);
/// \return what the exit codes of `sub` mean, as its footer says ("0 ok, 2 fatal."); "" for none.
[[nodiscard]] std::string exit_status_of(CLI::App const &sub);

// manual.cpp: the manual pages.

/// Writes `forumgate.1` and `forumgate-COMMAND.1` (`forumgate-map-load.1`) for every command of
/// `app` to `dir` (created if missing), in roff, from the same options as --help.
/// \throws input_error if a file cannot be written.
void write_manual_pages(CLI::App const &app, std::string const &dir);

// completion.cpp: the shell completions.

enum class shell : std::uint8_t
{
    bash, ///< a file for /usr/share/bash-completion/completions/forumgate
    zsh,  ///< `_forumgate`, for a folder of zsh's $fpath
};

/// Writes the completion of every command and option of `app` for `kind` to `file`.
/// \throws input_error if the file cannot be written.
void write_completion(CLI::App const &app, shell kind, std::string const &file);

// command_line.cpp: which subcommand a command line names.

/// \return "map load" for the `load` subcommand of `map`.
[[nodiscard]] std::string command_path(CLI::App const &sub);
/// \return the deepest subcommand the parsed command line chose (`app` itself if none).
[[nodiscard]] CLI::App &chosen_command(CLI::App &app);
/// \return the subcommand `words` name (`{"map", "load"}`; `app` for none).
/// \throws argument_error naming the first unknown word and the nearest subcommand.
[[nodiscard]] CLI::App *find_command(CLI::App &app, std::vector<std::string> const &words);
/// \return for a command line (without the program name) that CLI11 refused with the message
/// `refusal`, what is wrong in words a user acts on: an unknown subcommand or option and the
/// nearest one, or a missing subcommand; nullopt for other errors (a missing value: CLI11's own
/// message says those well).
[[nodiscard]] std::optional<std::string> explain_parse_error(CLI::App const &app, std::vector<std::string> const &args,
                                                             std::string_view refusal);

// config.cpp: the config file of a whole move.

/// \return every config key: the long option names of every subcommand, sorted.
[[nodiscard]] std::vector<std::string> config_keys(CLI::App const &app);
/// Checks every line of `file` and sets the options of `chosen` (the parsed subcommand) that
/// neither the command line nor the environment gave from its lines; with `check_only`, only
/// checks (for serve, which reads the file itself, again on each reload).
/// \throws argument_error "FILE:LINE: …" for an unknown key or section, or a bad value.
void apply_config_file(std::string const &file, CLI::App &app, CLI::App &chosen, bool check_only);

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
void announce_interruptions(std::string const &subcommand);

void add_db_command(CLI::App &app, command &run);
void add_map_command(CLI::App &app, command &run);
void add_resolve_command(CLI::App &app, command &run);
/// Also adds `map snapshot`: call after add_map_command(). Without a `--config` of its own,
/// serve reads (and on SIGHUP re-reads) the global config file.
void add_serve_command(CLI::App &app, command &run, globals const &global);
void add_rehearsal_command(CLI::App &app, command &run);
void add_fetch_command(CLI::App &app, command &run);
void add_import_command(CLI::App &app, command &run);
void add_coverage_command(CLI::App &app, command &run);
/// `forumgate verify` (in command_import.cpp).
void add_verify_command(CLI::App &app, command &run);

} // namespace forumgate::cli
