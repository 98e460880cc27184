#pragma once
// What the store's tests share: the sample map, a migrated store on a test database, and
// helpers for load results and messages.

#include "base/digest.hpp"
#include "base/error.hpp"
#include "mappings/resolver.hpp"
#include "store/store.hpp"
#include "tests/support/error_message.hpp"
#include "tests/support/test_db.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

namespace forumgate::store {
// For readable failures of EXPECT_EQ on stats.
inline void PrintTo(map_stats const &s, std::ostream *out)
{
    *out << "{version " << s.version << ", topics " << s.topics << " (" << s.topics_not_migrated << " not migrated, "
         << s.topics_restricted << " restricted), posts " << s.posts << " (" << s.posts_not_migrated
         << " not migrated), categories " << s.categories << ", users " << s.users << ", tags " << s.tags
         << ", uploads " << s.uploads << ", rules " << s.rules << ", misses " << s.misses << "}";
}
} // namespace forumgate::store

namespace forumgate::store::store_tests {

namespace fs = std::filesystem;
using forumgate::argument_error;
using forumgate::database_error;
using forumgate::input_error;
using forumgate::mappings::site_settings;
using forumgate::mappings::snapshot;
using forumgate::store::database;
using forumgate::store::load_result;
using forumgate::store::map_stats;
using forumgate::testing::change_store;
using forumgate::testing::message_of;
using forumgate::testing::read_file;
using forumgate::testing::temp_dir;
using forumgate::testing::test_database;

/// tests/fixtures/map: every kind of map file, with quoted fields, CRLF line ends (topics.csv),
/// columns out of order (posts.csv, tags.csv), a restricted topic and a post not migrated.
inline fs::path sample_dir()
{
    return fs::path{FORUMGATE_FIXTURES} / "map";
}

/// The sample map, copied into `dir` so a test may change it.
inline void copy_sample(temp_dir const &dir)
{
    fs::copy(sample_dir(), dir.path(), fs::copy_options::overwrite_existing);
}

inline site_settings brum_settings()
{
    return {"https://forum.brum.coop", {"forum.cooperationbirmingham.org.uk"}, {}};
}

inline load_result::file const *find_file(load_result const &result, std::string_view name)
{
    for (auto const &file : result.files) {
        if (file.name == name) {
            return &file;
        }
    }
    return nullptr;
}

inline std::int64_t total(load_result const &result, std::int64_t load_result::file::*count)
{
    std::int64_t sum = 0;
    for (auto const &file : result.files) {
        sum += file.*count;
    }
    return sum;
}

class store_test : public ::testing::Test
{
protected:
    /// A store on the test database, migrated.
    database &migrated()
    {
        if (!m_store) {
            m_store = std::make_unique<database>(m_db.conninfo());
            (void)m_store->migrate();
        }
        return *m_store;
    }

    /// Loads the sample map (settings from its settings.csv).
    load_result load_sample() { return migrated().load_csv(sample_dir(), std::nullopt); }

    /// Loads the sample map and writes its snapshot file, map.snapshot in `dir`. \return its path.
    fs::path write_sample_snapshot(temp_dir const &dir)
    {
        (void)load_sample();
        fs::path file = dir.path() / "map.snapshot";
        migrated().write_snapshot_file(file);
        return file;
    }

    test_database m_db;
    std::unique_ptr<database> m_store;
};

} // namespace forumgate::store::store_tests
