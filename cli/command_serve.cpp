// forumgate serve: the redirect server; forumgate map snapshot: the file it can start from.

#include "cli/commands.hpp"
#include "redirector/map_source.hpp"
#include "redirector/server.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace forumgate::cli {

void add_serve_command(CLI::App &app, command &run, globals const &global)
{
    struct serve_options
    {
        redirector::serve_settings settings;
        std::string config_file;
    };
    auto options = std::make_shared<serve_options>();
    auto *serve = app.add_subcommand(
        "serve", "Answer old forum URLs with redirects to the new forum; SIGHUP reloads, SIGTERM drains");
    redirector::add_serve_options(*serve, options->settings, options->config_file);
    set_footer(*serve, "Exit status: 0 stopped by SIGTERM or SIGINT after draining, 2 fatal (bad settings, no map).");
    serve->callback([&run, &global, options, serve] {
        // Settings given on the command line win over the config file, at start and on reload.
        std::vector<std::string> given;
        for (auto const &entry : redirector::serve_setting_table()) {
            auto const *option = serve->get_option(std::string{"--"} + std::string{entry.name});
            if (option->count() > 0 || (entry.name == "db" && !options->settings.db.empty())) {
                given.emplace_back(entry.name);
            }
        }
        run = [options, given, &global] {
            // Its own --config, else the one of the whole move (--config before serve, FORUMGATE_CONFIG).
            redirector::config_source const config{
                options->config_file.empty() ? global.config_file : options->config_file, global.config_keys};
            if (!config.file.empty()) {
                redirector::read_config_file(config, options->settings, given);
            }
            return redirector::serve(options->settings, config, given);
        };
    });

    auto snapshot_db = std::make_shared<std::string>();
    auto snapshot_file = std::make_shared<std::string>();
    auto *snapshot = app.get_subcommand("map")->add_subcommand(
        "snapshot", "Write the map to FILE, for `serve --snapshot FILE` to start from when the store is unreachable");
    add_db_option(*snapshot, *snapshot_db);
    snapshot->add_option("FILE", *snapshot_file, "File to write (replaced atomically)")->type_name("FILE")->required();
    set_footer(*snapshot, "Exit status: 0 written, 2 fatal.");
    snapshot->callback([&run, snapshot_db, snapshot_file] {
        run = [snapshot_db, snapshot_file] {
            require_db(*snapshot_db);
            redirector::write_snapshot_file(*snapshot_db, *snapshot_file);
            return EXIT_OK;
        };
    });
}

} // namespace forumgate::cli
