// Prepares the redirector-versus-nginx benchmark (scripts/bench/redirect-vs-nginx): fills the
// store with the topics of the synthetic map (unless it already holds exactly them), writes the
// same topics as the body of an nginx `map` block, and writes the request targets to load both
// servers with, one a line.
//
// Only topics are loaded: nginx's map is keyed by topic id and cannot follow post numbers, and
// with no post rows forumgate carries a post number over unchanged, so both must give the same
// answer to every target.

#include "pg/copy.hpp"
#include "scripts/bench/synthetic_map.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace {

using namespace forumgate;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// \return the Location forumgate gives a topic link without post number (docs/urls.md, "Topics"):
/// a restricted topic keeps no slug. Synthetic slugs are lower-case words and `-`, which need
/// no escaping.
std::string topic_location(std::string_view new_base, mappings::topic_row const &row)
{
    if (row.restricted || row.new_slug.empty()) {
        return fmt::format("{}/t/{}", new_base, *row.new_id);
    }
    return fmt::format("{}/t/{}/{}", new_base, row.new_slug, *row.new_id);
}

/// Writes the topics of the synthetic map into the store with COPY and the nginx map body to
/// `nginx_map` (`OLD_ID LOCATION;` lines), both in one pass. Posts are generated (the topics'
/// restricted flags come from the same random sequence as in the other benchmarks) and dropped.
void fill(store::database &store, bench::synthetic_map_options const &options, std::string const &nginx_map,
          bool write_store)
{
    auto const new_base = bench::synthetic_settings().new_base;
    std::ofstream map_file{nginx_map};
    if (!map_file) {
        throw std::runtime_error{fmt::format("writing {}: cannot open it", nginx_map)};
    }
    auto &connection = store.connection();
    if (write_store) {
        pqxx::work t{connection};
        t.exec("TRUNCATE forumgate.topics, forumgate.posts, forumgate.users, forumgate.categories");
        t.commit();
    }
    pqxx::work t{connection};
    std::optional<pg::copy_writer> topics;
    if (write_store) {
        topics.emplace(t, "forumgate.topics");
    }
    std::string line;
    bench::generate_map(
        options,
        [&](mappings::topic_row const &row) {
            if (topics) {
                topics->number(row.old_id);
                topics->text(row.old_slug);
                topics->number(row.new_id);
                topics->text(row.new_slug);
                topics->flag(row.restricted);
                topics->end_row();
            }
            line = fmt::format("{} {};\n", row.old_id, topic_location(new_base, row));
            map_file << line;
        },
        [](mappings::post_row const &) {});
    if (topics) {
        topics->complete();
        t.exec("ANALYZE forumgate.topics");
    }
    t.commit();
    map_file.close();
    if (!map_file) {
        throw std::runtime_error{fmt::format("writing {}: write failed", nginx_map)};
    }
}

void write_targets(bench::synthetic_map_options const &options, std::size_t count, std::string const &file)
{
    std::ofstream out{file};
    for (auto const &target : bench::synthetic_topic_targets(options, count)) {
        out << target << '\n';
    }
    out.close();
    if (!out) {
        throw std::runtime_error{fmt::format("writing {}: write failed", file)};
    }
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"Prepares the redirector-versus-nginx benchmark: store, nginx map and request targets"};
    std::string db;
    std::string nginx_map;
    std::string targets_file;
    std::size_t target_count = 100'000;
    bench::synthetic_map_options options;
    app.add_option("--db", db, "PostgreSQL connection string")->envname("FORUMGATE_DB")->required();
    app.add_option("--topics", options.topics, "Topics in the synthetic map")->capture_default_str();
    app.add_option("--nginx-map", nginx_map, "File to write the nginx map body to (OLD_ID LOCATION; lines)")
        ->required();
    app.add_option("--targets", targets_file, "File to write the request targets to, one a line")->required();
    app.add_option("--count", target_count, "Request targets to write")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        auto const start = clock_type::now();
        store::database store{db};
        store.migrate();
        if (!store.settings()) {
            store.set_settings(bench::synthetic_settings());
        }
        auto const stats = store.stats();
        // Same topic count and no posts: the store already holds this map (a rerun against
        // FORUMGATE_DB); only the nginx map is written again.
        bool const write_store =
            stats.topics != options.topics || stats.posts != 0 || stats.users != 0 || stats.categories != 0;
        fill(store, options, nginx_map, write_store);
        write_targets(options, target_count, targets_file);
        std::cerr << fmt::format("redirect_workload: {} {} topics, wrote {} and {} targets to {} in {:.1f} s\n",
                                 write_store ? "loaded" : "kept", options.topics, nginx_map, target_count, targets_file,
                                 seconds_since(start));
    } catch (std::exception const &e) {
        std::cerr << "redirect_workload: " << e.what() << '\n';
        return 2;
    }
    return 0;
}
