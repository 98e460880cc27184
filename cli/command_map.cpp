// forumgate map load|export|stats: the ID map as CSV files (or nginx configuration), and its size.

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "mappings/nginx_export.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace forumgate::cli {
namespace {

struct load_options
{
    std::string db;
    std::string dir;
    std::string new_base;
    std::vector<std::string> old_hosts;
    std::vector<std::string> upload_hosts;
};

// Settings given on the command line, completed from the stored ones.
std::optional<mappings::site_settings> settings_from(load_options const &options, store::database &store)
{
    if (options.new_base.empty() && options.old_hosts.empty() && options.upload_hosts.empty()) {
        return std::nullopt; // keep what is stored (or what settings.csv says)
    }
    mappings::site_settings settings = store.settings().value_or(mappings::site_settings{});
    mappings::override_with(settings, {options.new_base, options.old_hosts, options.upload_hosts});
    if (settings.new_base.empty()) {
        throw argument_error{"--new-base is needed: the store has no new base URL yet"};
    }
    if (settings.old_hosts.empty()) {
        throw argument_error{"--old-host is needed: the store has no old host names yet"};
    }
    return settings;
}

int run_load(load_options const &options)
{
    require_db(options.db);
    if (!std::filesystem::is_directory(options.dir)) {
        throw argument_error{fmt::format("{} is not a directory", options.dir)};
    }
    store::database store{options.db};
    store.migrate();
    auto const result = store.load_csv(options.dir, settings_from(options, store));
    for (auto const &file : result.files) {
        spdlog::info("{}: {} rows, {} inserted, {} updated", file.name, file.rows, file.inserted, file.updated);
    }
    if (result.files.empty()) {
        spdlog::warn("no map files (topics.csv, posts.csv, …) in {}", options.dir);
    }
    if (result.version_after == result.version_before) {
        spdlog::info("nothing changed; map version is still {}", result.version_after);
    } else {
        spdlog::info("map version {} -> {}", result.version_before, result.version_after);
    }
    return EXIT_OK;
}

struct export_options
{
    std::string db;
    std::string dir;
    std::string format = "csv";
    std::string fallback;
};

// Writes `write(stream)` to DIR/name through a temporary file, so that an nginx reloading
// meanwhile reads the old file or the new one, never half of one.
template <typename Write>
void write_file_atomically(std::filesystem::path const &dir, std::string const &name, Write &&write)
{
    auto const path = dir / name;
    auto const temporary = dir / (name + ".tmp");
    {
        std::ofstream out{temporary, std::ios::binary | std::ios::trunc};
        if (!out) {
            throw input_error{fmt::format("{}: cannot write: {}", temporary.string(), std::strerror(errno))};
        }
        write(out);
        out.flush();
        if (!out) {
            throw input_error{fmt::format("{}: write failed: {}", temporary.string(), std::strerror(errno))};
        }
    }
    std::filesystem::rename(temporary, path);
}

int run_export_nginx(export_options const &options, store::database &store)
{
    auto const map = store.load_snapshot();
    mappings::nginx_export_options settings;
    settings.fallback = options.fallback;
    std::ostringstream locations;
    mappings::nginx_export_counts counts;
    write_file_atomically(options.dir, mappings::NGINX_MAP_FILE, [&](std::ostream &out) {
        counts = mappings::write_nginx_export(*map, settings, out, locations);
    });
    write_file_atomically(options.dir, mappings::NGINX_LOCATIONS_FILE,
                          [&](std::ostream &out) { out << locations.str(); });
    spdlog::info("map version {} written to {}/{} and {}: {} entries ({} topics, {} post numbers, {} /p/ links, "
                 "{} categories, {} uploads; {} of them 410)",
                 map->version(), options.dir, mappings::NGINX_MAP_FILE, mappings::NGINX_LOCATIONS_FILE, counts.total(),
                 counts.topics, counts.post_numbers, counts.post_links, counts.categories, counts.uploads, counts.gone);
    spdlog::info("nginx answers only the shapes it can follow exactly (see the head of {}); the rest goes to {}",
                 mappings::NGINX_LOCATIONS_FILE, options.fallback.empty() ? "404" : options.fallback);
    return EXIT_OK;
}

int run_export(export_options const &options)
{
    require_db(options.db);
    mappings::check_nginx_fallback(options.fallback);
    if (!options.fallback.empty() && options.format != "nginx") {
        throw argument_error{"--fallback goes with --format nginx"};
    }
    std::filesystem::create_directories(options.dir);
    store::database store{options.db};
    store.migrate();
    if (options.format == "nginx") {
        return run_export_nginx(options, store);
    }
    store.export_csv(options.dir);
    spdlog::info("map version {} written to {}", store.map_version(), options.dir);
    return EXIT_OK;
}

int run_stats(std::string const &db, bool as_json)
{
    require_db(db);
    store::database store{db};
    store.migrate();
    auto const s = store.stats();
    if (as_json) {
        nlohmann::json const out = {
            {"version", s.version},
            {"topics", s.topics},
            {"topics_not_migrated", s.topics_not_migrated},
            {"topics_restricted", s.topics_restricted},
            {"posts", s.posts},
            {"posts_not_migrated", s.posts_not_migrated},
            {"categories", s.categories},
            {"users", s.users},
            {"tags", s.tags},
            {"uploads", s.uploads},
            {"rules", s.rules},
            {"misses", s.misses},
        };
        std::cout << out.dump(2) << '\n';
        return EXIT_OK;
    }
    std::cout << fmt::format("map version  {}\n", s.version)
              << fmt::format("topics       {} ({} not migrated, {} restricted)\n", s.topics, s.topics_not_migrated,
                             s.topics_restricted)
              << fmt::format("posts        {} ({} not migrated)\n", s.posts, s.posts_not_migrated)
              << fmt::format("categories   {}\n", s.categories) << fmt::format("users        {}\n", s.users)
              << fmt::format("tags         {}\n", s.tags) << fmt::format("uploads      {}\n", s.uploads)
              << fmt::format("rules        {}\n", s.rules)
              << fmt::format("misses       {} (distinct old URLs answered 404 or 410, from the miss log)\n", s.misses);
    return EXIT_OK;
}

} // namespace

