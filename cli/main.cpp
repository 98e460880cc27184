// forumgate: moves a Discourse forum to a new one and keeps every old link working.

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "web/progress.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <exception>

namespace {

// Results go to stdout; talk (logs, progress, errors) goes to stderr.
void set_up_logging(std::string const &level)
{
    auto logger = forumgate::web::make_stderr_logger("forumgate"); // log lines go above the progress line
    logger->set_pattern("%Y-%m-%d %H:%M:%S %^%l%$ %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

} // namespace

int main(int argc, char **argv)
{
    using namespace forumgate;
    CLI::App app{"forumgate: moves a Discourse forum to a new one and keeps every old link working.", "forumgate"};
    app.set_version_flag("--version", std::string{"forumgate "} + FORUMGATE_VERSION);
    app.require_subcommand(1);
    app.footer("Exit status: 0 ok, 1 ran but found problems, 2 fatal error. See docs/forumgate.md.");
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "Log detail: trace, debug, info, warn, error, off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();

    cli::command run;
    cli::add_db_command(app, run);
    cli::add_map_command(app, run);
    cli::add_resolve_command(app, run);
    cli::add_serve_command(app, run);
    cli::add_rehearsal_command(app, run);
    cli::add_fetch_command(app, run);
    cli::add_import_command(app, run);
    cli::add_coverage_command(app, run);
    cli::add_verify_command(app, run);

    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const &e) {
        int const code = app.exit(e);
        return code == 0 ? cli::EXIT_OK : cli::EXIT_FATAL;
    }
    set_up_logging(log_level);

    try {
        return run();
    } catch (argument_error const &e) {
        spdlog::error("{}", e.what());
        spdlog::error("see: forumgate {} --help",
                      app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name());
    } catch (input_error const &e) {
        spdlog::error("{}", e.what());
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
        spdlog::error("{}", e.what());
    }
    return cli::EXIT_FATAL;
}
