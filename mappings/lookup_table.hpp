#pragma once
// Compact read-only lookup tables for the snapshot: small per entry, one or two cache misses
// per lookup, built once and never changed.

#include "mappings/huge_pages.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace forumgate::mappings {

/// Represents a map from 32-bit ids to 32-bit values. Dense id ranges (Discourse assigns ids
/// in sequence) get a direct table of 4 bytes per id; sparse ones an open-addressing hash.
class id_table
{
public:
    /// Keys dense enough for a direct table: at most this many slots per key.
    static constexpr std::uint64_t DENSE_SLOTS_PER_KEY = 3;

    /// Builds from (key, value) pairs.
    /// \pre no value is UINT32_MAX (it marks an empty slot).
    /// \return a key that appears more than once (the table is then incomplete), or nullopt.
    [[nodiscard]] std::optional<std::uint32_t>
    build(std::vector<std::pair<std::uint32_t, std::uint32_t>> const &entries)
    {
        return build_from(entries.size(), [&entries](std::size_t i) { return entries[i]; });
    }

    /// Builds from `count` entries, the i-th (key, value) pair given by `entry_at(i)`: no list of
    /// pairs needed (80 MB for 10M posts while a map is built). Same \pre and \return as build.
    template <typename EntryAt>
    [[nodiscard]] std::optional<std::uint32_t> build_from(std::size_t count, EntryAt const &entry_at)
    {
        m_keys.clear();
        m_values.clear();
        std::uint64_t max_key = 0;
        for (std::size_t i = 0; i < count; ++i) {
            max_key = std::max<std::uint64_t>(max_key, entry_at(i).first);
        }
        m_dense = count == 0 || max_key + 1 <= DENSE_SLOTS_PER_KEY * std::uint64_t{count} + 1024;
        if (m_dense) {
            m_values.assign(count == 0 ? 0 : max_key + 1, EMPTY);
            for (std::size_t i = 0; i < count; ++i) {
                auto const [key, value] = entry_at(i);
                if (m_values[key] != EMPTY) {
                    return key;
                }
                m_values[key] = value;
            }
            return std::nullopt;
        }
        // Load factor 1/4 to 1/2: short probe sequences, 16 to 32 bytes per key.
        std::size_t const capacity = std::bit_ceil(count * 2);
        m_mask = capacity - 1;
        m_keys.assign(capacity, 0);
        m_values.assign(capacity, EMPTY);
        for (std::size_t i = 0; i < count; ++i) {
            auto const [key, value] = entry_at(i);
            std::size_t slot = hash(key) & m_mask;
            while (m_values[slot] != EMPTY) {
                if (m_keys[slot] == key) {
                    return key;
                }
                slot = (slot + 1) & m_mask;
            }
            m_keys[slot] = key;
            m_values[slot] = value;
        }
        return std::nullopt;
    }

    [[nodiscard]] std::optional<std::uint32_t> find(std::uint64_t key) const noexcept
    {
        if (key > UINT32_MAX) {
            return std::nullopt;
        }
        auto const k = static_cast<std::uint32_t>(key);
        if (m_dense) {
            if (k >= m_values.size() || m_values[k] == EMPTY) {
                return std::nullopt;
            }
            return m_values[k];
        }
        if (m_keys.empty()) {
            return std::nullopt;
        }
        for (std::size_t slot = hash(k) & m_mask;; slot = (slot + 1) & m_mask) {
            if (m_values[slot] == EMPTY) {
                return std::nullopt;
            }
            if (m_keys[slot] == k) {
                return m_values[slot];
            }
        }
    }

    /// Asks the CPU to bring the slot find(key) reads first into its cache, without waiting.
    void prefetch(std::uint64_t key) const noexcept
    {
        if (key > UINT32_MAX) {
            return;
        }
        auto const k = static_cast<std::uint32_t>(key);
        if (m_dense) {
            if (k < m_values.size()) {
                __builtin_prefetch(m_values.data() + k);
            }
            return;
        }
        if (!m_keys.empty()) {
            std::size_t const slot = hash(k) & m_mask;
            __builtin_prefetch(m_keys.data() + slot);
            __builtin_prefetch(m_values.data() + slot);
        }
    }

    [[nodiscard]] std::size_t memory_bytes() const noexcept
    {
        return (m_keys.capacity() + m_values.capacity()) * sizeof(std::uint32_t);
    }

    /// Calls `visit(key, value)` for every entry, in no particular order.
    template <typename Visit>
    void for_each(Visit &&visit) const
    {
        for (std::size_t slot = 0; slot < m_values.size(); ++slot) {
            if (m_values[slot] != EMPTY) {
                visit(m_dense ? static_cast<std::uint32_t>(slot) : m_keys[slot], m_values[slot]);
            }
        }
    }

private:
    static constexpr std::uint32_t EMPTY = UINT32_MAX;

