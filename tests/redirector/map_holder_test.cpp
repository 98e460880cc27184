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
        if (m_next.empty()) {
            throw input_error{"the test queued no map"};
        }
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
    reloader m_reloader{[this] { return load(); }, m_holder,
                        [this](mappings::snapshot const &, redirector::swap_kind) { ++m_swapped; },
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

/// Represents a reloader with an updater and a comparer whose answers are queued: a reload tries
/// the comparison first and reads the whole map only when it cannot layer what differs.
class comparing_reloader_test : public reloader_test
{
protected:
    redirector::applied_update take(std::deque<redirector::applied_update> &answers, std::atomic<int> &calls)
    {
        std::lock_guard const lock{m_mutex};
        ++calls;
        if (answers.empty()) {
            throw input_error{"the test queued no answer"};
        }
        auto next = answers.front();
        answers.pop_front();
        return next;
    }

    std::deque<redirector::applied_update> m_updates;
    std::deque<redirector::applied_update> m_comparisons;
    std::atomic<int> m_update_calls{0};
    std::atomic<int> m_compare_calls{0};
    std::vector<redirector::swap_kind> m_kinds;
    reloader m_comparing{[this] { return load(); },
                         m_holder,
                         [this](mappings::snapshot const &, redirector::swap_kind kind) {
                             std::lock_guard const lock{m_mutex};
                             m_kinds.push_back(kind);
                         },
                         [this] { ++m_failed; },
                         0s,
                         [this](auto const &) { return take(m_updates, m_update_calls); },
                         [this](auto const &) { return take(m_comparisons, m_compare_calls); }};
};

TEST_F(comparing_reloader_test, a_reload_layers_what_differs_without_reading_the_whole_map)
{
    m_comparisons.push_back({map_at(2), "", 3, false, "the store"});
    m_comparing.request("SIGHUP");
    ASSERT_TRUE(eventually([&] { return m_comparing.successes() == 1; }));
    EXPECT_EQ(m_holder.current()->version(), 2);
    EXPECT_EQ(m_compare_calls, 1);
    EXPECT_EQ(m_failed, 0); // the loader was not asked (it has no map queued)
    std::lock_guard const lock{m_mutex};
    EXPECT_EQ(m_kinds, std::vector<redirector::swap_kind>{redirector::swap_kind::compared});
}

TEST_F(comparing_reloader_test, a_reload_the_comparison_cannot_layer_reads_the_whole_map)
{
    m_comparisons.push_back({nullptr, "3000000 rows changed since the map was last read whole", 0, false, "the store"});
    queue(map_at(3));
    m_comparing.request("SIGHUP");
    ASSERT_TRUE(eventually([&] { return m_comparing.successes() == 1; }));
    EXPECT_EQ(m_holder.current()->version(), 3);
    std::lock_guard const lock{m_mutex};
    EXPECT_TRUE(m_next.empty());
    EXPECT_EQ(m_kinds, std::vector<redirector::swap_kind>{redirector::swap_kind::whole_map});
}

TEST_F(comparing_reloader_test, changes_too_many_for_a_layer_read_the_whole_map_without_comparing)
{
    // Too many rows for a layer: the comparison would find the same keys, so it is skipped.
    m_updates.push_back({nullptr, "2000000 rows changed since the map was last read whole", 0, false, ""});
    queue(map_at(4));
    m_comparing.request_changes("store changed");
    ASSERT_TRUE(eventually([&] { return m_holder.current()->version() == 4; }));
    EXPECT_EQ(m_compare_calls, 0);

    // The change log cannot name the keys (a table changed whole): the comparison can.
    m_updates.push_back({nullptr, "forumgate.tags changed as a whole", 0, true, ""});
    m_comparisons.push_back({map_at(5), "", 2, false, "the store"});
    m_comparing.request_changes("store changed");
    ASSERT_TRUE(eventually([&] { return m_holder.current()->version() == 5; }));
    EXPECT_EQ(m_compare_calls, 1);
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

TEST_F(comparing_reloader_test, changes_announced_in_a_burst_are_applied_at_once_then_at_most_once_a_second)
{
    // An import commits many times a second, and each commit is announced. Applied at every
    // announcement (ten times a second), following a 3,000-topic import cost each redirector
    // 50-90 layers, 100,000-200,000 rows read again and about twice the p99 of its requests on
    // two shared cores (cluster_test). The first change after a quiet time is applied at once;
    // those announced after it wait for the next second and are applied together.
    for (std::int64_t version = 2; version < 12; ++version) {
        m_updates.push_back({map_at(version), "", 1, false, "the store"});
    }
    m_comparing.request_changes("store changed, version 2");
    ASSERT_TRUE(eventually([&] { return m_holder.current()->version() == 2; }));
    auto const first = std::chrono::steady_clock::now();
    for (auto until = first + 1500ms; std::chrono::steady_clock::now() < until;) {
        m_comparing.request_changes("store changed");
        std::this_thread::sleep_for(20ms);
    }
    // 1.5 s of announcements every 20 ms: one more layer (at 1 s), or two on a slow machine
    // that started the window late; never one per announcement.
    EXPECT_LE(m_update_calls, 3);
    EXPECT_GE(m_update_calls, 2);
    // The announcements after the last layer are not lost: they are applied within a second.
    int const calls = m_update_calls;
    ASSERT_TRUE(eventually([&] { return m_update_calls > calls; }));
    ASSERT_TRUE(eventually([&] { return m_holder.current()->version() == 1 + m_update_calls; }));
}

} // namespace
