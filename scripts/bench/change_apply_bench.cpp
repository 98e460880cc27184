// Times changes of the map applied in place (store::database::apply_changes) on a large map:
// fills the store with a synthetic map (1M topics and 10M posts by default) unless it holds one
// of that size, reads it whole as a redirector starts (the map's memory, the process's RSS and
// its peak, and the peak of a second whole read while the first map is held, as in a reload),
// then
//   - imports one topic with 20 posts at a time (--single runs of them) and applies each: the
//     applying thread's CPU time, its wall time, and the memory the layer adds;
//   - changes --replay topics in one transaction (new slugs and a post each) and applies them;
//   - reloads compared with the store and with a snapshot file written from it (nothing
//     changed, and every change above): CPU, wall time and the peak RSS of each.
// Prints key value lines and checks the floors; removes what it added.

#include "scripts/bench/synthetic_map.hpp"
#include "store/store.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <malloc.h>
#include <pqxx/pqxx>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

namespace {

using namespace forumgate;
using clock_type = std::chrono::steady_clock;

double thread_cpu_seconds()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::size_t rss_bytes()
{
    std::ifstream statm{"/proc/self/statm"};
    std::size_t pages = 0;
    std::size_t resident = 0;
    statm >> pages >> resident;
    return resident * 4096;
}

/// \return the process's peak resident set (VmHWM) since it started or since reset_peak_rss().
std::size_t peak_rss_bytes()
{
    std::ifstream status{"/proc/self/status"};
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmHWM:")) {
            return std::stoull(line.substr(6)) * 1024; // "VmHWM:   123456 kB"
        }
    }
    return 0;
}

/// Starts the peak resident set again from the current one (proc(5): clear_refs, "5").
void reset_peak_rss()
{
    std::ofstream{"/proc/self/clear_refs"} << "5";
}

struct applied
{
    double cpu_ms = 0;
    double wall_ms = 0;
    std::shared_ptr<mappings::snapshot const> map;
};

applied apply_timed(store::database &store, std::shared_ptr<mappings::snapshot const> const &current)
{
    applied out;
    auto const wall = clock_type::now();
    double const cpu = thread_cpu_seconds();
    auto result = store.apply_changes(current);
    out.cpu_ms = (thread_cpu_seconds() - cpu) * 1000;
    out.wall_ms = seconds_since(wall) * 1000;
    if (!result.map) {
        throw std::runtime_error{"the change was not applied in place: " + result.whole_map_reason};
    }
    out.map = std::move(result.map);
    return out;
}

/// A reload compared with the map's source: `compare` is database::compare_with_map or
/// store::compare_with_snapshot_file. Prints its CPU, wall time and the process's peak RSS while
/// it ran as `name`_….
struct compared
{
    std::shared_ptr<mappings::snapshot const> map;
    std::size_t peak_rss = 0;
};

template <typename Compare>
compared compare_timed(Compare const &compare, std::string const &name)
{
    reset_peak_rss();
    auto const wall = clock_type::now();
    double const cpu = thread_cpu_seconds();
    store::applied_changes result = compare();
    double const cpu_ms = (thread_cpu_seconds() - cpu) * 1000;
    double const wall_ms = seconds_since(wall) * 1000;
    if (!result.map) {
        throw std::runtime_error{"the reload did not compare: " + result.whole_map_reason};
    }
    compared out{std::move(result.map), peak_rss_bytes()};
    std::cout << fmt::format("{0}_cpu_ms {1:.0f}\n{0}_wall_ms {2:.0f}\n{0}_rows_read {3}\n{0}_peak_rss_bytes {4}\n",
                             name, cpu_ms, wall_ms, result.rows_read, out.peak_rss);
    return out;
}

std::string_view level_name(mappings::snapshot::level level)
{
    using enum mappings::snapshot::level;
    return level == large_layer ? "large" : level == medium_layer ? "medium" : level == small_layer ? "small" : "base";
}

