// forumgate db migrate: creates or upgrades the store's schema.

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <memory>

namespace forumgate::cli {

void add_db_option(CLI::App &app, std::string &db)
{
    app.add_option("--db", db, "PostgreSQL connection string or URI of the store")->envname("FORUMGATE_DB");
}

void require_db(std::string const &db)
{
    if (db.empty()) {
        throw argument_error{"no database given: use --db or set FORUMGATE_DB"};
    }
}

void add_db_command(CLI::App &app, command &run)
{
    auto *db_command = app.add_subcommand("db", "Manage the store's database schema");
    db_command->require_subcommand(1);
    set_footer(*db_command, "");
    auto *migrate = db_command->add_subcommand(
        "migrate", "Create or upgrade the forumgate schema (every command does this on first use)");
    auto db = std::make_shared<std::string>();
    add_db_option(*migrate, *db);
    set_footer(*migrate,
               "Exit status: 0 the schema is up to date, 2 fatal (the store unreachable or newer than this build).");
    migrate->callback([&run, db] {
        run = [db] {
            require_db(*db);
            store::database store{*db};
            auto const applied = store.migrate();
            if (applied.empty()) {
                spdlog::info("schema is up to date at version {}", store.schema_version());
            }
            for (int const version : applied) {
                spdlog::info("applied migration {}", version);
            }
            return EXIT_OK;
        };
    });
}

} // namespace forumgate::cli
