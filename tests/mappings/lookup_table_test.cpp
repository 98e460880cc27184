// Tests of mappings/lookup_table: id_table (dense and sparse) and string_table.

#include "mappings/lookup_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

using namespace forumgate::mappings;

namespace {

using entries = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// A string_table holding the given (key, value) rows, built.
string_table built_table(std::initializer_list<std::pair<std::string_view, std::uint32_t>> rows)
{
    string_table table;
    for (auto const &[key, value] : rows) {
        table.add(key, value);
    }
    table.build();
    return table;
}

} // namespace

TEST(id_table, empty)
{
    id_table table;
    EXPECT_EQ(table.find(0), std::nullopt);
    EXPECT_EQ(table.find(1), std::nullopt);
    EXPECT_EQ(table.build({}), std::nullopt);
    EXPECT_EQ(table.find(0), std::nullopt);
    EXPECT_EQ(table.find(UINT32_MAX), std::nullopt);
    EXPECT_EQ(table.find(UINT64_MAX), std::nullopt);
}

TEST(id_table, dense)
{
    entries rows;
    for (std::uint32_t id = 1; id <= 5000; ++id) {
        if (id % 7 != 0) { // a few gaps, as deleted topics leave
            rows.emplace_back(id, id * 2);
        }
    }
    id_table table;
    ASSERT_EQ(table.build(rows), std::nullopt);
    for (std::uint32_t id = 1; id <= 5000; ++id) {
        if (id % 7 != 0) {
            EXPECT_EQ(table.find(id), id * 2);
        } else {
            EXPECT_EQ(table.find(id), std::nullopt);
        }
    }
    EXPECT_EQ(table.find(0), std::nullopt);
    EXPECT_EQ(table.find(5001), std::nullopt);
    EXPECT_EQ(table.find(UINT32_MAX), std::nullopt);
    EXPECT_EQ(table.find(std::uint64_t{UINT32_MAX} + 1 + 1), std::nullopt); // would wrap to 1
    // About 4 bytes per slot.
    EXPECT_GE(table.memory_bytes(), 5001U * 4U);
    EXPECT_LE(table.memory_bytes(), 5001U * 4U * 2U);
}

TEST(id_table, dense_value_zero)
{
    id_table table;
    ASSERT_EQ(table.build({{3, 0}, {4, 1}}), std::nullopt);
    EXPECT_EQ(table.find(3), 0U);
    EXPECT_EQ(table.find(4), 1U);
    EXPECT_EQ(table.find(2), std::nullopt);
}

TEST(id_table, sparse)
{
    std::mt19937 random{42};
    std::unordered_map<std::uint32_t, std::uint32_t> expected;
    entries rows;
    while (rows.size() < 20000) {
        std::uint32_t const key = random();
        if (key == 0 || expected.count(key) != 0) {
            continue;
        }
        auto const value = static_cast<std::uint32_t>(rows.size());
        expected.emplace(key, value);
        rows.emplace_back(key, value);
    }
    rows.emplace_back(UINT32_MAX, 7);
    expected.emplace(UINT32_MAX, 7);
    id_table table;
    ASSERT_EQ(table.build(rows), std::nullopt);
    for (auto const &[key, value] : expected) {
        ASSERT_EQ(table.find(key), value) << key;
    }
    int misses = 0;
    for (int i = 0; i < 20000; ++i) {
        std::uint32_t const key = random();
        if (expected.count(key) == 0) {
            EXPECT_EQ(table.find(key), std::nullopt);
            ++misses;
        }
    }
    EXPECT_GT(misses, 0);
    EXPECT_EQ(table.find(0), std::nullopt);
    EXPECT_EQ(table.find(std::uint64_t{UINT32_MAX} + 8), std::nullopt);
    // Open addressing at load factor 1/4 to 1/2: 16 to 32 bytes per key.
    EXPECT_GE(table.memory_bytes(), 20001U * 16U);
    EXPECT_LE(table.memory_bytes(), 20001U * 32U);
}

TEST(id_table, sparse_small_and_key_zero)
{
    id_table table;
    ASSERT_EQ(table.build({{0, 5}, {4000000000U, 6}}), std::nullopt);
    EXPECT_EQ(table.find(0), 5U);
    EXPECT_EQ(table.find(4000000000U), 6U);
    EXPECT_EQ(table.find(1), std::nullopt);
}

TEST(id_table, sparse_keys_sharing_low_bits)
{
    // Keys that differ only in high bits must not collapse onto one probe chain forever.
    entries rows;
    for (std::uint32_t i = 0; i < 4096; ++i) {
        rows.emplace_back(i << 20U, i);
    }
    id_table table;
    ASSERT_EQ(table.build(rows), std::nullopt);
    for (std::uint32_t i = 0; i < 4096; ++i) {
        ASSERT_EQ(table.find(i << 20U), i);
    }
    EXPECT_EQ(table.find(5U << 19U), std::nullopt);
}

TEST(id_table, duplicates_detected)
{
    id_table dense;
    EXPECT_EQ(dense.build({{1, 1}, {2, 2}, {1, 3}}), 1U);
    id_table sparse;
    EXPECT_EQ(sparse.build({{10, 1}, {3000000000U, 2}, {3000000000U, 3}}), 3000000000U);
    id_table zero;
    EXPECT_EQ(zero.build({{0, 1}, {4000000000U, 2}, {0, 3}}), 0U);
}