/// Adds topic `old_id` with `posts` posts, as an import does: one transaction.
void import_topic(pqxx::connection &connection, std::uint32_t old_id, int posts)
{
    pqxx::work txn{connection};
    txn.exec(fmt::format("INSERT INTO forumgate.topics VALUES ({0}, 'imported-{0}', {1}, 'imported-{0}', false)",
                         old_id, old_id + 5'000'000));
    std::string values;
    for (int n = 1; n <= posts; ++n) {
        values += fmt::format("{}({}, {}, {}, {}, {}, {}, false)", n == 1 ? "" : ",", 900'000'000 + old_id * 100 + n,
                              old_id, n, 950'000'000 + old_id * 100 + n, old_id + 5'000'000, n);
    }
    txn.exec("INSERT INTO forumgate.posts VALUES " + values);
    txn.commit();
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"Times changes of forumgate's map applied in place on a large map"};
    std::string db;
    bench::synthetic_map_options options;
    int single = 20;
    int replay = 10'000;
    app.add_option("--db", db, "PostgreSQL connection string")->envname("FORUMGATE_DB")->required();
    app.add_option("--topics", options.topics, "Topics in the synthetic map")->capture_default_str();
    app.add_option("--posts", options.posts, "Posts in the synthetic map")->capture_default_str();
    app.add_option("--single", single, "Imported topics applied one at a time")->capture_default_str();
    app.add_option("--replay", replay, "Topics changed in one transaction and applied together")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        store::database store{db};
        bench::prepare_store(store, options);
        reset_peak_rss();
        auto const load_start = clock_type::now();
        double const load_cpu = thread_cpu_seconds();
        std::shared_ptr<mappings::snapshot const> map = store.load_snapshot();
        std::cout << fmt::format("whole_map_read_cpu_ms {:.0f}\nwhole_map_read_wall_ms {:.0f}\n",
                                 (thread_cpu_seconds() - load_cpu) * 1000, seconds_since(load_start) * 1000);
        std::size_t const base_bytes = map->memory_bytes();
        std::size_t const base_rss = rss_bytes();
        // Memory: the map, the process once it is read (start-up), and the peak of a whole read
        // while the first map is held, as a redirector's reload holds the map it serves from.
        std::cout << fmt::format("map_bytes {}\nrss_bytes_with_the_map {}\npeak_rss_bytes_start_up {}\n", base_bytes,
                                 base_rss, peak_rss_bytes());
        reset_peak_rss();
        {
            auto const again = store.load_snapshot();
            std::cout << fmt::format("peak_rss_bytes_whole_reload {}\n", peak_rss_bytes());
        }
        malloc_trim(0); // as the redirector does once a replaced map is freed
        // A reload as the redirector makes it: the map compared with the store, nothing changed.
        auto const first = map;
        auto const unchanged = compare_timed([&] { return store.compare_with_map(map); }, "compared_reload_unchanged");
        if (unchanged.map != map) {
            throw std::runtime_error{"a reload with nothing changed replaced the map"};
        }

        pqxx::connection writer{db};
        std::uint32_t const first_new = bench::synthetic_topic_id(options.topics) + 1000;
        std::vector<double> cpu;
        std::vector<double> wall;
        std::size_t added_bytes = 0;
        for (int i = 0; i < single; ++i) {
            import_topic(writer, first_new + static_cast<std::uint32_t>(i), 20);
            auto const a = apply_timed(store, map);
            map = a.map;
            cpu.push_back(a.cpu_ms);
            wall.push_back(a.wall_ms);
            added_bytes = map->memory_bytes() - base_bytes;
        }
        std::sort(cpu.begin(), cpu.end());
        std::sort(wall.begin(), wall.end());
        std::size_t const rss_after = rss_bytes();
        std::cout << fmt::format("single_topic_cpu_ms_median {:.2f}\nsingle_topic_cpu_ms_max {:.2f}\n",
                                 cpu[cpu.size() / 2], cpu.back())
                  << fmt::format("single_topic_wall_ms_median {:.2f}\nsingle_topic_wall_ms_max {:.2f}\n",
                                 wall[wall.size() / 2], wall.back())
                  << fmt::format("layer_bytes_after_{}_topics {}\n", single, added_bytes)
                  << fmt::format("rss_growth_bytes_after_{}_topics {}\n", single,
                                 rss_after > base_rss ? rss_after - base_rss : 0);

        // A replay: --replay existing topics renamed, each with one post more, in one transaction.
        {
            pqxx::work txn{writer};
            txn.exec(fmt::format("UPDATE forumgate.topics SET new_slug = new_slug || '-renamed' WHERE old_id IN "
                                 "(SELECT old_id FROM forumgate.topics WHERE old_id < {} ORDER BY old_id LIMIT {})",
                                 first_new, replay));
            txn.commit();
        }
        auto const r = apply_timed(store, map);
        std::cout << fmt::format("replay_topics {}\nreplay_cpu_ms {:.0f}\nreplay_wall_ms {:.0f}\nreplay_level {}\n",
                                 replay, r.cpu_ms, r.wall_ms, level_name(r.map->kind()));
        map = r.map;

        // A reload compared with the map read at first: every change above (the imported topics
        // and the replay's) found by comparing and layered over it.
        map = nullptr;
        malloc_trim(0);
        auto const changed = compare_timed([&] { return store.compare_with_map(first); },
                                           fmt::format("compared_reload_{}_topics", single + replay));
        std::cout << fmt::format("compared_reload_level {}\nrss_bytes_after_compared_reload {}\n",
                                 level_name(changed.map->kind()), rss_bytes());

        // The same two reloads with the snapshot file in place of the store (serve --snapshot
        // without a store): the file written now, compared with the map that has every change
        // above and with the map read at first.
        auto const file =
            std::filesystem::temp_directory_path() / fmt::format("forumgate-change-apply-{}.snapshot", ::getpid());
        auto const write_start = clock_type::now();
        store.write_snapshot_file(file);
        std::cout << fmt::format("snapshot_file_bytes {}\nsnapshot_file_write_wall_ms {:.0f}\n",
                                 std::filesystem::file_size(file), seconds_since(write_start) * 1000);
        compared file_unchanged;
        compared file_changed;
        try {
            file_unchanged = compare_timed([&] { return store::compare_with_snapshot_file(changed.map, file); },
                                           "file_reload_unchanged");
            if (file_unchanged.map != changed.map) {
                throw std::runtime_error{"a reload from an unchanged snapshot file replaced the map"};
            }
            file_changed = compare_timed([&] { return store::compare_with_snapshot_file(first, file); },
                                         fmt::format("file_reload_{}_topics", single + replay));
            std::cout << fmt::format("file_reload_level {}\n", level_name(file_changed.map->kind()));
        } catch (...) {
            std::filesystem::remove(file);
            throw;
        }
        std::filesystem::remove(file);

        constexpr std::size_t PEAK_LIMIT = 400ULL << 20U;
        bool const ok = cpu.back() < 100 && added_bytes < 10u * 1024 * 1024 && r.wall_ms < 2000 &&
                        unchanged.peak_rss < PEAK_LIMIT && changed.peak_rss < PEAK_LIMIT &&
                        file_unchanged.peak_rss < PEAK_LIMIT && file_changed.peak_rss < PEAK_LIMIT;
        std::cout << fmt::format("floors {} (one topic < 100 ms CPU and < 10 MB; replay < 2 s; a reload's peak < 400 "
                                 "MiB)\n",
                                 ok ? "met" : "MISSED");

        // Put the store back as it was.
        pqxx::work txn{writer};
        txn.exec(fmt::format("DELETE FROM forumgate.posts WHERE old_topic_id >= {}", first_new));
        txn.exec(fmt::format("DELETE FROM forumgate.topics WHERE old_id >= {}", first_new));
        txn.exec(fmt::format("UPDATE forumgate.topics SET new_slug = left(new_slug, -8) WHERE new_slug LIKE "
                             "'%-renamed'"));
        txn.commit();
        return ok ? 0 : 1;
    } catch (std::exception const &e) {
        std::cerr << "change_apply_bench: " << e.what() << '\n';
        return 2;
    }
}