void add_map_command(CLI::App &app, command &run)
{
    auto *map = app.add_subcommand("map", "Load, export and count the ID map");
    map->require_subcommand(1);
    set_footer(*map, "");

    auto load = std::make_shared<load_options>();
    auto *load_command = map->add_subcommand("load", "Load an ID map from CSV files in DIR (their format: "
                                                     "forumgate-map-load(1)); one transaction, a bad row changes "
                                                     "nothing");
    set_footer(*load_command, "Exit status: 0 loaded, 2 fatal (a bad row is named as FILE:LINE and changes nothing).");
    add_db_option(*load_command, load->db);
    load_command->add_option("--new-base", load->new_base, "URL of the new forum, e.g. https://forum.brum.coop");
    load_command->add_option("--old-host", load->old_hosts,
                             "Host name of the old forum (repeatable; the first is the main one)");
    load_command->add_option("--upload-host", load->upload_hosts,
                             "Further host an upload may be redirected to, e.g. a CDN (repeatable)");
    load_command
        ->add_option(
            "DIR", load->dir,
            "Folder holding topics.csv, posts.csv, users.csv, categories.csv, tags.csv, uploads.csv, rules.csv")
        ->type_name("DIR")
        ->required();
    load_command->callback([&run, load] { run = [load] { return run_load(*load); }; });

    auto exporting = std::make_shared<export_options>();
    auto *export_command = map->add_subcommand(
        "export", "Write the whole ID map to DIR: as the CSV files map load reads, or as nginx configuration");
    add_db_option(*export_command, exporting->db);
    set_footer(*export_command, "Exit status: 0 written, 2 fatal.");
    export_command
        ->add_option("--format", exporting->format,
                     "csv: the files map load reads; nginx: forumgate-map.conf (http block) and "
                     "forumgate-locations.conf (the old host's server block)")
        ->check(CLI::IsMember({"csv", "nginx"}))
        ->default_str("csv");
    export_command
        ->add_option("--fallback", exporting->fallback,
                     "With --format nginx: where nginx sends what it cannot answer from the map, "
                     "http://ADDRESS:PORT of a forumgate serve (default: 404)")
        ->type_name("URL");
    export_command->add_option("DIR", exporting->dir, "Folder to write (created if missing)")
        ->type_name("DIR")
        ->required();
    export_command->callback([&run, exporting] { run = [exporting] { return run_export(*exporting); }; });

    auto stats_db = std::make_shared<std::string>();
    auto stats_json = std::make_shared<bool>(false);
    auto *stats_command = map->add_subcommand("stats", "Print how many topics, posts, users… the map holds");
    add_db_option(*stats_command, *stats_db);
    set_footer(*stats_command, "Exit status: 0 ok, 2 fatal.");
    stats_command->add_flag("--json", *stats_json, "Print JSON instead of text");
    stats_command->callback(
        [&run, stats_db, stats_json] { run = [stats_db, stats_json] { return run_stats(*stats_db, *stats_json); }; });
}

} // namespace forumgate::cli
