#include "scripts/bench/synthetic_map.hpp"

#include "pg/copy.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <chrono>
#include <cmath>
#include <iostream>

namespace forumgate::bench {

mappings::site_settings synthetic_settings()
{
    return {"https://forum.brum.coop", {"forum.cooperationbirmingham.org.uk"}, {"cdn.brum.coop"}};
}

std::string synthetic_slug(std::uint32_t id)
{
    static constexpr char const *WORDS[] = {"minutes",    "agm",        "proposal", "vote",    "budget",
                                            "housing",    "food",       "co-op",    "meeting", "open",
                                            "collective", "birmingham", "plan"};
    constexpr std::size_t count = std::size(WORDS);
    return fmt::format("{}-{}-{}", WORDS[id % count], WORDS[(id / count) % count], WORDS[(id / 7) % count]);
}

namespace {

/// Picks topics by popularity: each call draws one number from the generator.
class topic_picker
{
public:
    topic_picker(std::mt19937_64 &random, std::uint32_t topics, popularity spread)
        : m_random{random}, m_topics{topics}, m_spread{spread}
    {}

    /// \return the old id of a topic, a popular one more often.
    std::uint32_t operator()()
    {
        double const u = m_unit(m_random);
        // Zipf with s = 1: P(rank <= k) is about ln k / ln N, so rank = N^u. Ranks are spread
        // over the ids by a fixed permutation, so hot topics are not neighbours in memory.
        std::uint64_t const rank = m_spread == popularity::zipf
                                       ? static_cast<std::uint64_t>(std::pow(static_cast<double>(m_topics), u)) - 1
                                       : static_cast<std::uint64_t>(u * m_topics);
        std::uint64_t const index = (rank * 2'654'435'761ULL) % m_topics;
        return synthetic_topic_id(static_cast<std::uint32_t>(index));
    }

private:
    std::mt19937_64 &m_random;
    std::uniform_real_distribution<double> m_unit{0.0, 1.0};
    std::uint32_t m_topics;
    popularity m_spread;
};

} // namespace

std::vector<std::string> synthetic_targets(synthetic_map_options const &options, std::size_t count, popularity spread)
{
    std::mt19937_64 random{options.seed + 1};
    std::uniform_real_distribution<double> unit{0.0, 1.0};
    std::uniform_int_distribution<int> percent{0, 99};
    topic_picker popular_topic{random, options.topics, spread};
    std::vector<std::string> targets;
    targets.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t const id = popular_topic();
        int const kind = percent(random);
        if (kind < 35) {
            targets.push_back(fmt::format("/t/{}/{}", synthetic_slug(id), id));
        } else if (kind < 55) {
            targets.push_back(fmt::format("/t/{}/{}/{}", synthetic_slug(id), id, 1 + percent(random) % 10));
        } else if (kind < 63) {
            targets.push_back(fmt::format("/t/{}", id));
        } else if (kind < 67) {
            targets.push_back(fmt::format("/t/{}/{}?page=2", synthetic_slug(id), id));
        } else if (kind < 72) {
            targets.push_back(fmt::format("/t/{}/{}?utm_source=newsletter&u=someone", synthetic_slug(id), id));
        } else if (kind < 80) {
            auto const post_id = static_cast<std::uint64_t>(unit(random) * options.posts * 1.05) + 1;
            targets.push_back(fmt::format("/p/{}", post_id));
        } else if (kind < 85) {
            targets.push_back(fmt::format("/u/member{}", id % 5000));
        } else if (kind < 89) {
            targets.push_back(fmt::format("/c/general/{}", 1 + id % 30));
        } else if (kind < 94) {
            targets.push_back(kind % 2 == 0 ? "/latest" : "/categories");
        } else if (kind < 97) {
            targets.push_back(fmt::format("/t/{}/{}/last", synthetic_slug(id), id));
        } else {
            // Misses: ids past the end, unknown shapes.
            targets.push_back(kind % 2 == 0 ? fmt::format("/t/gone/{}", options.topics * 2 + id) : "/wp-login.php");
        }
    }
    return targets;
}

std::vector<std::string> synthetic_topic_targets(synthetic_map_options const &options, std::size_t count)
{
    std::mt19937_64 random{options.seed + 2};
    std::uniform_int_distribution<int> percent{0, 99};
    // Post numbers in links: mostly early in a thread, a few deep.
    std::geometric_distribution<std::uint32_t> post_number{0.15};
    std::uniform_int_distribution<std::uint32_t> user{1, 5000};
    topic_picker popular_topic{random, options.topics, popularity::zipf};
    static constexpr char const *SITE_PAGES[] = {"/latest", "/categories", "/top", "/about", "/faq"};
    std::vector<std::string> targets;
    targets.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t const id = popular_topic();
        auto const slug = synthetic_slug(id);
        int const kind = percent(random);
        if (kind < 46) {
            targets.push_back(fmt::format("/t/{}/{}", slug, id));
        } else if (kind < 68) {
            targets.push_back(fmt::format("/t/{}/{}/{}", slug, id, 1 + post_number(random)));
        } else if (kind < 76) {
            targets.push_back(fmt::format("/t/{}", id));
        } else if (kind < 79) {
            targets.push_back(fmt::format("/t/{}/{}", id, 1 + post_number(random)));
        } else if (kind < 85) {
            // Discourse's share button: the post's link with the sharer's name.
            targets.push_back(fmt::format("/t/{}/{}/{}?u=member{}", slug, id, 1 + post_number(random), user(random)));
        } else if (kind < 91) {
            targets.push_back(fmt::format("/t/{}/{}?u=member{}", slug, id, user(random)));
        } else if (kind < 93) {
            // A deleted topic: every fifth id is a gap in the synthetic map.
            std::uint32_t const gap = (id / 5 + 1) * 5;
            targets.push_back(fmt::format("/t/{}/{}", synthetic_slug(gap), gap));
        } else if (kind < 95) {
            // Past the last topic: a link to a topic made after the crawl.
            std::uint32_t const late = synthetic_topic_id(options.topics) + id % 100'000;
            targets.push_back(fmt::format("/t/{}/{}", synthetic_slug(late), late));
        } else {
            targets.push_back(SITE_PAGES[kind % std::size(SITE_PAGES)]);
        }
    }
    return targets;
}