    // Fibonacci hashing: the high half of the product mixes every bit of the key. (Bits from 20
    // up, used before, left ids that are multiples of a large power of two on a few slots.)
    static std::size_t hash(std::uint32_t k) noexcept
    {
        return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ULL) >> 32U);
    }

    bool m_dense = true;
    std::size_t m_mask = 0;
    big_vector<std::uint32_t> m_keys;
    big_vector<std::uint32_t> m_values;
};

/// \return the hash the string tables use: FNV-1a with a final mix, so that the low bits that
/// pick a slot are well spread.
[[nodiscard]] std::uint64_t hash_key(std::string_view key) noexcept;

/// Represents a set of 32-bit values found by a string key that each value yields (a topic's
/// old slug), without storing the keys: the caller's `key_of(value)` gives them. Per value, a
/// slot of 4 bytes and a 2-byte hash tag at a load of 1/4 to 1/2: 12 to 24 bytes, against a
/// string_table's copy of every key. Of values with the same key, the first built is found.
class keyed_index
{
public:
    template <typename KeyOf>
    void build(std::vector<std::uint32_t> const &values, KeyOf &&key_of);

    template <typename KeyOf>
    [[nodiscard]] std::optional<std::uint32_t> find(std::string_view key, KeyOf &&key_of) const
    {
        if (m_slots.empty()) {
            return std::nullopt;
        }
        std::uint64_t const h = hash_key(key);
        auto const tag = static_cast<std::uint16_t>(h >> 48U);
        for (std::size_t slot = h & m_mask;; slot = (slot + 1) & m_mask) {
            std::uint32_t const entry = m_slots[slot];
            if (entry == 0) {
                return std::nullopt;
            }
            if (m_tags[slot] == tag && key_of(entry - 1) == key) {
                return entry - 1;
            }
        }
    }

    /// Calls `visit(value)` for every value find() can find.
    template <typename Visit>
    void for_each(Visit &&visit) const
    {
        for (std::uint32_t const entry : m_slots) {
            if (entry != 0) {
                visit(entry - 1);
            }
        }
    }

    [[nodiscard]] std::size_t memory_bytes() const noexcept
    {
        return m_slots.capacity() * sizeof(std::uint32_t) + m_tags.capacity() * sizeof(std::uint16_t);
    }

private:
    big_vector<std::uint32_t> m_slots; ///< value + 1, 0 = empty
    big_vector<std::uint16_t> m_tags;  ///< the top 16 bits of the key's hash
    std::size_t m_mask = 0;
};

template <typename KeyOf>
void keyed_index::build(std::vector<std::uint32_t> const &values, KeyOf &&key_of)
{
    std::size_t const capacity = std::bit_ceil(std::max<std::size_t>(values.size() * 2, 2));
    m_mask = capacity - 1;
    m_slots.assign(capacity, 0);
    m_tags.assign(capacity, 0);
    for (std::uint32_t const value : values) {
        std::string_view const key = key_of(value);
        std::uint64_t const h = hash_key(key);
        auto const tag = static_cast<std::uint16_t>(h >> 48U);
        std::size_t slot = h & m_mask;
        bool duplicate = false;
        while (m_slots[slot] != 0) {
            if (m_tags[slot] == tag && key_of(m_slots[slot] - 1) == key) {
                duplicate = true;
                break;
            }
            slot = (slot + 1) & m_mask;
        }
        if (!duplicate) {
            m_slots[slot] = value + 1;
            m_tags[slot] = tag;
        }
    }
}

/// Represents a map from strings to 32-bit values (slugs, usernames, tags, upload keys).
/// Keys live in one arena; the hash table holds only entry numbers.
class string_table
{
public:
    /// Adds a key. Of keys added twice, the first one added is the one found.
    void add(std::string_view key, std::uint32_t value);
    /// Builds the hash table; call once after the last add().
    void build();

    [[nodiscard]] std::optional<std::uint32_t> find(std::string_view key) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return m_values.size(); }
    [[nodiscard]] std::string_view key(std::size_t entry) const noexcept
    {
        return std::string_view{m_arena.data() + m_offsets[entry], m_offsets[entry + 1] - m_offsets[entry]};
    }
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

    /// Calls `visit(value)` for the value of every key find() finds (of duplicate keys, the
    /// first one added), in no particular order. \pre build() was called.
    template <typename Visit>
    void for_each_found(Visit &&visit) const
    {
        for (std::uint32_t const entry : m_slots) {
            if (entry != 0) {
                visit(m_values[entry - 1]);
            }
        }
    }

private:
    big_string m_arena;
    big_vector<std::uint32_t> m_offsets{0};
    big_vector<std::uint32_t> m_values;
    big_vector<std::uint32_t> m_slots; // entry + 1, 0 = empty
    std::size_t m_mask = 0;
};

} // namespace forumgate::mappings
