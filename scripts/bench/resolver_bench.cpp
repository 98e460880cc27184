// Resolutions per second on one core, on a synthetic map of 1M topics and 10M posts (override
// with FORUMGATE_BENCH_TOPICS / FORUMGATE_BENCH_POSTS) and a realistic URL mix.

#include "mappings/resolver.hpp"
#include "scripts/bench/synthetic_map.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <memory>

namespace {

using namespace forumgate;

bench::synthetic_map_options options_from_environment()
{
    bench::synthetic_map_options options;
    if (char const *topics = std::getenv("FORUMGATE_BENCH_TOPICS")) {
        options.topics = static_cast<std::uint32_t>(std::strtoul(topics, nullptr, 10));
    }
    if (char const *posts = std::getenv("FORUMGATE_BENCH_POSTS")) {
        options.posts = std::strtoull(posts, nullptr, 10);
    }
    return options;
}

struct fixture
{
    bench::synthetic_map_options options = options_from_environment();
    std::shared_ptr<mappings::snapshot const> map;
    std::vector<std::string> targets;
    std::vector<std::string> uniform_targets;

    fixture()
    {
        mappings::snapshot_builder builder{bench::synthetic_settings()};
        builder.reserve_posts(options.posts);
        bench::generate_map(
            options, [&](mappings::topic_row const &t) { builder.add(t); },
            [&](mappings::post_row const &p) { builder.add(p); });
        for (int i = 0; i < 5000; i += 7) {
            builder.add(mappings::user_row{fmt::format("member{}", i), fmt::format("member-{}", i)});
        }
        for (std::uint64_t c = 1; c <= 30; ++c) {
            builder.add(mappings::category_row{c, fmt::format("general/c{}", c), 100 + c, fmt::format("general/c{}", c),
                                               false});
        }
        map = builder.build();
        targets = bench::synthetic_targets(options, 1 << 16);
        uniform_targets = bench::synthetic_targets(options, 1 << 16, bench::popularity::uniform);
    }
};

fixture &shared_fixture()
{
    static fixture f;
    return f;
}

void run(benchmark::State &state, std::vector<std::string> const &targets)
{
    auto const &f = shared_fixture();
    mappings::parsed_url scratch;
    std::size_t i = 0;
    std::size_t redirects = 0;
    for (auto _ : state) {
        auto const d = mappings::resolve({"forum.cooperationbirmingham.org.uk", targets[i]}, *f.map, scratch);
        redirects += d.status == 301 ? 1 : 0;
        benchmark::DoNotOptimize(d.location.data());
        i = (i + 1) & (targets.size() - 1);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["redirect_share"] = static_cast<double>(redirects) / static_cast<double>(state.iterations());
    state.counters["snapshot_bytes_per_post"] =
        static_cast<double>(f.map->memory_bytes()) / static_cast<double>(f.map->size().posts);
}

// The realistic mix: Zipf popularity over topics.
void resolve_mix(benchmark::State &state)
{
    run(state, shared_fixture().targets);
}

// The same shapes with every topic equally likely: most lookups miss the CPU caches.
void resolve_mix_uniform(benchmark::State &state)
{
    run(state, shared_fixture().uniform_targets);
}

// Runs of 1,024 requests through resolve_each, which reads each one's map entries ahead: as the
// coverage report resolves its URLs.
void run_read_ahead(benchmark::State &state, std::vector<std::string> const &targets)
{
    auto const &f = shared_fixture();
    constexpr std::size_t RUN = 1024;
    std::size_t first = 0;
    std::size_t redirects = 0;
    for (auto _ : state) {
        mappings::resolve_each(
            RUN, *f.map,
            [&](std::size_t i) {
                return mappings::request{"forum.cooperationbirmingham.org.uk",
                                         targets[(first + i) & (targets.size() - 1)]};
            },
            [&](std::size_t, mappings::decision const &d) {
                redirects += d.status == 301 ? 1 : 0;
                benchmark::DoNotOptimize(d.location.data());
            },
            mappings::read_ahead::always);
        first = (first + RUN) & (targets.size() - 1);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(RUN));
    state.counters["redirect_share"] = static_cast<double>(redirects) / static_cast<double>(state.iterations() * RUN);
}

void resolve_mix_read_ahead(benchmark::State &state)
{
    run_read_ahead(state, shared_fixture().targets);
}

void resolve_mix_uniform_read_ahead(benchmark::State &state)
{
    run_read_ahead(state, shared_fixture().uniform_targets);
}

// 4096 targets of the mix that `keep` accepts (repeated if fewer).
template <typename Keep>
std::vector<std::string> matching(Keep keep)
{
    std::vector<std::string> out;
    for (auto const &t : shared_fixture().targets) {
        if (keep(t) && out.size() < 4096) {
            out.push_back(t);
        }
    }
    while (out.size() < 4096) {
        out.push_back(out.front());
    }
    return out;
}

std::vector<std::string> only(std::string_view prefix_of_shape)
{
    return matching([prefix_of_shape](std::string const &t) { return t.starts_with(prefix_of_shape); });
}

// The mix's links of one shape, by the path prefix that marks it (the targets are picked once
// per prefix, before the timing).
void resolve_links_under(benchmark::State &state, std::string_view prefix)
{
    static std::map<std::string_view, std::vector<std::string>> targets_by_prefix;
    auto found = targets_by_prefix.find(prefix);
    if (found == targets_by_prefix.end()) {
        found = targets_by_prefix.emplace(prefix, only(prefix)).first;
    }
    run(state, found->second);
}

void resolve_page_links(benchmark::State &state)
{
    static auto const targets = matching([](std::string const &t) { return t.find("?page=") != std::string::npos; });
    run(state, targets);
}

} // namespace

BENCHMARK(resolve_mix);
BENCHMARK(resolve_mix_uniform);
BENCHMARK(resolve_mix_read_ahead);
BENCHMARK(resolve_mix_uniform_read_ahead);
[[maybe_unused]] benchmark::internal::Benchmark *const ONE_SHAPE_BENCHMARKS[] = {
    benchmark::RegisterBenchmark("resolve_topic_links", resolve_links_under, "/t/"),
    benchmark::RegisterBenchmark("resolve_post_links", resolve_links_under, "/p/"),
    benchmark::RegisterBenchmark("resolve_page_links", resolve_page_links),
    benchmark::RegisterBenchmark("resolve_user_links", resolve_links_under, "/u/"),
    benchmark::RegisterBenchmark("resolve_category_links", resolve_links_under, "/c/"),
};

BENCHMARK_MAIN();