// Writes the synthetic map straight into the store's tables with COPY.
void fill_store(store::database &store, synthetic_map_options const &options)
{
    auto &connection = store.connection();
    {
        pqxx::work t{connection};
        t.exec("TRUNCATE forumgate.topics, forumgate.posts, forumgate.users, forumgate.categories");
        t.commit();
    }
    // Two passes through the generator: one COPY per table (COPY allows one at a time).
    {
        pqxx::work t{connection};
        pg::copy_writer topics{t, "forumgate.topics"};
        generate_map(
            options,
            [&](mappings::topic_row const &row) {
                topics.number(row.old_id);
                topics.text(row.old_slug);
                topics.number(row.new_id);
                topics.text(row.new_slug);
                topics.flag(row.restricted);
                topics.end_row();
            },
            [](mappings::post_row const &) {});
        topics.complete();
        t.commit();
    }
    {
        pqxx::work t{connection};
        pg::copy_writer posts{t, "forumgate.posts"};
        generate_map(
            options, [](mappings::topic_row const &) {},
            [&](mappings::post_row const &row) {
                posts.number(row.old_id);
                posts.number(row.old_topic_id);
                posts.number(std::uint64_t{row.old_post_number});
                posts.number(row.new_id);
                posts.number(row.new_topic_id);
                posts.number(row.new_post_number);
                posts.flag(row.hidden);
                posts.end_row();
            });
        posts.complete();
        t.commit();
    }
    pqxx::work t{connection};
    t.exec("ANALYZE forumgate.topics");
    t.exec("ANALYZE forumgate.posts");
    t.commit();
}

void prepare_store(store::database &store, synthetic_map_options const &options)
{
    store.migrate();
    if (!store.settings()) {
        store.set_settings(synthetic_settings());
    }
    auto const stats = store.stats();
    if (stats.topics != options.topics || stats.posts != static_cast<std::int64_t>(options.posts)) {
        auto const start = std::chrono::steady_clock::now();
        fill_store(store, options);
        std::cerr << fmt::format("filled the store with {} topics and {} posts in {:.1f} s\n", options.topics,
                                 options.posts,
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
}

} // namespace forumgate::bench
