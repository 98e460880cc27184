// forumgate: moves a Discourse forum to a new one and keeps every old link working.

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "web/progress.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>

namespace {

using namespace forumgate;

// Results go to stdout; talk (logs, progress, errors) goes to stderr.
void set_up_logging(std::string const &level)
{
    auto logger = forumgate::web::make_stderr_logger("forumgate"); // log lines go above the progress line
    logger->set_pattern("%Y-%m-%d %H:%M:%S %^%l%$ %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

/// The options of forumgate itself and every subcommand, in the order of a move.
void declare(CLI::App &app, cli::globals &global, cli::command &run)
{
    cli::set_up_help(app);
    app.require_subcommand(1);
    app.fallthrough(); // the global options may follow the subcommand too
    cli::set_footer(app, "Exit status: 0 ok, 1 ran but found problems, 2 fatal error. `forumgate help COMMAND` "
                         "prints the help of a command.");
    app.add_option("--log-level", global.log_level, "Log detail")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();
    app.add_option("--config", global.config_file,
                   "Config file of `name = value` lines for any subcommand: keys are the long options without "
                   "`--`, a [COMMAND] line starts lines for that command only; the command line wins")
        ->envname("FORUMGATE_CONFIG")
        ->type_name("FILE");

    cli::add_fetch_command(app, run);
    cli::add_import_command(app, run);
    cli::add_verify_command(app, run);
    cli::add_map_command(app, run);
    cli::add_serve_command(app, run, global);
    cli::add_resolve_command(app, run);
    cli::add_coverage_command(app, run);
    cli::add_rehearsal_command(app, run);
    cli::add_db_command(app, run);
    cli::add_help_command(app, run);
    cli::add_version_command(app, run);
}

/// Parses the command line. \return an exit code if the program is done (help, version, a
/// usage error), else nullopt.
std::optional<int> parse(CLI::App &app, int argc, char **argv)
{
    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const &e) {
        if (e.get_exit_code() == 0) {
            app.exit(e); // --help, --version
            return cli::EXIT_OK;
        }
        if (auto const why = cli::explain_parse_error(app, std::vector<std::string>(argv + 1, argv + argc), e.what())) {
            std::cerr << "forumgate: " << *why << "\n";
        } else {
            app.exit(e);
        }
        return cli::EXIT_FATAL;
    }
    return std::nullopt;
}

/// Reports an error that stopped the command, with what to do next.
void report(std::exception_ptr const &error, CLI::App &app)
{
    try {
        std::rethrow_exception(error);
    } catch (argument_error const &e) {
        spdlog::error("{}", e.what());
        spdlog::error("see: forumgate help {}", cli::command_path(cli::chosen_command(app)));
    } catch (database_error const &e) {
        spdlog::error("{}", e.what());
        std::string_view const what = e.what();
        if (what.find("database \"") != std::string_view::npos &&
            what.find("\" does not exist") != std::string_view::npos) {
            spdlog::error("hint: create it first, e.g. `createdb forumgate` (as a PostgreSQL role that may create "
                          "databases; `sudo -u postgres createdb -O $USER forumgate` on a fresh server)");
        } else {
            spdlog::error("hint: check --db or FORUMGATE_DB, and that the PostgreSQL server is running");
        }
    } catch (std::exception const &e) {
        spdlog::error("{}", e.what()); // input_error and the rest: the message says where
    }
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"forumgate: moves a Discourse forum to a new one and keeps every old link working.", "forumgate"};
    cli::globals global;
    cli::command run;
    declare(app, global, run);
    if (auto const done = parse(app, argc, argv)) {
        return *done;
    }
    set_up_logging(global.log_level);
    try {
        auto &chosen = cli::chosen_command(app);
        global.config_keys = cli::config_keys(app);
        if (!global.config_file.empty() && chosen.get_name() != "help" && chosen.get_name() != "version") {
            // serve has a --config of its own and reads the file itself, on each reload too.
            bool const reads_itself = chosen.get_option_no_throw("--config") != nullptr;
            try {
                cli::apply_config_file(global.config_file, app, chosen, reads_itself);
            } catch (argument_error const &e) {
                throw input_error{e.what()}; // FILE:LINE: the file is to fix, not the command line
            }
            spdlog::set_level(spdlog::level::from_str(global.log_level));
        }
        return run();
    } catch (...) {
        report(std::current_exception(), app);
    }
    return cli::EXIT_FATAL;
}
