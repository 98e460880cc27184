#pragma once
// A synthetic forum map shaped like a real one, for benchmarks: sparse topic ids (deleted
// topics leave gaps), a long-tailed number of posts per topic, some posts not migrated,
// and a URL mix where a few topics get most of the traffic.

#include "mappings/snapshot.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace forumgate::bench {

struct synthetic_map_options
{
    std::uint32_t topics = 1'000'000;
    std::uint64_t posts = 10'000'000;
    std::uint32_t seed = 42;
};

/// Replaces the store's topics, posts, users and categories with a synthetic map (COPY).
void fill_store(store::database &store, synthetic_map_options const &options);

/// Migrates the store, gives it the synthetic settings if it has none, and fills it with the
/// synthetic map unless it already holds one of that size (saying how long filling took).
void prepare_store(store::database &store, synthetic_map_options const &options);

/// The settings every synthetic map uses.
[[nodiscard]] mappings::site_settings synthetic_settings();

/// Calls `topic(row)` for each topic and `post(row)` for each post of a deterministic map.
template <typename TopicSink, typename PostSink>
void generate_map(synthetic_map_options const &options, TopicSink &&topic, PostSink &&post);

/// \return a slug for topic `id`, like Discourse's (lower-case words joined by `-`).
[[nodiscard]] std::string synthetic_slug(std::uint32_t id);

/// How hits spread over topics.
enum class popularity
{
    zipf,    ///< Zipf (s = 1): a few hot threads get most hits, as in real access logs
    uniform, ///< every topic equally likely: the worst case for caches
};

/// \return `count` request targets in a realistic mix of shapes over a map made with `options`.
[[nodiscard]] std::vector<std::string> synthetic_targets(synthetic_map_options const &options, std::size_t count,
                                                         popularity spread = popularity::zipf);

/// \return `count` request targets of the shapes a plain web server can also redirect, for
/// comparing the redirector with nginx (scripts/bench/redirect-vs-nginx): topic links with and
/// without slug and post number, `?u=` share links, about 4% unknown topic ids and a few site
/// pages, with Zipf popularity over the topics of a map made with `options`.
[[nodiscard]] std::vector<std::string> synthetic_topic_targets(synthetic_map_options const &options, std::size_t count);

/// Old topic id of the i-th topic (ids are sparse: about one in five is a gap).
[[nodiscard]] inline std::uint32_t synthetic_topic_id(std::uint32_t index) noexcept
{
    return index + index / 4 + 1;
}

template <typename TopicSink, typename PostSink>
void generate_map(synthetic_map_options const &options, TopicSink &&topic, PostSink &&post)
{
    std::mt19937_64 random{options.seed};
    double const mean = static_cast<double>(options.posts) / options.topics;
    // Posts per topic: geometric (many short threads, a few long ones), mean as asked.
    std::geometric_distribution<std::uint32_t> length{1.0 / mean};
    std::uniform_int_distribution<int> percent{0, 99};
    std::uint64_t post_id = 1;
    std::uint64_t posts_left = options.posts;
    for (std::uint32_t i = 0; i < options.topics; ++i) {
        std::uint32_t const old_id = synthetic_topic_id(i);
        mappings::topic_row t;
        t.old_id = old_id;
        t.old_slug = synthetic_slug(old_id);
        t.new_id = 10'000 + i;
        t.new_slug = t.old_slug;
        t.restricted = percent(random) < 2;
        topic(t);
        std::uint64_t count =
            i + 1 == options.topics ? posts_left : std::min<std::uint64_t>(posts_left, 1 + length(random));
        posts_left -= count;
        std::uint32_t new_number = 0;
        for (std::uint32_t n = 1; n <= count; ++n) {
            mappings::post_row p;
            p.old_id = post_id;
            post_id += percent(random) < 10 ? 2 : 1; // deleted posts leave gaps in ids
            p.old_topic_id = old_id;
            p.old_post_number = n;
            bool const migrated = n == 1 || percent(random) >= 3;
            p.hidden = !migrated && percent(random) < 50;
            if (migrated) {
                p.new_id = 50'000'000 + p.old_id;
                p.new_topic_id = *t.new_id;
                p.new_post_number = ++new_number;
            }
            post(p);
        }
    }
}

} // namespace forumgate::bench