TEST(id_table, rebuild_replaces)
{
    id_table table;
    ASSERT_EQ(table.build({{1, 10}, {2, 20}}), std::nullopt);
    ASSERT_EQ(table.build({{5, 50}, {3000000000U, 60}}), std::nullopt); // now sparse
    EXPECT_EQ(table.find(1), std::nullopt);
    EXPECT_EQ(table.find(5), 50U);
    EXPECT_EQ(table.find(3000000000U), 60U);
    ASSERT_EQ(table.build({{2, 20}}), std::nullopt); // dense again
    EXPECT_EQ(table.find(2), 20U);
    EXPECT_EQ(table.find(5), std::nullopt);
}

TEST(string_table, empty)
{
    string_table table;
    EXPECT_EQ(table.find("x"), std::nullopt); // before build
    table.build();
    EXPECT_EQ(table.size(), 0U);
    EXPECT_EQ(table.find(""), std::nullopt);
    EXPECT_EQ(table.find("x"), std::nullopt);
}

TEST(string_table, finds_keys)
{
    string_table const table =
        built_table({{"general", 1}, {"working-groups/housing", 2}, {"", 3}, {"\xE6\x97\xA5\xE6\x9C\xAC", 4}});
    EXPECT_EQ(table.size(), 4U);
    EXPECT_EQ(table.find("general"), 1U);
    EXPECT_EQ(table.find("working-groups/housing"), 2U);
    EXPECT_EQ(table.find(""), 3U);
    EXPECT_EQ(table.find("\xE6\x97\xA5\xE6\x9C\xAC"), 4U);
    EXPECT_EQ(table.find("General"), std::nullopt); // exact match; callers lower-case
    EXPECT_EQ(table.find("genera"), std::nullopt);
    EXPECT_EQ(table.find("generall"), std::nullopt);
    EXPECT_EQ(table.key(1), "working-groups/housing");
}

TEST(string_table, duplicate_keys_keep_the_first)
{
    string_table const table = built_table({{"housing", 10}, {"energy", 11}, {"housing", 12}, {"housing", 13}});
    EXPECT_EQ(table.size(), 4U);
    EXPECT_EQ(table.find("housing"), 10U);
    EXPECT_EQ(table.find("energy"), 11U);
}

TEST(string_table, many_keys)
{
    string_table table;
    constexpr std::uint32_t COUNT = 100000;
    for (std::uint32_t i = 0; i < COUNT; ++i) {
        table.add("user-" + std::to_string(i), i);
    }
    table.build();
    EXPECT_EQ(table.size(), COUNT);
    for (std::uint32_t i = 0; i < COUNT; ++i) {
        ASSERT_EQ(table.find("user-" + std::to_string(i)), i);
    }
    for (std::uint32_t i = COUNT; i < COUNT + 1000; ++i) {
        ASSERT_EQ(table.find("user-" + std::to_string(i)), std::nullopt);
    }
    EXPECT_GT(table.memory_bytes(), COUNT * 8U);
    EXPECT_LT(table.memory_bytes(), COUNT * 64U);
}

// keyed_index: values found by a key each value yields; the keys are the caller's.
TEST(keyed_index, finds_values_by_the_keys_they_yield)
{
    std::vector<std::string> const keys{"agm-minutes", "welcome", "budget-2024", "agm-minutes", ""};
    auto const key_of = [&keys](std::uint32_t value) { return std::string_view{keys.at(value)}; };
    keyed_index index;
    EXPECT_FALSE(index.find("welcome", key_of)) << "an index never built finds nothing";
    index.build({0, 1, 2, 3}, key_of);
    EXPECT_EQ(index.find("welcome", key_of), 1U);
    EXPECT_EQ(index.find("budget-2024", key_of), 2U);
    EXPECT_EQ(index.find("agm-minutes", key_of), 0U) << "of two values with one key, the first built";
    EXPECT_FALSE(index.find("agm", key_of));
    EXPECT_FALSE(index.find("", key_of));
    std::vector<std::uint32_t> found;
    index.for_each([&found](std::uint32_t value) { found.push_back(value); });
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, (std::vector<std::uint32_t>{0, 1, 2}));
}

TEST(keyed_index, agrees_with_a_hash_map_on_many_keys)
{
    std::mt19937 random{7};
    std::vector<std::string> keys;
    std::unordered_map<std::string, std::uint32_t> first;
    std::vector<std::uint32_t> values;
    for (std::uint32_t i = 0; i < 50'000; ++i) {
        keys.push_back("slug-" + std::to_string(random() % 40'000)); // some shared
        first.emplace(keys.back(), i);
        values.push_back(i);
    }
    auto const key_of = [&keys](std::uint32_t value) { return std::string_view{keys[value]}; };
    keyed_index index;
    index.build(values, key_of);
    for (std::uint32_t probe = 0; probe < 45'000; ++probe) {
        std::string const key = "slug-" + std::to_string(probe);
        auto const expected = first.find(key);
        auto const got = index.find(key, key_of);
        if (expected == first.end()) {
            EXPECT_FALSE(got) << key;
        } else {
            EXPECT_EQ(got, expected->second) << key;
        }
    }
}
