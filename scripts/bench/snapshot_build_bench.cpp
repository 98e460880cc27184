// Times building the resolver's snapshot from PostgreSQL: fills the store with a synthetic map
// (1M topics and 10M posts by default) unless it already holds one of that size, then loads
// the snapshot several times and prints seconds, snapshot bytes, bytes per post and peak RSS.

#include "scripts/bench/synthetic_map.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>
#include <sys/resource.h>

#include <chrono>
#include <iostream>

namespace {

using namespace forumgate;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"Times the snapshot build of forumgate's resolver from PostgreSQL"};
    std::string db;
    bench::synthetic_map_options options;
    int runs = 3;
    app.add_option("--db", db, "PostgreSQL connection string")->envname("FORUMGATE_DB")->required();
    app.add_option("--topics", options.topics, "Topics in the synthetic map")->capture_default_str();
    app.add_option("--posts", options.posts, "Posts in the synthetic map")->capture_default_str();
    app.add_option("--runs", runs, "Snapshot builds to time")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        store::database store{db};
        bench::prepare_store(store, options);
        double best = 1e9;
        std::shared_ptr<mappings::snapshot const> map;
        for (int i = 0; i < runs; ++i) {
            map.reset();
            auto const start = clock_type::now();
            map = store.load_snapshot();
            double const elapsed = seconds_since(start);
            best = std::min(best, elapsed);
            std::cerr << fmt::format("run {}: {:.2f} s\n", i + 1, elapsed);
        }
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        auto const posts = map->size().posts;
        std::cout << fmt::format("topics {} posts {}\n", map->size().topics, posts)
                  << fmt::format("snapshot_build_seconds_best {:.2f}\n", best)
                  << fmt::format("snapshot_bytes {}\n", map->memory_bytes())
                  << fmt::format("snapshot_bytes_per_post {:.1f}\n",
                                 static_cast<double>(map->memory_bytes()) / static_cast<double>(posts))
                  << fmt::format("peak_rss_bytes {}\n", usage.ru_maxrss * 1024L);
    } catch (std::exception const &e) {
        std::cerr << "snapshot_build_bench: " << e.what() << '\n';
        return 2;
    }
    return 0;
}
