// Tests of redirector/map_holder: the map being served and the reloader that replaces it, with
// maps built in memory and no database. A reload that fails keeps the old map; one that works
// swaps it whole and moves the generation on.

#include "redirector/map_holder.hpp"

#include "base/error.hpp"
#include "redirector/map_source.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

namespace {

using namespace forumgate;
using namespace std::chrono_literals;
using redirector::map_holder;
using redirector::reloader;

/// \return a map of one topic, 774 → 1774, at `version`.
std::shared_ptr<mappings::snapshot const> map_at(std::int64_t version)
{
    mappings::snapshot_builder builder{mappings::site_settings{"https://forum.brum.coop", {"old.example"}, {}}};
    builder.add(mappings::topic_row{774, "agm-minutes", 1774, "agm-minutes", false});
    builder.set_version(version);
    return builder.build();
}

/// Waits up to two seconds for `done`.
template <typename Condition>
bool eventually(Condition done)
{
    for (int attempt = 0; attempt < 200 && !done(); ++attempt) {
        std::this_thread::sleep_for(10ms);
    }
    return done();
}

/// Represents a reloader over a holder, whose loader hands out the maps (or failures) queued.
class reloader_test : public ::testing::Test
{
protected:
    /// Queues the next load: a map, or (null) a failure.
    void queue(std::shared_ptr<mappings::snapshot const> next)
    {
        std::lock_guard const lock{m_mutex};
        m_next.push_back(std::move(next));
    }

    std::shared_ptr<mappings::snapshot const> load()
    {
        std::lock_guard const lock{m_mutex};
        auto next = m_next.front();
        m_next.pop_front();
        if (!next) {
            throw input_error{"topics.csv line 2: a bad row"};
        }
        return next;
    }

    std::mutex m_mutex;
    std::deque<std::shared_ptr<mappings::snapshot const>> m_next;
    map_holder m_holder{map_at(1)};
    std::atomic<int> m_swapped{0};
    std::atomic<int> m_failed{0};
    reloader m_reloader{[this] { return load(); }, m_holder, [this](mappings::snapshot const &, bool) { ++m_swapped; },
                        [this] { ++m_failed; }, 0s};
};

TEST(map_holder, replace_swaps_the_map_and_moves_the_generation_on)
{
    map_holder holder{map_at(1)};
    auto const first = holder.current();
    auto const generation = holder.generation();
    holder.replace(map_at(2));
    EXPECT_EQ(holder.current()->version(), 2);
    EXPECT_EQ(holder.generation(), generation + 1);
    EXPECT_EQ(first->version(), 1) << "a request in flight keeps the map it started with";
}

TEST_F(reloader_test, a_successful_reload_swaps_the_map)
{
    auto const generation = m_holder.generation();
    queue(map_at(2));
    m_reloader.request("test");
    ASSERT_TRUE(eventually([&] { return m_reloader.successes() == 1; }));
    EXPECT_EQ(m_holder.current()->version(), 2);
    EXPECT_EQ(m_holder.generation(), generation + 1);
    EXPECT_TRUE(eventually([&] { return m_swapped == 1; }));
    EXPECT_EQ(m_failed, 0);
}

TEST_F(reloader_test, a_failed_reload_keeps_the_old_map)
{
    auto const before = m_holder.current();
    auto const generation = m_holder.generation();
    queue(nullptr);
    m_reloader.request("test");
    ASSERT_TRUE(eventually([&] { return m_reloader.failures() == 1; }));
    EXPECT_EQ(m_holder.current(), before);
    EXPECT_EQ(m_holder.generation(), generation);
    EXPECT_TRUE(eventually([&] { return m_failed == 1; }));
    EXPECT_EQ(m_swapped, 0);

    // The next good one is taken.
    queue(map_at(3));
    m_reloader.request("test");
    ASSERT_TRUE(eventually([&] { return m_reloader.successes() == 1; }));
    EXPECT_EQ(m_holder.current()->version(), 3);
    EXPECT_EQ(m_holder.generation(), generation + 1);
}

TEST_F(reloader_test, each_reload_moves_the_generation_on_once)
{
    auto const generation = m_holder.generation();
    for (std::int64_t version = 2; version <= 4; ++version) {
        queue(map_at(version));
        m_reloader.request("test");
        ASSERT_TRUE(eventually([&] { return m_holder.current()->version() == version; }));
    }
    EXPECT_EQ(m_reloader.successes(), 3U);
    EXPECT_EQ(m_holder.generation(), generation + 3);
}

TEST(map_source, a_reload_from_a_missing_snapshot_file_fails_and_keeps_the_map)
{
    redirector::serve_settings settings;
    settings.snapshot = "/nonexistent/forumgate-test/map.snapshot";
    map_holder holder{map_at(1)};
    reloader reloads{[&] { return redirector::reload_map(settings); }, holder, {}, {}, 0s};
    reloads.request("test");
    ASSERT_TRUE(eventually([&] { return reloads.failures() == 1; }));
    EXPECT_EQ(holder.current()->version(), 1);
}

} // namespace
